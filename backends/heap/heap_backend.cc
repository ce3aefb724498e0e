#include "backends/heap/heap_backend.h"

#include <algorithm>
#include <charconv>

namespace statebench {
namespace {

class HeapAsyncSnapshot final : public AsyncSnapshot {
 public:
  HeapAsyncSnapshot(std::string backend,
                    std::shared_ptr<HeapCheckpointStorage> storage,
                    HeapCapture capture)
      : backend_(std::move(backend)),
        storage_(std::move(storage)),
        capture_(std::make_unique<HeapCapture>(std::move(capture))) {}

  Result<CheckpointHandle> Complete() override {
    if (capture_ == nullptr) {
      return Status::FailedPrecondition("Complete() called twice");
    }
    CheckpointHandle h;
    h.backend = backend_;
    h.checkpoint_id = capture_->checkpoint_id;
    // Heap backends always take full checkpoints, also when incremental ones
    // are asked for (as Flink's HashMapStateBackend does).
    h.type = CheckpointType::kFull;
    h.key_groups = capture_->key_groups;
    h.max_parallelism = capture_->max_parallelism;
    Status s = storage_->Write(*capture_, &h);
    // Unpins the partitions: later writes stop cloning them.
    capture_.reset();
    if (!s.ok()) {
      return s.WithContext("checkpoint " + std::to_string(h.checkpoint_id) +
                           " of the " + backend_ + " backend");
    }
    return h;
  }

 private:
  const std::string backend_;
  std::shared_ptr<HeapCheckpointStorage> storage_;
  std::unique_ptr<HeapCapture> capture_;
};

std::string Id(int64_t id) { return std::to_string(id); }

}  // namespace

Status ValidateHeapConfig(std::string_view backend,
                          const BackendConfig& config) {
  int m = config.max_parallelism;
  if (m < 1 || m > kUpperBoundMaxParallelism) {
    return Status::InvalidArgument(
        std::string(backend) + " backend: max parallelism " +
        std::to_string(m) + " is outside [1, " +
        std::to_string(kUpperBoundMaxParallelism) + "]");
  }
  const KeyGroupRange& r = config.key_groups;
  if (r.empty() || r.start < 0 || r.end >= m) {
    return Status::InvalidArgument(
        std::string(backend) + " backend: key-group range " + r.ToString() +
        " is empty or outside [0, " + std::to_string(m - 1) + "]");
  }
  return Status::Ok();
}

Status CheckKnownOptions(const BackendInfo& info,
                         const std::map<std::string, std::string>& options) {
  for (const auto& [name, value] : options) {
    bool known = std::any_of(
        info.options.begin(), info.options.end(),
        [&name](const BackendOptionInfo& o) { return o.name == name; });
    if (known) continue;
    std::string list;
    for (const BackendOptionInfo& o : info.options) {
      list += (list.empty() ? "" : ", ") + o.name;
    }
    return Status::InvalidArgument(
        "unknown option '" + name + "' for the " + info.name +
        " backend; known options: " + (list.empty() ? "(none)" : list));
  }
  return Status::Ok();
}

Result<uint64_t> ParseSizeOption(std::string_view option,
                                 const std::string& text) {
  auto bad = [&]() {
    return Status::InvalidArgument(
        "option " + std::string(option) + ": '" + text +
        "' is not a size; use bytes (e.g. 5242880) or a number with B, KiB, "
        "MiB or GiB (e.g. 512KiB, 5MiB), greater than zero");
  };
  uint64_t number = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc() || p == text.data()) return bad();
  std::string_view unit(p, static_cast<size_t>(end - p));
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  if (unit == "KiB") shift = 10;
  if (unit == "MiB") shift = 20;
  if (unit == "GiB") shift = 30;
  if (shift < 0 || number == 0 || number > (uint64_t{1} << (62 - shift))) {
    return bad();
  }
  return number << shift;
}

Result<int64_t> ParseIntOption(std::string_view option, const std::string& text,
                               int64_t min_value, int64_t max_value) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || v < min_value || v > max_value) {
    return Status::InvalidArgument("option " + std::string(option) + ": '" +
                                   text + "' is not an integer in [" +
                                   std::to_string(min_value) + ", " +
                                   std::to_string(max_value) + "]");
  }
  return v;
}

HeapBackend::HeapBackend(std::string name, const BackendConfig& config,
                         Capabilities capabilities,
                         std::shared_ptr<HeapCheckpointStorage> storage)
    : name_(std::move(name)),
      capabilities_(capabilities),
      storage_(std::move(storage)),
      state_(config.max_parallelism, config.key_groups) {}

HeapBackend::~HeapBackend() = default;

Status HeapBackend::Closed() const {
  return Status::FailedPrecondition("the " + name_ + " backend is closed");
}

Result<StateId> HeapBackend::RegisterState(const StateDescriptor& desc) {
  if (closed_) return Closed();
  return state_.RegisterState(desc);
}

Status HeapBackend::ValueGet(const StateKey& k, std::string* value,
                             bool* found) {
  if (closed_) [[unlikely]]
    return Closed();
  CountRead();
  return state_.ValueGet(k, value, found);
}

Status HeapBackend::ValuePut(const StateKey& k, std::string_view value) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.ValuePut(k, value);
}

Status HeapBackend::ValueRemove(const StateKey& k) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.ValueRemove(k);
}

Status HeapBackend::ListAppend(const StateKey& k, std::string_view value) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.ListAppend(k, value);
}

Status HeapBackend::ListGet(const StateKey& k,
                            std::vector<std::string>* values) {
  if (closed_) [[unlikely]]
    return Closed();
  CountRead();
  return state_.ListGet(k, values);
}

Status HeapBackend::ListClear(const StateKey& k) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.ListClear(k);
}

Status HeapBackend::MapPut(const StateKey& k, std::string_view user_key,
                           std::string_view value) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.MapPut(k, user_key, value);
}

Status HeapBackend::MapGet(const StateKey& k, std::string_view user_key,
                           std::string* value, bool* found) {
  if (closed_) [[unlikely]]
    return Closed();
  CountRead();
  return state_.MapGet(k, user_key, value, found);
}

Status HeapBackend::MapRemove(const StateKey& k, std::string_view user_key) {
  if (closed_) [[unlikely]]
    return Closed();
  return state_.MapRemove(k, user_key);
}

Status HeapBackend::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  if (closed_) [[unlikely]]
    return Closed();
  CountRead();
  return state_.MapScan(k, from, to, limit, entries);
}

Result<std::unique_ptr<AsyncSnapshot>> HeapBackend::SnapshotSync(
    int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (checkpoint_id <= last_checkpoint_id_) {
    return Status::InvalidArgument("checkpoint id " + Id(checkpoint_id) +
                                   " is not greater than the previous one, " +
                                   Id(last_checkpoint_id_));
  }
  last_checkpoint_id_ = checkpoint_id;
  return std::unique_ptr<AsyncSnapshot>(std::make_unique<HeapAsyncSnapshot>(
      name_, storage_, state_.Capture(checkpoint_id)));
}

Status HeapBackend::NotifyCheckpointComplete(int64_t checkpoint_id) {
  if (closed_) return Closed();
  return storage_->OnComplete(checkpoint_id);
}

Status HeapBackend::NotifyCheckpointAborted(int64_t checkpoint_id) {
  if (closed_) return Closed();
  return storage_->OnAborted(checkpoint_id);
}

Status HeapBackend::CheckHandles(const std::vector<CheckpointHandle>& handles,
                                 KeyGroupRange range) const {
  KeyGroupRange mine = state_.key_groups();
  if (range.empty() || range.Intersect(mine) != range) {
    return Status::InvalidArgument("restore range " + range.ToString() +
                                   " is not within this instance's range " +
                                   mine.ToString());
  }
  if (handles.empty()) {
    return Status::InvalidArgument("no checkpoint handles to restore from");
  }
  for (const CheckpointHandle& h : handles) {
    std::string which = "handle of checkpoint " + Id(h.checkpoint_id) +
                        " for key groups " + h.key_groups.ToString();
    if (h.backend != name_) {
      return Status::InvalidArgument(which + " was written by the '" +
                                     h.backend + "' backend, not '" + name_ +
                                     "'");
    }
    if (h.max_parallelism != state_.max_parallelism()) {
      return Status::InvalidArgument(
          which + " has max parallelism " + std::to_string(h.max_parallelism) +
          " but this instance uses " +
          std::to_string(state_.max_parallelism()) +
          " (max parallelism is fixed for the life of the state)");
    }
    if (h.checkpoint_id != handles[0].checkpoint_id) {
      return Status::InvalidArgument("handles from different checkpoints (" +
                                     Id(handles[0].checkpoint_id) + " and " +
                                     Id(h.checkpoint_id) + ")");
    }
  }
  for (int kg = range.start; kg <= range.end; ++kg) {
    int holders = 0;
    for (const CheckpointHandle& h : handles)
      holders += h.key_groups.Contains(kg);
    if (holders != 1) {
      return Status::InvalidArgument(
          "the handles " +
          std::string(holders == 0 ? "do not cover" : "overlap at") +
          " key group " + std::to_string(kg) + " of the restore range " +
          range.ToString());
    }
  }
  return Status::Ok();
}

namespace {

// Maps the snapshot's states onto `states` by name, appending new ones.
Status MapStates(const HeapSnapshotReader& reader,
                 std::vector<StateDescriptor>* states,
                 std::vector<StateId>* ids) {
  ids->clear();
  for (const StateDescriptor& s : reader.states()) {
    auto it = std::find_if(
        states->begin(), states->end(),
        [&s](const StateDescriptor& d) { return d.name == s.name; });
    if (it == states->end()) {
      states->push_back(s);
      it = states->end() - 1;
    } else if (it->kind != s.kind) {
      return Status::InvalidArgument(
          reader.what() + ": state '" + s.name + "' is " +
          std::string(StateKindName(s.kind)) +
          " state in the checkpoint but registered as " +
          std::string(StateKindName(it->kind)));
    }
    ids->push_back(static_cast<StateId>(it - states->begin()));
  }
  return Status::Ok();
}

Status CheckHeader(const HeapSnapshotReader& r, const CheckpointHandle& h) {
  if (r.max_parallelism() == h.max_parallelism &&
      r.key_groups() == h.key_groups && r.checkpoint_id() == h.checkpoint_id) {
    return Status::Ok();
  }
  return Status::Corruption(
      r.what() + ": snapshot header (checkpoint " + Id(r.checkpoint_id()) +
      ", key groups " + r.key_groups().ToString() + ", max parallelism " +
      std::to_string(r.max_parallelism()) + ") does not match its handle " +
      "(checkpoint " + Id(h.checkpoint_id) + ", key groups " +
      h.key_groups.ToString() + ", max parallelism " +
      std::to_string(h.max_parallelism) + ")");
}

Status ReadHandle(SnapshotSource* source, const CheckpointHandle& h,
                  KeyGroupRange part, KeyGroupRange mine,
                  std::vector<StateDescriptor>* states,
                  std::vector<std::shared_ptr<HeapPartition>>* partitions,
                  SnapshotCodecStats* codec) {
  std::string what = h.location.empty()
                         ? "in-memory snapshot of checkpoint " +
                               Id(h.checkpoint_id) + " for key groups " +
                               h.key_groups.ToString()
                         : h.location;
  SB_ASSIGN_OR_RETURN(std::unique_ptr<HeapSnapshotReader> reader,
                      HeapSnapshotReader::Open(source, what));
  SB_RETURN_IF_ERROR(CheckHeader(*reader, h));
  std::vector<StateId> ids;
  SB_RETURN_IF_ERROR(MapStates(*reader, states, &ids));
  Status s;
  for (int kg = part.start; kg <= part.end && s.ok(); ++kg) {
    auto p = std::make_shared<HeapPartition>();
    s = reader->ReadKeyGroup(kg, ids, p.get());
    if (s.ok() && !p->empty()) (*partitions)[kg - mine.start] = std::move(p);
  }
  *codec = reader->codec_stats();
  return s;
}

}  // namespace

Status HeapBackend::RestoreInto(
    const std::vector<CheckpointHandle>& handles, KeyGroupRange range,
    std::vector<StateDescriptor>* states,
    std::vector<std::shared_ptr<HeapPartition>>* partitions,
    uint64_t* bytes_read) {
  KeyGroupRange mine = state_.key_groups();
  partitions->assign(static_cast<size_t>(mine.size()), nullptr);
  for (const CheckpointHandle& h : handles) {
    KeyGroupRange part = h.key_groups.Intersect(range);
    if (part.empty()) continue;
    SB_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotSource> source,
                        storage_->Open(h));
    SnapshotCodecStats codec;
    Status s =
        ReadHandle(source.get(), h, part, mine, states, partitions, &codec);
    storage_->CountRestore(source->bytes_read(), codec);
    *bytes_read += source->bytes_read();
    SB_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

Status HeapBackend::Restore(const std::vector<CheckpointHandle>& handles,
                            KeyGroupRange range) {
  if (closed_) return Closed();
  // Decoded into fresh partitions and swapped in only on success, so a
  // failure leaves the live state as it was, never half-restored.
  std::vector<StateDescriptor> states = state_.states();
  std::vector<std::shared_ptr<HeapPartition>> partitions;
  uint64_t bytes_read = 0;
  Status s = CheckHandles(handles, range);
  if (s.ok())
    s = RestoreInto(handles, range, &states, &partitions, &bytes_read);
  if (!s.ok()) return s.WithContext("restore of the " + name_ + " backend");
  uint64_t entries = 0;
  for (const auto& p : partitions) {
    if (p == nullptr) continue;
    for (const HeapStateTable& t : p->tables) {
      entries += t.values.size() + t.lists.size() + t.maps.size();
    }
  }
  state_.Replace(std::move(states), std::move(partitions));
  // Every snapshot byte is read and decoded: nothing is reused in place.
  last_restore_ = RestoreStats{};
  last_restore_.restored = true;
  last_restore_.bytes_copied = bytes_read;
  last_restore_.state_bytes = bytes_read;
  last_restore_.entries = entries;
  last_restore_.mode = "checkpoint-storage";
  last_restore_.detail =
      capabilities_.durable
          ? "read and decoded the snapshot files in the checkpoint directory"
          : "decoded the in-memory (jobmanager) snapshot blobs";
  return Status::Ok();
}

IoStats HeapBackend::GetIoStats() {
  IoStats stats;
  storage_->AddIoStats(&stats);
  stats.last_restore = last_restore_;
  stats.bytes_written = 0;
  for (const auto& [cause, bytes] : stats.write_breakdown) {
    stats.bytes_written += bytes;
  }
  stats.source = "own byte counters";
  stats.read_sources["memory"] = reads_.load(std::memory_order_relaxed);
  return stats;
}

Status HeapBackend::Close() {
  closed_ = true;
  state_.Clear();
  return Status::Ok();
}

}  // namespace statebench

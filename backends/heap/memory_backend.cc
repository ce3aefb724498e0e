#include "backends/heap/memory_backend.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>

#include "backends/heap/heap_backend.h"
#include "backends/snapshot/snapshot_codec.h"

namespace statebench {
namespace {

constexpr char kName[] = "memory";
constexpr char kMaxStateSize[] = "max_state_size";
constexpr uint64_t kDefaultMaxStateSize = uint64_t{5} << 20;

std::string HumanBytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB",
                static_cast<double>(bytes) / (1 << 20));
  return std::to_string(bytes) + " bytes (" + buf + ")";
}

// Collects the snapshot up to `cap` bytes; beyond it only counts, so that
// the error can name the full size without holding it.
class CappedStringSink final : public SnapshotSink {
 public:
  explicit CappedStringSink(uint64_t cap) : cap_(cap) {}

  Status Append(std::string_view data) override {
    size_ += data.size();
    if (size_ > cap_) {
      if (!data_.empty()) std::string().swap(data_);
    } else {
      data_.append(data);
    }
    return Status::Ok();
  }
  bool exceeded() const { return size_ > cap_; }
  uint64_t size() const { return size_; }
  std::string Take() { return std::move(data_); }

 private:
  const uint64_t cap_;
  uint64_t size_ = 0;
  std::string data_;
};

class MemoryCheckpointStorage final : public HeapCheckpointStorage {
 public:
  MemoryCheckpointStorage(uint64_t max_state_size, SnapshotCodecOptions codec)
      : max_state_size_(max_state_size), codec_(codec) {}

  Status Write(const HeapCapture& capture, CheckpointHandle* h) override {
    CappedStringSink sink(max_state_size_);
    SnapshotCodecStats stats;
    SB_RETURN_IF_ERROR(
        WriteHeapSnapshot(capture, &sink, codec_, &stats).status());
    cpu_.compress_ns.fetch_add(stats.compress_cpu_ns,
                               std::memory_order_relaxed);
    if (sink.exceeded()) {
      return Status::ResourceExhausted(
          "the snapshot is " + HumanBytes(sink.size()) +
          ", above the memory backend's max_state_size of " +
          HumanBytes(max_state_size_) +
          "; raise max_state_size or use the fs backend (filesystem "
          "checkpoint storage)");
    }
    auto data = std::make_shared<const std::string>(sink.Take());
    h->checkpointed_size = h->full_size = data->size();
    h->metadata["format"] = std::string(kHeapSnapshotFormat);
    h->metadata["storage"] = "jobmanager";
    h->inline_data = std::move(data);
    RecordSnapshotFigures(codec_.compression, stats, false, 0, h);
    serialized_bytes_.fetch_add(h->full_size, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    retained_[h->checkpoint_id] = h->full_size;
    return Status::Ok();
  }

  Result<std::unique_ptr<SnapshotSource>> Open(
      const CheckpointHandle& h) override {
    if (h.inline_data == nullptr) {
      return Status::InvalidArgument(
          "handle of checkpoint " + std::to_string(h.checkpoint_id) +
          " carries no in-memory snapshot (memory checkpoints do not survive "
          "the process that took them)");
    }
    return std::unique_ptr<SnapshotSource>(
        std::make_unique<StringSnapshotSource>(h.inline_data));
  }

  void CountRestore(uint64_t bytes, const SnapshotCodecStats& codec) override {
    restore_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    cpu_.decompress_ns.fetch_add(codec.decompress_cpu_ns,
                                 std::memory_order_relaxed);
  }

  // Retention is Flink's default of one completed checkpoint; blobs of
  // checkpoints not yet notified stay counted.
  Status OnComplete(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    retained_.erase(retained_.begin(), retained_.lower_bound(id));
    return Status::Ok();
  }

  Status OnAborted(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    retained_.erase(id);
    return Status::Ok();
  }

  void AddIoStats(IoStats* stats) const override {
    stats->write_breakdown["snapshot_memory"] +=
        serialized_bytes_.load(std::memory_order_relaxed);
    stats->bytes_read += restore_bytes_.load(std::memory_order_relaxed);
    cpu_.AddTo(stats);
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, bytes] : retained_) stats->storage_size += bytes;
  }

 private:
  const uint64_t max_state_size_;
  const SnapshotCodecOptions codec_;
  CodecCpuCounters cpu_;
  std::atomic<uint64_t> serialized_bytes_{0};
  std::atomic<uint64_t> restore_bytes_{0};
  mutable std::mutex mu_;
  std::map<int64_t, uint64_t> retained_;  // checkpoint id -> blob bytes
};

Capabilities MemoryCapabilities() {
  Capabilities c;
  c.durable = false;
  c.incremental = false;
  c.remote = false;
  c.exactly_once = true;
  c.memory_bound = true;
  c.rescale_mode = RescaleMode::kKeyGroupOffsets;
  return c;
}

}  // namespace

BackendInfo MemoryBackendInfo() {
  BackendInfo info;
  info.name = kName;
  info.flink_analogue =
      "HashMapStateBackend + JobManagerCheckpointStorage (MemoryStateBackend)";
  info.description =
      "Heap hash maps per key group; copy-on-write snapshots serialized into "
      "memory, capped like Flink's jobmanager storage. Not durable.";
  info.capabilities = MemoryCapabilities();
  info.embedded = true;
  info.options = {{kMaxStateSize, "5MiB",
                   "largest checkpoint of one subtask; a larger one fails "
                   "(bytes, or with B/KiB/MiB/GiB)"}};
  for (BackendOptionInfo& o : SnapshotCodecOptionInfos()) {
    info.options.push_back(std::move(o));
  }
  return info;
}

namespace {

struct MemorySettings {
  uint64_t max_state_size = kDefaultMaxStateSize;
  SnapshotCodecOptions codec;
};

}  // namespace

Result<std::shared_ptr<const BackendSettings>> ParseMemoryOptions(
    const std::map<std::string, std::string>& options) {
  SB_RETURN_IF_ERROR(CheckKnownOptions(MemoryBackendInfo(), options));
  MemorySettings s;
  if (auto it = options.find(kMaxStateSize); it != options.end()) {
    SB_ASSIGN_OR_RETURN(s.max_state_size,
                        ParseSizeOption(kMaxStateSize, it->second));
  }
  SB_ASSIGN_OR_RETURN(s.codec, ParseSnapshotCodecOptions(kName, options));
  return MakeBackendSettings(std::move(s));
}

Result<std::unique_ptr<StateBackend>> CreateMemoryBackend(
    const BackendConfig& config) {
  SB_RETURN_IF_ERROR(ValidateHeapConfig(kName, config));
  SB_ASSIGN_OR_RETURN(auto settings,
                      SettingsFor<MemorySettings>(config, ParseMemoryOptions));
  const MemorySettings& s = settings->value;
  Capabilities caps = MemoryCapabilities();
  // A compressed snapshot may be smaller than the state it holds.
  if (s.codec.compression == SnapshotCompression::kNone) {
    caps.state_size_cap = s.max_state_size;
  }
  return std::unique_ptr<StateBackend>(std::make_unique<HeapBackend>(
      kName, config, caps,
      std::make_shared<MemoryCheckpointStorage>(s.max_state_size, s.codec)));
}

}  // namespace statebench

#include "backends/rocksdb/rocksdb_full_snapshot.h"

#include <utility>

#include "backends/rocksdb/rocksdb_format.h"

namespace statebench {
namespace {

constexpr std::string_view kHeaderMagic = "SBRDBFS1";
constexpr std::string_view kFooterMagic = "SBRDBFE1";
constexpr uint32_t kVersion = 1;
constexpr uint32_t kCompressedVersion = 2;
constexpr size_t kFooterBytes = 32;
constexpr size_t kIndexEntryBytes = 20;
constexpr size_t kIndexEntryBytesV2 = 28;
constexpr size_t kFlushBytes = 1 << 20;

std::string EncodeHeader(const FullSnapshotMeta& meta,
                         SnapshotCompression compression) {
  const bool compressed = compression != SnapshotCompression::kNone;
  std::string h(kHeaderMagic);
  AppendFixed32(compressed ? kCompressedVersion : kVersion, &h);
  AppendFixed32(static_cast<uint32_t>(meta.max_parallelism), &h);
  AppendFixed32(static_cast<uint32_t>(meta.key_groups.start), &h);
  AppendFixed32(static_cast<uint32_t>(meta.key_groups.end), &h);
  AppendFixed64(static_cast<uint64_t>(meta.checkpoint_id), &h);
  AppendVarint(meta.states.size(), &h);
  for (const StateSpec& s : meta.states) {
    h.push_back(static_cast<char>(s.kind));
    AppendListElement(s.name, &h);
  }
  if (compressed) h.push_back(static_cast<char>(compression));
  AppendFixed32(Crc32c(h), &h);
  return h;
}

// One forward iterator per state at the snapshot; key groups are visited in
// order, so each iterator moves only forward and the whole pass is linear.
class SectionWriter {
 public:
  SectionWriter(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                const FullSnapshotMeta& meta, ByteSink* sink,
                const SnapshotCodecOptions& codec, SnapshotCodecStats* stats)
      : prefix_bytes_(KeyGroupPrefixBytes(meta.max_parallelism)),
        sink_(sink),
        codec_(codec),
        stats_(stats) {
    AppendKeyGroupPrefix(prefix_bytes_, meta.key_groups.start, &lower_);
    AppendKeyGroupPrefix(prefix_bytes_, meta.key_groups.end + 1, &upper_);
    lower_slice_ = rocksdb::Slice(lower_);
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    ro.fill_cache = false;  // a snapshot pass must not evict the hot set
    ro.readahead_size = 2 << 20;
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    for (auto* cf : cfs) {
      iters_.emplace_back(db->NewIterator(ro, cf));
      iters_.back()->Seek(lower_slice_);
    }
  }

  // Appends the section of `kg` to the sink and its index entry to *index.
  Status WriteSection(int kg, std::string* index) {
    if (codec_.compression != SnapshotCompression::kNone) {
      return WriteCompressedSection(kg, index);
    }
    uint64_t offset = sink_->size() + pending_.size();
    size_t section_start = pending_.size();
    uint32_t crc = 0;
    for (size_t i = 0; i < iters_.size(); ++i) {
      rocksdb::Iterator* it = iters_[i].get();
      for (; it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size());
        if (DecodeKeyGroupPrefix(prefix_bytes_, key) != kg) break;
        AppendVarint(i, &pending_);
        AppendListElement(key.substr(prefix_bytes_), &pending_);
        AppendListElement(
            std::string_view(it->value().data(), it->value().size()),
            &pending_);
        if (pending_.size() >= kFlushBytes) {
          crc = Crc32cExtend(crc,
                             std::string_view(pending_).substr(section_start));
          SB_RETURN_IF_ERROR(Drain());
          section_start = 0;
        }
      }
      if (!it->status().ok()) {
        return FromRocks(it->status(), "full snapshot iteration");
      }
    }
    crc = Crc32cExtend(crc, std::string_view(pending_).substr(section_start));
    uint64_t end = sink_->size() + pending_.size();
    AppendFixed64(offset, index);
    AppendFixed64(end - offset, index);
    AppendFixed32(crc, index);
    stats_->raw_bytes += end - offset;
    stats_->stored_bytes += end - offset;
    return Status::Ok();
  }

  // The section of `kg` collected whole, then compressed.
  Status WriteCompressedSection(int kg, std::string* index) {
    raw_.clear();
    for (size_t i = 0; i < iters_.size(); ++i) {
      rocksdb::Iterator* it = iters_[i].get();
      for (; it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size());
        if (DecodeKeyGroupPrefix(prefix_bytes_, key) != kg) break;
        AppendVarint(i, &raw_);
        AppendListElement(key.substr(prefix_bytes_), &raw_);
        AppendListElement(
            std::string_view(it->value().data(), it->value().size()), &raw_);
      }
      if (!it->status().ok()) {
        return FromRocks(it->status(), "full snapshot iteration");
      }
    }
    uint64_t offset = position();
    size_t start = pending_.size();
    SB_RETURN_IF_ERROR(CompressBlock(codec_, raw_, &pending_, stats_));
    uint32_t crc = Crc32c(std::string_view(pending_).substr(start));
    AppendFixed64(offset, index);
    AppendFixed64(pending_.size() - start, index);
    AppendFixed32(crc, index);
    AppendFixed64(raw_.size(), index);
    return pending_.size() >= kFlushBytes ? Drain() : Status::Ok();
  }

  Status Append(std::string_view data) {
    pending_.append(data);
    return pending_.size() >= kFlushBytes ? Drain() : Status::Ok();
  }
  Status Drain() {
    Status s = sink_->Append(pending_);
    pending_.clear();
    return s;
  }
  uint64_t position() const { return sink_->size() + pending_.size(); }

 private:
  int prefix_bytes_;
  ByteSink* sink_;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> iters_;
  std::string pending_;
  SnapshotCodecOptions codec_;
  SnapshotCodecStats* stats_;
  std::string raw_;
};

Status Corrupt(const std::string& what, std::string_view why) {
  return Status::Corruption("full snapshot " + what + ": " + std::string(why));
}

}  // namespace

EnvelopeHeader FullSnapshotEnvelopeHeader(int64_t checkpoint_id,
                                          KeyGroupRange key_groups,
                                          std::string file) {
  return {kFullSnapshotFormat, "rocksdb", checkpoint_id, key_groups,
          std::move(file)};
}

Status WriteFullSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                         const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                         const FullSnapshotMeta& meta, ByteSink* sink,
                         const SnapshotCodecOptions& codec,
                         SnapshotCodecStats* stats) {
  SnapshotCodecStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  std::string header = EncodeHeader(meta, codec.compression);
  SectionWriter writer(db, snapshot, cfs, meta, sink, codec, stats);
  SB_RETURN_IF_ERROR(writer.Append(header));
  std::string index;
  index.reserve(meta.key_groups.size() * kIndexEntryBytesV2);
  for (int kg = meta.key_groups.start; kg <= meta.key_groups.end; ++kg) {
    SB_RETURN_IF_ERROR(writer.WriteSection(kg, &index));
  }
  uint64_t index_offset = writer.position();
  SB_RETURN_IF_ERROR(writer.Append(index));
  std::string footer;
  AppendFixed64(index_offset, &footer);
  AppendFixed64(index.size(), &footer);
  AppendFixed32(Crc32c(index), &footer);
  AppendFixed32(static_cast<uint32_t>(header.size()), &footer);
  footer.append(kFooterMagic);
  SB_RETURN_IF_ERROR(writer.Append(footer));
  SB_RETURN_IF_ERROR(writer.Drain());
  return sink->Finish();
}

Result<std::unique_ptr<FullSnapshotReader>> FullSnapshotReader::Open(
    std::unique_ptr<ByteSource> source, std::string what) {
  std::unique_ptr<FullSnapshotReader> r(new FullSnapshotReader());
  r->source_ = std::move(source);
  r->what_ = std::move(what);
  if (r->source_->size() < kFooterBytes) {
    return Corrupt(r->what_, "shorter than its footer");
  }
  std::string footer;
  SB_RETURN_IF_ERROR(r->source_->ReadAt(r->source_->size() - kFooterBytes,
                                        kFooterBytes, &footer));
  if (std::string_view(footer).substr(24) != kFooterMagic) {
    return Corrupt(r->what_, "bad footer magic (not a snapshot, or truncated)");
  }
  uint64_t index_offset = DecodeFixed64(footer.data());
  uint64_t index_length = DecodeFixed64(footer.data() + 8);
  uint32_t index_crc = DecodeFixed32(footer.data() + 16);
  uint32_t header_length = DecodeFixed32(footer.data() + 20);
  SB_RETURN_IF_ERROR(r->ReadHeader(header_length));
  SB_RETURN_IF_ERROR(r->ReadIndex(index_offset, index_length, index_crc));
  return r;
}

Status FullSnapshotReader::ReadHeader(uint64_t header_length) {
  // magic, 24 bytes of fixed fields, a state count, the CRC.
  if (header_length < kHeaderMagic.size() + 24 + 1 + 4 ||
      header_length > source_->size()) {
    return Corrupt(what_, "bad header length");
  }
  std::string header;
  SB_RETURN_IF_ERROR(source_->ReadAt(0, header_length, &header));
  std::string_view body(header.data(), header.size() - 4);
  if (Crc32c(body) != DecodeFixed32(header.data() + body.size())) {
    return Corrupt(what_, "header checksum mismatch");
  }
  if (body.substr(0, kHeaderMagic.size()) != kHeaderMagic) {
    return Corrupt(what_, "bad header magic");
  }
  const char* p = body.data() + kHeaderMagic.size();
  version_ = DecodeFixed32(p);
  if (version_ != kVersion && version_ != kCompressedVersion) {
    return Corrupt(what_, "unsupported version " + std::to_string(version_));
  }
  meta_.max_parallelism = static_cast<int>(DecodeFixed32(p + 4));
  meta_.key_groups.start = static_cast<int>(DecodeFixed32(p + 8));
  meta_.key_groups.end = static_cast<int>(DecodeFixed32(p + 12));
  meta_.checkpoint_id = static_cast<int64_t>(DecodeFixed64(p + 16));
  std::string_view rest = body.substr(kHeaderMagic.size() + 24);
  uint64_t count = 0;
  if (!ReadVarint(&rest, &count) || count > rest.size()) {
    return Corrupt(what_, "bad state count");
  }
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    if (rest.empty()) return Corrupt(what_, "truncated state list");
    auto kind = static_cast<uint8_t>(rest[0]);
    rest.remove_prefix(1);
    if (kind > static_cast<uint8_t>(StateKind::kMap) ||
        !ReadLengthPrefixed(&rest, &name)) {
      return Corrupt(what_, "bad state descriptor");
    }
    meta_.states.push_back({std::string(name), static_cast<StateKind>(kind)});
  }
  if (version_ == kCompressedVersion) {
    if (rest.size() != 1) return Corrupt(what_, "bad compression byte");
    auto c = static_cast<uint8_t>(rest[0]);
    if (c < static_cast<uint8_t>(SnapshotCompression::kLz4) ||
        c > static_cast<uint8_t>(SnapshotCompression::kZstd)) {
      return Corrupt(what_, "unknown compression " + std::to_string(c));
    }
    compression_ = static_cast<SnapshotCompression>(c);
  }
  if (meta_.max_parallelism <= 0 ||
      meta_.max_parallelism > kUpperBoundMaxParallelism ||
      meta_.key_groups.start < 0 ||
      meta_.key_groups.end >= meta_.max_parallelism) {
    return Corrupt(what_, "key-group range outside max parallelism");
  }
  return Status::Ok();
}

Status FullSnapshotReader::ReadIndex(uint64_t offset, uint64_t length,
                                     uint32_t crc) {
  size_t entry_bytes =
      version_ == kCompressedVersion ? kIndexEntryBytesV2 : kIndexEntryBytes;
  uint64_t expected =
      static_cast<uint64_t>(meta_.key_groups.size()) * entry_bytes;
  if (length != expected || offset > source_->size() ||
      length > source_->size() - offset) {
    return Corrupt(what_, "bad index bounds");
  }
  std::string index;
  SB_RETURN_IF_ERROR(source_->ReadAt(offset, length, &index));
  if (Crc32c(index) != crc) return Corrupt(what_, "index checksum mismatch");
  for (size_t i = 0; i < index.size(); i += entry_bytes) {
    Section s{DecodeFixed64(index.data() + i),
              DecodeFixed64(index.data() + i + 8),
              DecodeFixed32(index.data() + i + 16), 0};
    s.raw_length = entry_bytes == kIndexEntryBytesV2
                       ? DecodeFixed64(index.data() + i + 20)
                       : s.length;
    if (s.offset > offset || s.length > offset - s.offset) {
      return Corrupt(what_, "section outside the data area");
    }
    sections_.push_back(s);
  }
  return Status::Ok();
}

Status FullSnapshotReader::ForEachEntry(int key_group, const EntryFn& fn) {
  if (!meta_.key_groups.Contains(key_group)) {
    return Status::InvalidArgument("key group " + std::to_string(key_group) +
                                   " is not in " + what_);
  }
  const Section& s = sections_[key_group - meta_.key_groups.start];
  SB_RETURN_IF_ERROR(source_->ReadAt(s.offset, s.length, &buffer_));
  if (Crc32c(buffer_) != s.crc) {
    return Corrupt(
        what_, "checksum mismatch in key group " + std::to_string(key_group));
  }
  std::string_view in(buffer_);
  if (compression_ != SnapshotCompression::kNone) {
    SB_RETURN_IF_ERROR(DecompressBlock(
        compression_, buffer_, s.raw_length, &raw_, &codec_stats_,
        "full snapshot " + what_ + ": key group " + std::to_string(key_group)));
    in = raw_;
  }
  while (!in.empty()) {
    uint64_t state = 0;
    std::string_view key, value;
    if (!ReadVarint(&in, &state) || state >= meta_.states.size() ||
        !ReadLengthPrefixed(&in, &key) || !ReadLengthPrefixed(&in, &value)) {
      return Corrupt(
          what_, "malformed entry in key group " + std::to_string(key_group));
    }
    SB_RETURN_IF_ERROR(fn(static_cast<uint32_t>(state), key, value));
  }
  return Status::Ok();
}

}  // namespace statebench

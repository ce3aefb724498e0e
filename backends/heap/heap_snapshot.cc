#include "backends/heap/heap_snapshot.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace statebench {
namespace {

constexpr std::string_view kHeaderMagic = "SBHEAPS1";
constexpr std::string_view kFooterMagic = "SBHEAPE1";
constexpr size_t kFooterSize = 8 + 8 + 4 + 4 + 4 + 8;
constexpr size_t kIndexEntrySize = 8 + 8 + 4;
constexpr size_t kIndexEntrySizeV2 = kIndexEntrySize + 8;
// Magic, version, max parallelism, range, checkpoint id, state count, CRC.
constexpr size_t kMinHeaderSize = 8 + 4 + 4 + 4 + 4 + 8 + 1 + 4;
constexpr size_t kFlushBytes = 256 << 10;

// ---- CRC-32C -------------------------------------------------------------

constexpr uint32_t kCrc32cPoly = 0x82F63B78u;  // reflected Castagnoli

using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr CrcTables MakeCrcTables() {
  CrcTables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kCrc32cPoly : 0);
    t[0][i] = c;
  }
  for (int s = 1; s < 8; ++s) {
    for (uint32_t i = 0; i < 256; ++i) {
      t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
  return t;
}

constexpr CrcTables kCrcTables = MakeCrcTables();

// Slice-by-8, independent of host byte order.
uint32_t Crc32cPortable(uint32_t crc, const uint8_t* p, size_t n) {
  const CrcTables& t = kCrcTables;
  crc = ~crc;
  while (n >= 8) {
    uint32_t lo =
        crc ^
        (static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24);
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
          t[4][lo >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t crc,
                                                       const uint8_t* p,
                                                       size_t n) {
  uint64_t c = ~crc & 0xffffffffu;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

// ---- encoding ------------------------------------------------------------

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, std::string_view b) {
  PutVarint(out, b.size());
  out->append(b);
}

// A cursor over bytes being decoded; every getter fails instead of reading
// past the end.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}
  bool done() const { return data_.empty(); }

  bool Fixed32(uint32_t* v) {
    if (data_.size() < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      *v |= static_cast<uint32_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
    }
    data_.remove_prefix(4);
    return true;
  }
  bool Fixed64(uint64_t* v) {
    if (data_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) {
      *v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[i])) << (8 * i);
    }
    data_.remove_prefix(8);
    return true;
  }
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift <= 63 && !data_.empty(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(data_[0]);
      data_.remove_prefix(1);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool Bytes(std::string_view* b) {
    uint64_t n;
    if (!Varint(&n) || n > data_.size()) return false;
    *b = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool Raw(size_t n, std::string_view* b) {
    if (n > data_.size()) return false;
    *b = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view data_;
};

// Buffers writes to the sink and checksums each region (header, section,
// index) as it goes, so that memory stays bounded by kFlushBytes plus one
// value.
class RegionWriter {
 public:
  struct Region {
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
  };

  explicit RegionWriter(SnapshotSink* sink) : sink_(sink) {}

  std::string* buf() { return &buf_; }
  uint64_t offset() const { return offset_ + buf_.size(); }

  void Begin() {
    region_offset_ = offset();
    region_crc_ = SnapshotCrc32c(0, {});
  }
  Status MaybeFlush() {
    return buf_.size() >= kFlushBytes ? Flush() : Status::Ok();
  }
  Result<Region> End() {
    SB_RETURN_IF_ERROR(Flush());
    return Region{region_offset_, offset_ - region_offset_, region_crc_};
  }
  // Appends bytes that belong to no region.
  Status Raw(std::string_view data) {
    SB_RETURN_IF_ERROR(Flush());
    SB_RETURN_IF_ERROR(sink_->Append(data));
    offset_ += data.size();
    return Status::Ok();
  }

 private:
  Status Flush() {
    if (buf_.empty()) return Status::Ok();
    region_crc_ = SnapshotCrc32c(region_crc_, buf_);
    SB_RETURN_IF_ERROR(sink_->Append(buf_));
    offset_ += buf_.size();
    buf_.clear();
    return Status::Ok();
  }

  SnapshotSink* sink_;
  std::string buf_;
  uint64_t offset_ = 0;
  uint64_t region_offset_ = 0;
  uint32_t region_crc_ = 0;
};

size_t EntryCount(const HeapStateTable& t, StateKind kind) {
  switch (kind) {
    case StateKind::kValue:
      return t.values.size();
    case StateKind::kList:
      return t.lists.size();
    case StateKind::kMap:
      return t.maps.size();
  }
  return 0;
}

Status PutEntryKey(std::string* out, std::string_view encoded) {
  std::string_view key, ns;
  if (!DecodeEntryKey(encoded, &key, &ns)) {
    return Status::Internal("malformed heap entry key");
  }
  PutBytes(out, key);
  PutBytes(out, ns);
  return Status::Ok();
}

Status WriteTable(const HeapStateTable& t, StateKind kind, RegionWriter* w) {
  std::string* out = w->buf();
  switch (kind) {
    case StateKind::kValue:
      for (const HeapBytesNode& n : t.values) {
        SB_RETURN_IF_ERROR(PutEntryKey(out, n.key()));
        PutBytes(out, n.value());
        SB_RETURN_IF_ERROR(w->MaybeFlush());
      }
      break;
    case StateKind::kList:
      for (const auto& n : t.lists) {
        const std::vector<std::string>& list = n.value();
        SB_RETURN_IF_ERROR(PutEntryKey(out, n.key()));
        PutVarint(out, list.size());
        for (const std::string& e : list) {
          PutBytes(out, e);
          SB_RETURN_IF_ERROR(w->MaybeFlush());
        }
      }
      break;
    case StateKind::kMap:
      for (const auto& n : t.maps) {
        const HeapUserMap& map = n.value();
        SB_RETURN_IF_ERROR(PutEntryKey(out, n.key()));
        PutVarint(out, map.size());
        for (const auto& [uk, value] : map) {
          PutBytes(out, uk);
          PutBytes(out, value);
          SB_RETURN_IF_ERROR(w->MaybeFlush());
        }
      }
      break;
  }
  return Status::Ok();
}

Status WriteSection(const HeapCapture& c, const HeapPartition* p,
                    RegionWriter* w) {
  if (p == nullptr) return Status::Ok();
  size_t n = std::min(p->tables.size(), c.states.size());
  for (size_t id = 0; id < n; ++id) {
    StateKind kind = c.states[id].kind;
    size_t count = EntryCount(p->tables[id], kind);
    if (count == 0) continue;
    PutVarint(w->buf(), id);
    PutVarint(w->buf(), count);
    SB_RETURN_IF_ERROR(WriteTable(p->tables[id], kind, w));
  }
  return Status::Ok();
}

}  // namespace

uint32_t SnapshotCrc32c(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
#if defined(__x86_64__)
  if (kHaveSse42) return Crc32cSse42(crc, p, data.size());
#endif
  return Crc32cPortable(crc, p, data.size());
}

namespace {

// Collects one section in memory, for compression.
class StringSnapshotSink final : public SnapshotSink {
 public:
  Status Append(std::string_view data) override {
    data_.append(data);
    return Status::Ok();
  }
  std::string& data() { return data_; }

 private:
  std::string data_;
};

}  // namespace

Result<uint64_t> WriteHeapSnapshot(const HeapCapture& c, SnapshotSink* sink,
                                   const SnapshotCodecOptions& codec,
                                   SnapshotCodecStats* stats) {
  const bool compressed = codec.compression != SnapshotCompression::kNone;
  SnapshotCodecStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  RegionWriter w(sink);
  w.Begin();
  std::string* out = w.buf();
  out->append(kHeaderMagic);
  PutFixed32(
      out, compressed ? kHeapSnapshotCompressedVersion : kHeapSnapshotVersion);
  PutFixed32(out, static_cast<uint32_t>(c.max_parallelism));
  PutFixed32(out, static_cast<uint32_t>(c.key_groups.start));
  PutFixed32(out, static_cast<uint32_t>(c.key_groups.end));
  PutFixed64(out, static_cast<uint64_t>(c.checkpoint_id));
  PutVarint(out, c.states.size());
  for (const StateDescriptor& s : c.states) {
    out->push_back(static_cast<char>(s.kind));
    PutBytes(out, s.name);
  }
  if (compressed) out->push_back(static_cast<char>(codec.compression));
  SB_ASSIGN_OR_RETURN(RegionWriter::Region header, w.End());
  std::string crc;
  PutFixed32(&crc, header.crc);
  SB_RETURN_IF_ERROR(w.Raw(crc));
  uint64_t header_length = w.offset();

  std::string index;
  StringSnapshotSink section;
  for (int kg = c.key_groups.start; kg <= c.key_groups.end; ++kg) {
    uint64_t raw_length = 0;
    if (compressed) {
      section.data().clear();
      RegionWriter raw(&section);
      SB_RETURN_IF_ERROR(WriteSection(c, c.Partition(kg), &raw));
      SB_RETURN_IF_ERROR(raw.End().status());
      raw_length = section.data().size();
      w.Begin();
      SB_RETURN_IF_ERROR(CompressBlock(codec, section.data(), w.buf(), stats));
    } else {
      w.Begin();
      SB_RETURN_IF_ERROR(WriteSection(c, c.Partition(kg), &w));
    }
    SB_ASSIGN_OR_RETURN(RegionWriter::Region s, w.End());
    if (!compressed) {
      stats->raw_bytes += s.length;
      stats->stored_bytes += s.length;
    }
    PutFixed64(&index, s.offset);
    PutFixed64(&index, s.length);
    PutFixed32(&index, s.crc);
    if (compressed) PutFixed64(&index, raw_length);
  }
  uint64_t index_offset = w.offset();
  SB_RETURN_IF_ERROR(w.Raw(index));

  std::string footer;
  PutFixed64(&footer, index_offset);
  PutFixed64(&footer, index.size());
  PutFixed32(&footer, SnapshotCrc32c(0, index));
  PutFixed32(&footer, static_cast<uint32_t>(header_length));
  PutFixed32(&footer, SnapshotCrc32c(0, footer));
  footer.append(kFooterMagic);
  SB_RETURN_IF_ERROR(w.Raw(footer));
  return w.offset();
}

Result<std::string_view> StringSnapshotSource::ReadAt(uint64_t offset, size_t n,
                                                      std::string* scratch) {
  if (offset > data_->size() || n > data_->size() - offset) {
    return Status::Corruption("read of " + std::to_string(n) +
                              " bytes at offset " + std::to_string(offset) +
                              " beyond the end of a " +
                              std::to_string(data_->size()) + "-byte snapshot");
  }
  bytes_read_ += n;
  return std::string_view(*data_).substr(offset, n);
}

Status HeapSnapshotReader::Corrupt(std::string_view detail) const {
  return Status::Corruption(what_ + ": " + std::string(detail));
}

Result<std::unique_ptr<HeapSnapshotReader>> HeapSnapshotReader::Open(
    SnapshotSource* source, std::string what) {
  std::unique_ptr<HeapSnapshotReader> r(
      new HeapSnapshotReader(source, std::move(what)));
  uint64_t size = source->size();
  if (size < kMinHeaderSize + kFooterSize) {
    return r->Corrupt("too short to be a heap snapshot (" +
                      std::to_string(size) + " bytes)");
  }
  std::string footer_buf;
  SB_ASSIGN_OR_RETURN(
      std::string_view footer,
      source->ReadAt(size - kFooterSize, kFooterSize, &footer_buf));
  if (footer.substr(kFooterSize - 8) != kFooterMagic) {
    return r->Corrupt("not a heap snapshot (bad end marker; truncated?)");
  }
  Decoder d(footer);
  uint64_t index_offset, index_length;
  uint32_t index_crc, header_length, footer_crc;
  (void)(d.Fixed64(&index_offset) && d.Fixed64(&index_length) &&
         d.Fixed32(&index_crc) && d.Fixed32(&header_length) &&
         d.Fixed32(&footer_crc));
  if (SnapshotCrc32c(0, footer.substr(0, 24)) != footer_crc) {
    return r->Corrupt("footer checksum mismatch");
  }
  if (header_length < kMinHeaderSize || index_offset < header_length ||
      index_offset > size - kFooterSize ||
      index_length != size - kFooterSize - index_offset) {
    return r->Corrupt("footer offsets do not fit the file size " +
                      std::to_string(size));
  }
  std::string header_buf;
  SB_ASSIGN_OR_RETURN(std::string_view header,
                      source->ReadAt(0, header_length, &header_buf));
  SB_RETURN_IF_ERROR(r->ParseHeader(header));
  std::string index_buf;
  SB_ASSIGN_OR_RETURN(std::string_view index,
                      source->ReadAt(index_offset, index_length, &index_buf));
  if (SnapshotCrc32c(0, index) != index_crc) {
    return r->Corrupt("key-group index checksum mismatch");
  }
  SB_RETURN_IF_ERROR(r->ParseIndex(index, header_length, index_offset));
  return r;
}

Status HeapSnapshotReader::ParseHeader(std::string_view header) {
  std::string_view body = header.substr(0, header.size() - 4);
  Decoder crc_d(header.substr(header.size() - 4));
  uint32_t crc = 0;
  (void)crc_d.Fixed32(&crc);
  if (SnapshotCrc32c(0, body) != crc)
    return Corrupt("header checksum mismatch");
  Decoder d(body);
  std::string_view magic;
  uint32_t version, max_par, first, last;
  uint64_t id, state_count;
  if (!d.Raw(8, &magic) || magic != kHeaderMagic) {
    return Corrupt("not a heap snapshot (bad magic)");
  }
  if (!d.Fixed32(&version)) return Corrupt("header truncated");
  if (version != kHeapSnapshotVersion &&
      version != kHeapSnapshotCompressedVersion) {
    return Status::InvalidArgument(
        what_ + ": heap snapshot version " + std::to_string(version) +
        " is not supported (this build reads versions " +
        std::to_string(kHeapSnapshotVersion) + " and " +
        std::to_string(kHeapSnapshotCompressedVersion) + ")");
  }
  version_ = version;
  if (!d.Fixed32(&max_par) || !d.Fixed32(&first) || !d.Fixed32(&last) ||
      !d.Fixed64(&id) || !d.Varint(&state_count)) {
    return Corrupt("header truncated");
  }
  if (max_par < 1 || max_par > kUpperBoundMaxParallelism || first > last ||
      last >= max_par) {
    return Corrupt("header has an invalid key-group range [" +
                   std::to_string(first) + ", " + std::to_string(last) +
                   "] for max parallelism " + std::to_string(max_par));
  }
  max_parallelism_ = static_cast<int>(max_par);
  key_groups_ =
      KeyGroupRange::Of(static_cast<int>(first), static_cast<int>(last));
  checkpoint_id_ = static_cast<int64_t>(id);
  for (uint64_t i = 0; i < state_count; ++i) {
    std::string_view kind_byte, name;
    if (!d.Raw(1, &kind_byte) || !d.Bytes(&name)) {
      return Corrupt("header truncated in the state list");
    }
    auto kind = static_cast<uint8_t>(kind_byte[0]);
    if (kind > static_cast<uint8_t>(StateKind::kMap) ||
        !ValidateStateName(name).ok()) {
      return Corrupt("header has an invalid state entry");
    }
    states_.push_back({std::string(name), static_cast<StateKind>(kind)});
  }
  if (version_ == kHeapSnapshotCompressedVersion) {
    std::string_view codec;
    if (!d.Raw(1, &codec)) return Corrupt("header truncated");
    auto c = static_cast<uint8_t>(codec[0]);
    if (c < static_cast<uint8_t>(SnapshotCompression::kLz4) ||
        c > static_cast<uint8_t>(SnapshotCompression::kZstd)) {
      return Corrupt("header names an unknown compression " +
                     std::to_string(c));
    }
    compression_ = static_cast<SnapshotCompression>(c);
  }
  if (!d.done()) return Corrupt("header has trailing bytes");
  return Status::Ok();
}

Status HeapSnapshotReader::ParseIndex(std::string_view index,
                                      uint64_t header_length,
                                      uint64_t index_offset) {
  const bool compressed = version_ == kHeapSnapshotCompressedVersion;
  size_t entry_size = compressed ? kIndexEntrySizeV2 : kIndexEntrySize;
  if (index.size() != static_cast<uint64_t>(key_groups_.size()) * entry_size) {
    return Corrupt("key-group index has the wrong size");
  }
  Decoder d(index);
  sections_.resize(static_cast<size_t>(key_groups_.size()));
  for (Section& s : sections_) {
    (void)(d.Fixed64(&s.offset) && d.Fixed64(&s.length) && d.Fixed32(&s.crc));
    s.raw_length = s.length;
    if (compressed) (void)d.Fixed64(&s.raw_length);
    if (s.offset < header_length || s.offset > index_offset ||
        s.length > index_offset - s.offset) {
      return Corrupt("key-group index points outside the sections");
    }
  }
  return Status::Ok();
}

namespace {

// Decodes the entries of one state block into `t`; false on malformed data.
bool DecodeEntries(Decoder* d, StateKind kind, uint64_t count,
                   HeapStateTable* t, std::string* ek) {
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key, ns;
    if (!d->Bytes(&key) || !d->Bytes(&ns)) return false;
    EncodeEntryKey(key, ns, ek);
    const size_t hash = HeapKeyHash(*ek);
    if (kind == StateKind::kValue) {
      std::string_view value;
      if (!d->Bytes(&value)) return false;
      if (t->values.Find(*ek, hash) != nullptr) return false;
      t->values.Insert(HeapBytesNode::Make(*ek, value), hash);
      continue;
    }
    uint64_t n;
    if (!d->Varint(&n) || n == 0) return false;
    if (kind == StateKind::kList) {
      if (t->lists.Find(*ek, hash) != nullptr) return false;
      std::vector<std::string>& list =
          t->lists.Insert(HeapListTable::NodeType::Make(*ek, {}), hash)
              ->value();
      for (uint64_t j = 0; j < n; ++j) {
        std::string_view e;
        if (!d->Bytes(&e)) return false;
        list.emplace_back(e);
      }
    } else {
      if (t->maps.Find(*ek, hash) != nullptr) return false;
      HeapUserMap& map =
          t->maps.Insert(HeapMapTable::NodeType::Make(*ek, {}), hash)->value();
      for (uint64_t j = 0; j < n; ++j) {
        std::string_view uk, value;
        if (!d->Bytes(&uk) || !d->Bytes(&value)) return false;
        if (!map.emplace(uk, value).second) return false;
      }
    }
  }
  return true;
}

}  // namespace

Status HeapSnapshotReader::ReadKeyGroup(int key_group,
                                        const std::vector<StateId>& state_ids,
                                        HeapPartition* partition) {
  if (!key_groups_.Contains(key_group)) {
    return Status::InvalidArgument(what_ + " holds key groups " +
                                   key_groups_.ToString() + ", not " +
                                   std::to_string(key_group));
  }
  const Section& s = sections_[key_group - key_groups_.start];
  SB_ASSIGN_OR_RETURN(std::string_view data,
                      source_->ReadAt(s.offset, s.length, &scratch_));
  std::string where = "key group " + std::to_string(key_group);
  if (SnapshotCrc32c(0, data) != s.crc) {
    return Corrupt(where + ": checksum mismatch");
  }
  if (compression_ != SnapshotCompression::kNone) {
    SB_RETURN_IF_ERROR(DecompressBlock(compression_, data, s.raw_length, &raw_,
                                       &codec_stats_, what_ + ": " + where));
    data = raw_;
  }
  Decoder d(data);
  std::string ek;
  while (!d.done()) {
    uint64_t state, count;
    if (!d.Varint(&state) || !d.Varint(&count) || state >= states_.size()) {
      return Corrupt(where + ": malformed state block");
    }
    HeapStateTable& t = partition->Get(state_ids[state]);
    // Every entry takes at least three bytes, which bounds a forged count.
    size_t expected =
        static_cast<size_t>(std::min<uint64_t>(count, data.size() / 3));
    switch (states_[state].kind) {
      case StateKind::kValue:
        t.values.Reserve(t.values.size() + expected);
        break;
      case StateKind::kList:
        t.lists.Reserve(t.lists.size() + expected);
        break;
      case StateKind::kMap:
        t.maps.Reserve(t.maps.size() + expected);
        break;
    }
    if (!DecodeEntries(&d, states_[state].kind, count, &t, &ek)) {
      return Corrupt(where + ": malformed or duplicate entry in state '" +
                     states_[state].name + "'");
    }
  }
  return Status::Ok();
}

}  // namespace statebench

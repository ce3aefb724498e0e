#include "backends/rocksdb/rocksdb_incremental.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "backends/rocksdb/rocksdb_format.h"
#include "backends/rocksdb/rocksdb_io.h"
#include "base/file_util.h"

namespace statebench {
namespace {

constexpr std::string_view kMagicLine = "statebench rocksdb-incremental/1";

bool ParseKind(std::string_view s, StateKind* kind) {
  for (StateKind k : {StateKind::kValue, StateKind::kList, StateKind::kMap}) {
    if (StateKindName(k) == s) {
      *kind = k;
      return true;
    }
  }
  return false;
}

template <typename T>
bool ParseNumber(const std::string& s, T* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ',';
    out += n;
  }
  return out;
}

std::string StatesText(const std::vector<StateSpec>& states) {
  std::vector<std::string> parts;
  for (const StateSpec& s : states) {
    parts.push_back(s.name + ":" + std::string(StateKindName(s.kind)));
  }
  return JoinNames(parts);
}

std::vector<std::string> SortedFileNames(const std::string& dir,
                                         std::error_code* ec) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir, *ec)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool IsSst(std::string_view name) {
  return name.size() > 4 && name.substr(name.size() - 4) == ".sst";
}

constexpr char kSstFormat[] = "rocksdb-sst";

// The envelope header of an encrypted private file or METADATA.
EnvelopeHeader PrivateHeader(int64_t id, KeyGroupRange kgs,
                             const std::string& writer,
                             const std::string& name) {
  return {kIncrementalFormat, "rocksdb", id, kgs,
          "chk-" + std::to_string(id) + "/" + writer + "/" + name};
}

// Copies a file into checkpoint storage, encrypted when `key` is set.
Status Store(const std::string& src, const std::string& dst,
             const EncryptionKey* key, const EnvelopeHeader& header,
             uint64_t* bytes, uint64_t* cpu_ns) {
  if (key == nullptr) return CopyFileDurably(src, dst, bytes);
  return EncryptFileDurably(src, dst, *key, header, bytes, cpu_ns);
}

std::string WriterOf(const std::string& location) {
  return std::filesystem::path(location).filename().string();
}

// Copies the staging files into storage, filling meta's file lists.
// *acquired collects the ledger references taken (released on failure).
Status UploadFiles(const std::string& staging_dir, const std::string& writer,
                   const std::string& private_dir, IncrementalMetadata* meta,
                   CheckpointLedger* ledger, std::vector<std::string>* acquired,
                   const EncryptionKey* key, uint64_t* bytes,
                   uint64_t* cpu_ns) {
  const std::string& root = ledger->root();
  std::error_code ec;
  std::vector<std::string> names = SortedFileNames(staging_dir, &ec);
  if (ec) {
    return Status::IoError("cannot list " + staging_dir + ": " + ec.message());
  }
  bool uploaded_shared = false;
  for (const std::string& name : names) {
    std::string src = staging_dir + "/" + name;
    if (IsSst(name)) {
      if (auto reused = ledger->Acquire(name)) {
        acquired->push_back(name);
        meta->shared_files.push_back(*reused);
        continue;
      }
      SharedSst f{name, "shared/" + writer + "-" + name, 0};
      SB_RETURN_IF_ERROR(Store(src, root + "/" + f.path, key,
                               {kSstFormat, "rocksdb", meta->checkpoint_id,
                                meta->key_groups, f.path},
                               &f.size, cpu_ns));
      *bytes += f.size;
      ledger->AddUploaded(f);
      acquired->push_back(name);
      meta->shared_files.push_back(f);
      uploaded_shared = true;
    } else {
      uint64_t size = 0;
      SB_RETURN_IF_ERROR(Store(
          src, private_dir + "/" + name, key,
          PrivateHeader(meta->checkpoint_id, meta->key_groups, writer, name),
          &size, cpu_ns));
      *bytes += size;
      meta->private_files.emplace_back(name, size);
    }
  }
  if (uploaded_shared) SB_RETURN_IF_ERROR(FsyncDirectory(root + "/shared"));
  return Status::Ok();
}

CheckpointHandle MakeHandle(const IncrementalMetadata& meta,
                            const std::string& writer,
                            const std::string& private_dir, uint64_t written,
                            uint64_t metadata_bytes) {
  CheckpointHandle h;
  h.backend = "rocksdb";
  h.checkpoint_id = meta.checkpoint_id;
  h.type = CheckpointType::kIncremental;
  h.key_groups = meta.key_groups;
  h.max_parallelism = meta.max_parallelism;
  h.location = private_dir;
  h.checkpointed_size = written;
  h.full_size = metadata_bytes;
  std::vector<std::string> shared, priv;
  for (const SharedSst& f : meta.shared_files) {
    h.full_size += f.size;
    shared.push_back(f.path);
  }
  for (const auto& [name, size] : meta.private_files) {
    h.full_size += size;
    priv.push_back(name);
  }
  h.metadata["format"] = kIncrementalFormat;
  h.metadata["writer"] = writer;
  h.metadata["metadata_file"] = kIncrementalMetadataFile;
  h.metadata["shared_files"] = JoinNames(shared);
  h.metadata["private_files"] = JoinNames(priv);
  h.metadata["states"] = StatesText(meta.states);
  return h;
}

}  // namespace

std::string SerializeIncrementalMetadata(const IncrementalMetadata& m) {
  std::ostringstream out;
  out << kMagicLine << "\n";
  out << "checkpoint " << m.checkpoint_id << "\n";
  out << "max_parallelism " << m.max_parallelism << "\n";
  out << "key_groups " << m.key_groups.start << " " << m.key_groups.end << "\n";
  for (const StateSpec& s : m.states) {
    out << "state " << StateKindName(s.kind) << " " << s.name << "\n";
  }
  for (const auto& [name, size] : m.private_files) {
    out << "private " << name << " " << size << "\n";
  }
  for (const SharedSst& f : m.shared_files) {
    out << "shared " << f.local_name << " " << f.size << " " << f.path << "\n";
  }
  std::string text = out.str();
  char crc[32];
  std::snprintf(crc, sizeof crc, "crc %08x\n", Crc32c(text));
  return text + crc;
}

Result<IncrementalMetadata> ParseIncrementalMetadata(std::string_view text,
                                                     const std::string& what) {
  auto bad = [&](const std::string& why) {
    return Status::Corruption("checkpoint metadata " + what + ": " + why);
  };
  size_t crc_pos = text.rfind("crc ");
  if (crc_pos == std::string_view::npos || crc_pos == 0 ||
      text[crc_pos - 1] != '\n') {
    return bad("no checksum line (truncated?)");
  }
  char expected[32];
  std::snprintf(expected, sizeof expected, "crc %08x\n",
                Crc32c(text.substr(0, crc_pos)));
  if (text.substr(crc_pos) != expected) return bad("checksum mismatch");

  IncrementalMetadata m;
  std::istringstream in(std::string(text.substr(0, crc_pos)));
  std::string line;
  if (!std::getline(in, line) || line != kMagicLine) {
    return bad("unknown format '" + line + "'");
  }
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream fields(line);
    std::string tag, a, b, c;
    fields >> tag >> a >> b >> c;
    bool ok = true;
    if (tag == "checkpoint") {
      ok = ParseNumber(a, &m.checkpoint_id);
    } else if (tag == "max_parallelism") {
      ok = ParseNumber(a, &m.max_parallelism);
    } else if (tag == "key_groups") {
      ok = ParseNumber(a, &m.key_groups.start) &&
           ParseNumber(b, &m.key_groups.end);
    } else if (tag == "state") {
      StateSpec s{b, StateKind::kValue};
      ok = ParseKind(a, &s.kind) && !b.empty();
      m.states.push_back(s);
    } else if (tag == "private") {
      uint64_t size = 0;
      ok = !a.empty() && a.find('/') == std::string::npos &&
           ParseNumber(b, &size);
      m.private_files.emplace_back(a, size);
    } else if (tag == "shared") {
      SharedSst f{a, c, 0};
      ok = IsSst(a) && a.find('/') == std::string::npos &&
           ParseNumber(b, &f.size) && c.rfind("shared/", 0) == 0 &&
           c.find("..") == std::string::npos;
      m.shared_files.push_back(f);
    } else {
      ok = false;
    }
    if (!ok) return bad("line " + std::to_string(line_no) + " is malformed");
  }
  if (m.max_parallelism <= 0 || m.key_groups.start < 0 ||
      m.key_groups.end >= m.max_parallelism) {
    return bad("key-group range outside max parallelism");
  }
  return m;
}

std::string CheckpointRootOf(const std::string& location) {
  std::filesystem::path p(location);
  return p.parent_path().parent_path().string();
}

Result<CheckpointHandle> UploadIncrementalCheckpoint(
    const std::string& staging_dir, const std::string& writer,
    IncrementalMetadata meta, CheckpointLedger* ledger,
    const EncryptionKey* key, uint64_t* bytes_written,
    uint64_t* encrypt_cpu_ns) {
  std::lock_guard<std::mutex> upload_lock(ledger->upload_mutex());
  const std::string& root = ledger->root();
  std::string chk_dir = root + "/chk-" + std::to_string(meta.checkpoint_id);
  std::string private_dir = chk_dir + "/" + writer;
  std::vector<std::string> acquired;
  uint64_t written = 0;
  uint64_t metadata_bytes = 0;
  Status s = RemoveTree(private_dir);  // leftovers of a crashed attempt
  if (s.ok()) s = EnsureDirectory(root + "/shared");
  if (s.ok()) s = EnsureDirectory(private_dir);
  if (s.ok()) s = FsyncDirectory(root);
  if (s.ok()) {
    s = UploadFiles(staging_dir, writer, private_dir, &meta, ledger, &acquired,
                    key, &written, encrypt_cpu_ns);
  }
  if (s.ok()) {
    Result<std::string> text = SerializeIncrementalMetadata(meta);
    if (key != nullptr) {
      text = SealEnvelope(*key,
                          PrivateHeader(meta.checkpoint_id, meta.key_groups,
                                        writer, kIncrementalMetadataFile),
                          *text, encrypt_cpu_ns);
    }
    s = text.status();
    if (s.ok()) {
      metadata_bytes = text->size();
      s = WriteFileAtomically(private_dir + "/" + kIncrementalMetadataFile,
                              *text);
    }
    if (s.ok()) written += metadata_bytes;
  }
  if (s.ok()) s = FsyncDirectory(chk_dir);
  *bytes_written += written;
  if (!s.ok()) {
    // Whatever was uploaded only for this checkpoint goes; files other
    // checkpoints share stay.
    (void)ledger->Release(acquired);
    (void)RemoveTree(private_dir);
    return s.WithContext("incremental checkpoint " +
                         std::to_string(meta.checkpoint_id));
  }
  ledger->AddCheckpoint(meta.checkpoint_id, private_dir, acquired);
  return MakeHandle(meta, writer, private_dir, written, metadata_bytes);
}

Result<IncrementalMetadata> ReadIncrementalMetadata(const CheckpointHandle& h,
                                                    const EncryptionKey* key) {
  if (h.location.empty()) {
    return Status::InvalidArgument("incremental rocksdb handle of checkpoint " +
                                   std::to_string(h.checkpoint_id) +
                                   " has no location");
  }
  // <root>/chk-<id>/<writer>: neither may be a symlink.
  SB_RETURN_IF_ERROR(CheckRealDirectory(
      std::filesystem::path(h.location).parent_path().string()));
  SB_RETURN_IF_ERROR(CheckRealDirectory(h.location));
  std::string path = h.location + "/" + kIncrementalMetadataFile;
  SB_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> file, NewFileSource(path));
  std::string text;
  SB_RETURN_IF_ERROR(file->ReadAt(0, file->size(), &text));
  if (key != nullptr) {
    SB_ASSIGN_OR_RETURN(
        text, OpenEnvelope(
                  *key,
                  PrivateHeader(h.checkpoint_id, h.key_groups,
                                WriterOf(h.location), kIncrementalMetadataFile),
                  text, path));
  } else if (IsEnvelope(text)) {
    return Status::InvalidArgument(
        path + ": is encrypted; set the rocksdb option " +
        kEncryptionKeyFileOption + " or " + kEncryptionKeyEnvOption);
  }
  SB_ASSIGN_OR_RETURN(IncrementalMetadata m,
                      ParseIncrementalMetadata(text, path));
  if (m.checkpoint_id != h.checkpoint_id ||
      m.max_parallelism != h.max_parallelism) {
    return Status::Corruption(
        path + " describes checkpoint " + std::to_string(m.checkpoint_id) +
        " but the handle is for checkpoint " + std::to_string(h.checkpoint_id));
  }
  return m;
}

Status MaterializeIncrementalCheckpoint(
    const CheckpointHandle& h, const IncrementalMetadata& meta,
    const std::string& db_dir, const EncryptionKey* key, uint64_t* bytes_read,
    uint64_t* bytes_linked, uint64_t* decrypt_cpu_ns) {
  SB_RETURN_IF_ERROR(EnsureDirectory(db_dir));
  auto check_size = [](const std::string& path, uint64_t want) -> Status {
    SB_ASSIGN_OR_RETURN(uint64_t size, FileSize(path));
    if (size != want) {
      return Status::Corruption(path + " has " + std::to_string(size) +
                                " bytes, its checkpoint metadata says " +
                                std::to_string(want));
    }
    return Status::Ok();
  };
  std::string root = CheckpointRootOf(h.location);
  if (!meta.shared_files.empty()) {
    SB_RETURN_IF_ERROR(CheckRealDirectory(root + "/shared"));
  }
  for (const SharedSst& f : meta.shared_files) {
    std::string src = root + "/" + f.path;
    SB_RETURN_IF_ERROR(check_size(src, f.size));
    std::string dst = db_dir + "/" + f.local_name;
    if (key == nullptr && bytes_linked != nullptr) {
      SB_RETURN_IF_ERROR(LinkOrCopyFile(src, dst, bytes_read, bytes_linked));
    } else if (key == nullptr) {
      SB_RETURN_IF_ERROR(CopyFileDurably(src, dst, bytes_read));
    } else {
      EnvelopeHeader any{kSstFormat, "rocksdb", -1, {}, f.path};
      SB_RETURN_IF_ERROR(
          DecryptFile(src, dst, *key, any, bytes_read, decrypt_cpu_ns));
    }
  }
  std::string writer = WriterOf(h.location);
  for (const auto& [name, size] : meta.private_files) {
    std::string src = h.location + "/" + name;
    SB_RETURN_IF_ERROR(check_size(src, size));
    std::string dst = db_dir + "/" + name;
    if (key == nullptr) {
      SB_RETURN_IF_ERROR(CopyFileDurably(src, dst, bytes_read));
    } else {
      SB_RETURN_IF_ERROR(DecryptFile(
          src, dst, *key,
          PrivateHeader(h.checkpoint_id, h.key_groups, writer, name),
          bytes_read, decrypt_cpu_ns));
    }
  }
  return Status::Ok();
}

}  // namespace statebench

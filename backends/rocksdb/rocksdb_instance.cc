#include "backends/rocksdb/rocksdb_instance.h"

#include <algorithm>
#include <filesystem>
#include <utility>

namespace statebench {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(context) + ": rocksdb: " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsNoSpace() || s.IsMemoryLimit()) {
    return Status::ResourceExhausted(std::move(msg));
  }
  if (s.IsNotSupported()) return Status::Unimplemented(std::move(msg));
  if (s.IsIOError()) return Status::IoError(std::move(msg));
  return Status::Internal(std::move(msg));
}

std::string ColumnFamilyName(std::string_view state_name) {
  return "state:" + std::string(state_name);
}

Result<std::shared_ptr<RocksDbInstance>> RocksDbInstance::Open(
    const std::string& dir, std::shared_ptr<const RocksDbResources> res,
    const std::vector<StateSpec>& states, bool read_only) {
  rocksdb::DBOptions db_options = res->MakeDbOptions();
  std::vector<std::string> existing;
  std::error_code ec;
  if (std::filesystem::exists(dir + "/CURRENT", ec)) {
    SB_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::ListColumnFamilies(db_options, dir, &existing),
                  "cannot list column families in " + dir));
  }
  for (const std::string& cf : existing) {
    if (cf == rocksdb::kDefaultColumnFamilyName) continue;
    bool known = std::any_of(states.begin(), states.end(), [&](const auto& s) {
      return ColumnFamilyName(s.name) == cf;
    });
    if (!known) {
      return Status::Corruption("database " + dir + " has column family '" +
                                cf + "' that its metadata does not list");
    }
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<std::string> names;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           res->MakeCfOptions(StateKind::kValue));
  names.emplace_back();
  for (const StateSpec& s : states) {
    std::string cf = ColumnFamilyName(s.name);
    if (read_only &&
        std::find(existing.begin(), existing.end(), cf) == existing.end()) {
      continue;
    }
    descriptors.emplace_back(cf, res->MakeCfOptions(s.kind));
    names.push_back(s.name);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status st =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors,
                                               &raw_handles, &raw_db)
                : rocksdb::DB::Open(db_options, dir, descriptors, &raw_handles,
                                    &raw_db);
  SB_RETURN_IF_ERROR(FromRocks(st, "cannot open database " + dir));

  std::shared_ptr<RocksDbInstance> inst(new RocksDbInstance());
  inst->dir_ = dir;
  inst->res_ = std::move(res);
  inst->db_.reset(raw_db);
  for (size_t i = 0; i < raw_handles.size(); ++i) {
    inst->handles_.emplace_back(raw_handles[i]);
    inst->names_.push_back(names[i]);
  }
  inst->default_handle_ = raw_handles.front();
  return inst;
}

RocksDbInstance::~RocksDbInstance() {
  if (!db_) return;
  for (auto& h : handles_) {
    // The status only reports the default handle, which is not an error.
    (void)db_->DestroyColumnFamilyHandle(h.release());
  }
  // Nothing to do about a failed close of a working copy that is about to
  // be discarded; checkpoints are what survive.
  (void)db_->Close();
  db_.reset();
}

rocksdb::ColumnFamilyHandle* RocksDbInstance::Handle(
    std::string_view state_name) const {
  for (size_t i = 0; i < handles_.size(); ++i) {
    if (handles_[i].get() != default_handle_ && names_[i] == state_name) {
      return handles_[i].get();
    }
  }
  return nullptr;
}

Result<rocksdb::ColumnFamilyHandle*> RocksDbInstance::AddState(
    const StateSpec& spec) {
  if (auto* h = Handle(spec.name)) return h;
  rocksdb::ColumnFamilyHandle* raw = nullptr;
  SB_RETURN_IF_ERROR(
      FromRocks(db_->CreateColumnFamily(res_->MakeCfOptions(spec.kind),
                                        ColumnFamilyName(spec.name), &raw),
                "cannot create column family for state '" + spec.name + "'"));
  handles_.emplace_back(raw);
  names_.push_back(spec.name);
  return raw;
}

}  // namespace statebench

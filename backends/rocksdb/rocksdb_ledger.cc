#include "backends/rocksdb/rocksdb_ledger.h"

#include <unistd.h>

#include <utility>

#include "base/file_util.h"

namespace statebench {
namespace {

void KeepFirstError(Status* first, Status s) {
  if (first->ok() && !s.ok()) *first = std::move(s);
}

// chk-<id> holds the private parts of every subtask; the last one out
// removes it. rmdir fails harmlessly while siblings are still there.
void RemoveDirIfEmpty(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos || pos == 0) return;
  ::rmdir(path.substr(0, pos).c_str());
}

}  // namespace

CheckpointLedger::CheckpointLedger(std::string checkpoint_root, int retained)
    : root_(std::move(checkpoint_root)), retained_(retained) {}

std::optional<SharedSst> CheckpointLedger::Acquire(
    const std::string& local_name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(local_name);
  if (it == files_.end()) return std::nullopt;
  ++it->second.refs;
  return it->second.file;
}

void CheckpointLedger::AddUploaded(const SharedSst& file) {
  std::lock_guard<std::mutex> lock(mu_);
  FileEntry& e = files_[file.local_name];
  e.file = file;
  e.owned = true;
  ++e.refs;
}

Status CheckpointLedger::Release(const std::vector<std::string>& local_names) {
  std::lock_guard<std::mutex> lock(mu_);
  return ReleaseLocked(local_names);
}

Status CheckpointLedger::ReleaseLocked(
    const std::vector<std::string>& local_names) {
  Status first;
  for (const std::string& name : local_names) {
    auto it = files_.find(name);
    if (it == files_.end() || --it->second.refs > 0) continue;
    if (it->second.owned) {
      KeepFirstError(&first, RemoveTreeBelow(root_, it->second.file.path));
    }
    files_.erase(it);
  }
  return first;
}

void CheckpointLedger::AddCheckpoint(int64_t id, std::string private_path,
                                     std::vector<std::string> local_names) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckpointEntry& e = checkpoints_[id];
  e.private_path = std::move(private_path);
  e.files = std::move(local_names);
  e.owned = true;
  e.completed = false;
}

void CheckpointLedger::SeedRestored(int64_t id, std::string private_path,
                                    const std::vector<SharedSst>& files) {
  std::lock_guard<std::mutex> lock(mu_);
  CheckpointEntry& e = checkpoints_[id];
  e.private_path = std::move(private_path);
  e.owned = false;
  e.completed = true;
  for (const SharedSst& f : files) {
    FileEntry& fe = files_[f.local_name];
    fe.file = f;
    ++fe.refs;
    e.files.push_back(f.local_name);
  }
}

Status CheckpointLedger::DropLocked(int64_t id) {
  auto it = checkpoints_.find(id);
  if (it == checkpoints_.end()) return Status::Ok();
  CheckpointEntry e = std::move(it->second);
  checkpoints_.erase(it);
  Status first = ReleaseLocked(e.files);
  if (e.owned && !e.private_path.empty()) {
    // Private paths are <root>/chk-<id>/...: deleted without following a
    // symlink planted on the way.
    bool below_root =
        !root_.empty() &&
        e.private_path.compare(0, root_.size() + 1, root_ + "/") == 0;
    KeepFirstError(
        &first, below_root ? RemoveTreeBelow(
                                 root_, e.private_path.substr(root_.size() + 1))
                           : RemoveTree(e.private_path));
    RemoveDirIfEmpty(e.private_path);
  }
  return first;
}

Status CheckpointLedger::OnComplete(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = checkpoints_.find(id);
  if (it != checkpoints_.end()) it->second.completed = true;
  Status first;
  std::vector<int64_t> completed;
  std::vector<int64_t> subsumed;
  for (const auto& [cid, e] : checkpoints_) {
    if (e.completed) {
      completed.push_back(cid);
    } else if (cid < id) {
      subsumed.push_back(cid);
    }
  }
  for (int64_t cid : subsumed) KeepFirstError(&first, DropLocked(cid));
  for (size_t i = 0; i + retained_ < completed.size(); ++i) {
    KeepFirstError(&first, DropLocked(completed[i]));
  }
  return first;
}

Status CheckpointLedger::OnAborted(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = checkpoints_.find(id);
  if (it == checkpoints_.end() || it->second.completed) return Status::Ok();
  return DropLocked(id);
}

void CheckpointLedger::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  files_.clear();
  checkpoints_.clear();
}

std::vector<int64_t> CheckpointLedger::Retained() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int64_t> out;
  for (const auto& [cid, e] : checkpoints_) {
    if (e.completed) out.push_back(cid);
  }
  return out;
}

}  // namespace statebench

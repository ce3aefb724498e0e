#include "backends/server/server_common.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "base/file_util.h"

namespace statebench {
namespace {

constexpr const char* kCommonNames[] = {
    "uri",        "password_file",      "password_env",      "job",
    "server_pid", "connect_timeout_ms", "command_timeout_ms"};

bool ValidJobName(std::string_view job) {
  if (job.empty() || job.size() > 64) return false;
  return std::all_of(job.begin(), job.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

std::string KnownNames(const std::vector<BackendOptionInfo>& specific) {
  std::string out;
  for (const char* n : kCommonNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  for (const auto& o : specific) out += ", " + o.name;
  return out;
}

Result<std::string> PasswordFromEnv(std::string_view backend,
                                    const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return Status::InvalidArgument(std::string(backend) +
                                   ": password_env names the environment "
                                   "variable " +
                                   name + ", which is not set or empty");
  }
  return std::string(value);
}

}  // namespace

std::vector<BackendOptionInfo> CommonServerOptionInfos(
    std::string_view uri_example) {
  return {
      {"uri", std::string(uri_example), "server address (no password in it)"},
      {"password_file", "",
       "file holding the password; refused if group/other-readable"},
      {"password_env", "",
       "name of an environment variable holding the "
       "password"},
      {"job", "statebench",
       "name isolating this job's data from other jobs on the server "
       "([A-Za-z0-9_.-], at most 64)"},
      {"server_pid", "0",
       "pid of a server statebench started (enables /proc/<pid>/io)"},
      {"connect_timeout_ms", "2000", "connect timeout"},
      {"command_timeout_ms", "5000",
       "timeout of one command; a dead server yields Unavailable"},
  };
}

Status CheckKeyGroupsFit(std::string_view backend,
                         const BackendConfig& config) {
  if (config.max_parallelism <= 0 || config.key_groups.empty() ||
      config.key_groups.start < 0 ||
      config.key_groups.end >= config.max_parallelism) {
    return Status::InvalidArgument(std::string(backend) + ": key groups " +
                                   config.key_groups.ToString() +
                                   " do not fit max parallelism " +
                                   std::to_string(config.max_parallelism));
  }
  return Status::Ok();
}

Result<int64_t> ParseIntOption(std::string_view backend, std::string_view name,
                               std::string_view value, int64_t min,
                               int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] =
      std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < min ||
      v > max) {
    return Status::InvalidArgument(
        std::string(backend) + ": option " + std::string(name) + "='" +
        std::string(value) + "' is not an integer in [" + std::to_string(min) +
        ", " + std::to_string(max) + "]");
  }
  return v;
}

Result<std::string> ReadPasswordFile(std::string_view backend,
                                     const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::InvalidArgument(std::string(backend) + ": password_file " +
                                   path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(std::string(backend) + ": password_file " +
                                   path + " is not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied(std::string(backend) + ": password_file " +
                                    path +
                                    " is accessible by group or others (mode " +
                                    mode + "); run chmod 600 on it");
  }
  SB_ASSIGN_OR_RETURN(std::string password, ReadFileToString(path));
  if (!password.empty() && password.back() == '\n') password.pop_back();
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return Status::InvalidArgument(std::string(backend) + ": password_file " +
                                   path + " is empty");
  }
  return password;
}

Result<ServerOptions> ParseServerOptions(
    std::string_view backend, const std::map<std::string, std::string>& options,
    const std::vector<BackendOptionInfo>& specific) {
  ServerOptions out;
  std::set<std::string> specific_names;
  for (const auto& o : specific) specific_names.insert(o.name);
  std::string password_file, password_env;
  for (const auto& [name, value] : options) {
    if (name == "uri") {
      out.uri = value;
    } else if (name == "password_file") {
      password_file = value;
    } else if (name == "password_env") {
      password_env = value;
    } else if (name == "job") {
      if (!ValidJobName(value)) {
        return Status::InvalidArgument(
            std::string(backend) + ": option job='" + value +
            "' must be 1-64 characters of [A-Za-z0-9_.-]");
      }
      out.job = value;
    } else if (name == "server_pid") {
      SB_ASSIGN_OR_RETURN(int64_t pid,
                          ParseIntOption(backend, name, value, 0, 1 << 30));
      out.server_pid = static_cast<int>(pid);
    } else if (name == "connect_timeout_ms") {
      SB_ASSIGN_OR_RETURN(int64_t ms,
                          ParseIntOption(backend, name, value, 1, 600000));
      out.connect_timeout_ms = static_cast<int>(ms);
    } else if (name == "command_timeout_ms") {
      SB_ASSIGN_OR_RETURN(int64_t ms,
                          ParseIntOption(backend, name, value, 1, 3600000));
      out.command_timeout_ms = static_cast<int>(ms);
    } else if (specific_names.count(name) != 0) {
      out.specific[name] = value;
    } else {
      return Status::InvalidArgument(
          std::string(backend) + ": unknown option '" + name +
          "'; known options: " + KnownNames(specific));
    }
  }
  if (!password_file.empty() && !password_env.empty()) {
    return Status::InvalidArgument(
        std::string(backend) + ": set password_file or password_env, not both");
  }
  if (!password_file.empty()) {
    SB_ASSIGN_OR_RETURN(out.password, ReadPasswordFile(backend, password_file));
  } else if (!password_env.empty()) {
    SB_ASSIGN_OR_RETURN(out.password, PasswordFromEnv(backend, password_env));
  }
  return out;
}

Status ScrubSecret(const Status& status, std::string_view secret) {
  if (status.ok() || secret.empty()) return status;
  std::string msg = status.message();
  size_t pos = msg.find(secret);
  if (pos == std::string::npos) return status;
  while (pos != std::string::npos) {
    msg.replace(pos, secret.size(), "***");
    pos = msg.find(secret, pos + 3);
  }
  return Status(status.code(), std::move(msg));
}

std::string RedactUri(std::string_view uri) {
  std::string out(uri);
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t auth_start = scheme + 3;
    size_t auth_end = out.find_first_of("/?#", auth_start);
    if (auth_end == std::string::npos) auth_end = out.size();
    size_t at = out.rfind('@', auth_end);
    if (at != std::string::npos && at >= auth_start) {
      size_t colon = out.find(':', auth_start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
      }
    }
    // libpq URIs also accept ?password=...
    size_t q = out.find("password=");
    if (q != std::string::npos) {
      size_t end = out.find('&', q);
      out.replace(q + 9, (end == std::string::npos ? out.size() : end) - q - 9,
                  "***");
    }
    return out;
  }
  size_t q = out.find("password");
  while (q != std::string::npos) {
    size_t eq = out.find_first_not_of(' ', q + 8);
    if (eq != std::string::npos && out[eq] == '=') {
      size_t v = out.find_first_not_of(' ', eq + 1);
      if (v == std::string::npos) break;
      size_t end;
      if (out[v] == '\'') {
        end = v + 1;
        while (end < out.size() && out[end] != '\'') {
          end += out[end] == '\\' ? 2 : 1;
        }
        end = std::min(end + 1, out.size());
      } else {
        end = out.find(' ', v);
        if (end == std::string::npos) end = out.size();
      }
      out.replace(v, end - v, "***");
      q = out.find("password", v + 3);
    } else {
      q = out.find("password", q + 8);
    }
  }
  return out;
}

namespace {

Result<ProcIo> ReadOneProcIo(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  if (!in) {
    if (errno == EACCES) {
      return Status::PermissionDenied("cannot read /proc/" +
                                      std::to_string(pid) + "/io");
    }
    return Status::NotFound("process " + std::to_string(pid) + " is gone");
  }
  ProcIo io;
  std::string key;
  uint64_t value = 0;
  bool any = false;
  while (in >> key >> value) {
    any = true;
    if (key == "read_bytes:") io.read_bytes = value;
    if (key == "write_bytes:") io.write_bytes = value;
  }
  if (!any) {
    return Status::PermissionDenied("cannot read /proc/" + std::to_string(pid) +
                                    "/io");
  }
  io.processes = 1;
  return io;
}

// The parent pid from /proc/<pid>/stat; the comm field may hold spaces and
// parentheses, so parse after the last ')'.
int ParentPid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 1));
  std::string state;
  int ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

}  // namespace

Result<ProcIo> ReadProcessTreeIo(int pid, bool with_children) {
  SB_ASSIGN_OR_RETURN(ProcIo total, ReadOneProcIo(pid));
  if (!with_children) return total;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return total;
  while (struct dirent* e = ::readdir(dir)) {
    int child = std::atoi(e->d_name);
    if (child <= 0 || child == pid || ParentPid(child) != pid) continue;
    Result<ProcIo> io = ReadOneProcIo(child);
    if (!io.ok()) continue;  // exited meanwhile: now counted by the parent
    total.read_bytes += io->read_bytes;
    total.write_bytes += io->write_bytes;
    total.processes += 1;
  }
  ::closedir(dir);
  return total;
}

void LiveSizeEstimate::Removed(uint64_t count) {
  if (count == 0 || entries_ == 0) return;
  count = std::min(count, entries_);
  uint64_t mean = bytes_ / entries_;
  entries_ -= count;
  bytes_ = entries_ == 0 ? 0 : bytes_ - std::min(bytes_, mean * count);
}

Result<StateId> StateCatalog::Register(std::string_view backend,
                                       const StateDescriptor& desc) {
  auto it = ids_.find(desc.name);
  if (it != ids_.end()) {
    if (states_[it->second].kind != desc.kind) {
      return Status::InvalidArgument(
          std::string(backend) + ": state '" + desc.name +
          "' already registered as " +
          std::string(StateKindName(states_[it->second].kind)));
    }
    return it->second;
  }
  bool valid = !desc.name.empty() &&
               std::all_of(desc.name.begin(), desc.name.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) ||
                        c == '_' || c == '.' || c == '-';
               });
  if (!valid) {
    return Status::InvalidArgument(std::string(backend) +
                                   ": invalid state name '" + desc.name +
                                   "' (want [A-Za-z0-9_.-]+)");
  }
  StateId id = static_cast<StateId>(states_.size());
  states_.push_back(desc);
  ids_.emplace(desc.name, id);
  return id;
}

std::vector<std::string> StateCatalog::Names() const {
  std::vector<std::string> names;
  for (const auto& d : states_) names.push_back(d.name);
  return names;
}

std::vector<KeyGroupRange> RangeComplement(KeyGroupRange outer,
                                           KeyGroupRange inner) {
  if (inner.empty()) return {outer};
  std::vector<KeyGroupRange> out;
  if (inner.start > outer.start) {
    out.push_back({outer.start, std::min(outer.end, inner.start - 1)});
  }
  if (inner.end < outer.end) {
    out.push_back({std::max(outer.start, inner.end + 1), outer.end});
  }
  std::erase_if(out, [](const KeyGroupRange& r) { return r.empty(); });
  return out;
}

void ServerProcessIo::Start() {
  ok_ = false;
  if (pid_ <= 0) return;
  Result<ProcIo> io = ReadProcessTreeIo(pid_, true);
  ok_ = io.ok();
  if (io.ok()) base_ = *io;
}

Result<ProcIo> ServerProcessIo::SinceStart() const {
  if (!ok_) return Status::NotFound("no baseline of the server's /proc io");
  SB_ASSIGN_OR_RETURN(ProcIo io, ReadProcessTreeIo(pid_, true));
  auto since = [](uint64_t now, uint64_t base) {
    return now >= base ? now - base : 0;
  };
  io.read_bytes = since(io.read_bytes, base_.read_bytes);
  io.write_bytes = since(io.write_bytes, base_.write_bytes);
  return io;
}

uint64_t ProrateByKeyGroups(uint64_t handle_full, int overlap,
                            int handle_groups) {
  if (handle_groups <= 0 || overlap <= 0) return 0;
  if (overlap >= handle_groups) return handle_full;
  return static_cast<uint64_t>(static_cast<long double>(handle_full) * overlap /
                               handle_groups);
}

RestoreStats InPlaceRestore(const std::string& server, uint64_t entries,
                            uint64_t state_bytes) {
  RestoreStats r;
  r.restored = true;
  r.state_bytes = state_bytes;
  r.entries = entries;
  r.mode = "in-place";
  r.detail = "the state is already in the " + server +
             " server; the restore rolls it to the checkpoint and reads its "
             "id, moving no state";
  return r;
}

uint64_t HandleMetadataCount(const CheckpointHandle& h,
                             const std::string& key) {
  auto it = h.metadata.find(key);
  if (it == h.metadata.end()) return 0;
  uint64_t v = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  return v;
}

namespace {

struct Unresponsive {
  std::chrono::steady_clock::time_point until;
  std::string message;
};
std::mutex g_unresponsive_mu;
std::map<std::string, Unresponsive> g_unresponsive;
// Lets every command skip the mutex while no server is recorded.
std::atomic<int> g_unresponsive_count{0};

}  // namespace

void MarkServerUnresponsive(const std::string& server, const Status& why) {
  std::lock_guard<std::mutex> lock(g_unresponsive_mu);
  g_unresponsive[server] = {std::chrono::steady_clock::now() +
                                std::chrono::milliseconds(kUnresponsiveMs),
                            why.message()};
  g_unresponsive_count.store(static_cast<int>(g_unresponsive.size()));
}

Status CheckServerResponsive(const std::string& server) {
  if (g_unresponsive_count.load(std::memory_order_relaxed) == 0) {
    return Status::Ok();
  }
  std::lock_guard<std::mutex> lock(g_unresponsive_mu);
  auto it = g_unresponsive.find(server);
  if (it == g_unresponsive.end()) return Status::Ok();
  if (std::chrono::steady_clock::now() >= it->second.until) {
    g_unresponsive.erase(it);
    g_unresponsive_count.store(static_cast<int>(g_unresponsive.size()));
    return Status::Ok();
  }
  return Status::Unavailable(it->second.message +
                             "; not asked again: it did not answer moments "
                             "ago");
}

Result<ServerRestoreScope> CheckServerHandles(
    std::string_view backend, const std::string& job, int max_parallelism,
    const std::vector<CheckpointHandle>& handles, KeyGroupRange range) {
  ServerRestoreScope scope;
  scope.checkpoint_id = handles.front().checkpoint_id;
  const std::string name(backend);
  int covered = 0;
  for (const CheckpointHandle& h : handles) {
    auto j = h.metadata.find("job");
    if (h.backend != backend || h.checkpoint_id != scope.checkpoint_id ||
        h.max_parallelism != max_parallelism || j == h.metadata.end() ||
        j->second != job) {
      return Status::InvalidArgument(
          name + ": handle for key groups " + h.key_groups.ToString() +
          " is not a " + name + " checkpoint " +
          std::to_string(scope.checkpoint_id) + " of job '" + job +
          "' at max parallelism " + std::to_string(max_parallelism));
    }
    int overlap = h.key_groups.Intersect(range).size();
    covered += overlap;
    scope.entries += ProrateByKeyGroups(HandleMetadataCount(h, "entries"),
                                        overlap, h.key_groups.size());
    scope.bytes +=
        ProrateByKeyGroups(h.full_size, overlap, h.key_groups.size());
  }
  if (covered < range.size()) {
    return Status::InvalidArgument(
        name + ": the handles cover " + std::to_string(covered) + " of the " +
        std::to_string(range.size()) + " key groups of " + range.ToString());
  }
  return scope;
}

}  // namespace statebench

#include "base/spawn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/file_util.h"
#include "base/process.h"
#include "base/spawn_registry.h"

namespace statebench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPostgresUser[] = "statebench";

Result<std::string> GeneratePassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[24];
  if (::getrandom(raw, sizeof(raw), 0) != static_cast<ssize_t>(sizeof(raw))) {
    return Status::IoError(std::string("getrandom: ") + std::strerror(errno));
  }
  std::string out;
  for (unsigned char b : raw) out += kAlphabet[b % (sizeof(kAlphabet) - 1)];
  return out;
}

// A port nothing listens on right now (the kernel picks it).
Result<int> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IoError("socket: " + std::string(strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  if (rc == 0) rc = ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  if (rc != 0) return Status::IoError("bind: " + std::string(strerror(errno)));
  return static_cast<int>(ntohs(a.sin_port));
}

// Sends `request` to 127.0.0.1:port and returns what comes back within
// `timeout_ms` ("" on any failure).
std::string Probe(int port, std::string_view request, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    if (request.empty()) {
      reply = "connected";
    } else if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(request.size())) {
      pollfd p{fd, POLLIN, 0};
      char buf[256];
      if (::poll(&p, 1, timeout_ms) == 1) {
        ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
        if (n > 0) reply.assign(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  return reply;
}

// Parses the RESP reply that starts at `*pos` in `buf` (a simple string,
// an error, an integer or a bulk string) into `reply` and moves `*pos`
// past it; false while the reply is incomplete or of another kind.
bool ParseRespReply(const std::string& buf, size_t* pos, std::string* reply) {
  const size_t eol = buf.find("\r\n", *pos);
  if (eol == std::string::npos) return false;
  const char kind = buf[*pos];
  if (kind == '+' || kind == '-' || kind == ':') {
    *reply = buf.substr(*pos, eol - *pos);
    *pos = eol + 2;
    return true;
  }
  if (kind != '$') return false;
  const long len = std::atol(buf.c_str() + *pos + 1);
  if (len < 0) {
    reply->clear();
    *pos = eol + 2;
    return true;
  }
  const size_t end = eol + 2 + static_cast<size_t>(len);
  if (buf.size() < end + 2) return false;
  *reply = buf.substr(eol + 2, static_cast<size_t>(len));
  *pos = end + 2;
  return true;
}

// Sends `commands` (RESP arrays) to 127.0.0.1:port and returns one reply
// per command, or fewer when the server does not answer them all within
// `timeout_ms`.
std::vector<std::string> RedisRoundTrip(
    int port, const std::vector<std::vector<std::string>>& commands,
    int timeout_ms) {
  std::string request;
  for (const auto& argv : commands) {
    request.append(1, '*').append(std::to_string(argv.size())).append("\r\n");
    for (const std::string& a : argv) {
      request.append(1, '$').append(std::to_string(a.size())).append("\r\n");
      request.append(a).append("\r\n");
    }
  }
  std::vector<std::string> replies;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return replies;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return replies;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string buf;
  size_t pos = 0;
  while (replies.size() < commands.size()) {
    std::string reply;
    if (ParseRespReply(buf, &pos, &reply)) {
      replies.push_back(std::move(reply));
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - Clock::now())
                          .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) != 1) break;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return replies;
}

// The value of `field` in an INFO reply ("" when absent).
std::string InfoField(const std::string& info, const std::string& field) {
  const std::string key = field + ":";
  for (size_t at = 0; at < info.size();) {
    size_t eol = info.find("\r\n", at);
    if (eol == std::string::npos) eol = info.size();
    if (info.compare(at, key.size(), key) == 0) {
      return info.substr(at + key.size(), eol - at - key.size());
    }
    at = eol + 2;
  }
  return "";
}

// Lines of PostgreSQL's postmaster.pid: the postmaster's pid first, its
// status ("starting", "ready", ...) eighth.
std::vector<std::string> PostmasterPidLines(const std::string& data_dir) {
  std::ifstream in(data_dir + "/postmaster.pid");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool IsExecutable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

// Version directories compared numerically ("9.6" < "15").
double VersionOf(const std::string& name) { return std::atof(name.c_str()); }

// Starts `argv` in its own process group with stdin from /dev/null and
// stdout/stderr appended to `log`, optionally as another user. Returns the
// child's pid.
Result<pid_t> StartServerProcess(const std::vector<std::string>& argv,
                                 const std::string& log, bool switch_user,
                                 uid_t uid, gid_t gid, bool kill_with_parent) {
  LaunchSpec spec;
  spec.argv = argv;
  spec.in = ChildStream::Null();
  spec.out = ChildStream::Append(log);
  spec.err = ChildStream::SameAsStdout();
  spec.own_process_group = true;
  if (switch_user) {
    spec.uid = uid;
    spec.gid = gid;
  }
  spec.kill_with_parent = kill_with_parent;
  return Launch(spec);
}

// Waits for `pid` up to `timeout_ms`; true once it has exited (reaped).
bool WaitExit(pid_t pid, int timeout_ms, int* status) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status ValidateOptions(const SpawnOptions& o) {
  if (o.backend != "redis" && o.backend != "postgres") {
    return Status::InvalidArgument(
        "spawn: backend '" + o.backend +
        "' has no server to start (redis, postgres)");
  }
  const std::string& f = o.redis.appendfsync;
  if (f != "always" && f != "everysec" && f != "no") {
    return Status::InvalidArgument("spawn: redis appendfsync '" + f +
                                   "' must be always, everysec or no");
  }
  const std::string& sc = o.postgres.synchronous_commit;
  if (sc != "on" && sc != "off" && sc != "local" && sc != "remote_write" &&
      sc != "remote_apply") {
    return Status::InvalidArgument(
        "spawn: postgres synchronous_commit '" + sc +
        "' must be on, off, local, remote_write or remote_apply");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> FindServerBinary(std::string_view backend) {
  if (backend == "redis") {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      std::string candidate = (dir.empty() ? "." : dir) + "/redis-server";
      if (IsExecutable(candidate)) return candidate;
    }
    return Status::NotFound(
        "spawn: redis-server not found in PATH (apt-get install redis-server)");
  }
  if (backend == "postgres") {
    const char* env = std::getenv("STATEBENCH_PG_BINDIR");
    if (env != nullptr && *env != '\0') {
      if (IsExecutable(std::string(env) + "/postgres")) return std::string(env);
      return Status::NotFound(std::string("spawn: STATEBENCH_PG_BINDIR=") +
                              env + " holds no postgres binary");
    }
    std::string best;
    double best_version = -1;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      std::string bin = e.path().string() + "/bin";
      double v = VersionOf(e.path().filename().string());
      if (v > best_version && IsExecutable(bin + "/postgres") &&
          IsExecutable(bin + "/initdb")) {
        best = bin;
        best_version = v;
      }
    }
    if (best.empty()) {
      return Status::NotFound(
          "spawn: no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install "
          "postgresql)");
    }
    return best;
  }
  return Status::InvalidArgument("spawn: no server binary for backend '" +
                                 std::string(backend) + "'");
}

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const SpawnOptions& options) {
  SB_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<ServerProcess> p(new ServerProcess(options));
  // A port can be taken between our probe and the server's bind: retry.
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt == 0) {
      last = p->Prepare();
      if (!last.ok()) return last;
    } else {
      SB_ASSIGN_OR_RETURN(p->port_, FreeLoopbackPort());
      SB_RETURN_IF_ERROR(p->options_.backend == "redis" ? p->PrepareRedis()
                                                        : p->PreparePostgres());
    }
    last = p->Launch();
    if (last.ok()) last = p->WaitReady();
    if (last.ok()) return p;
    (void)p->Terminate(SIGKILL, 0);
    if (last.code() != StatusCode::kUnavailable) break;
  }
  return last;
}

ServerProcess::~ServerProcess() { (void)Stop(); }

Status ServerProcess::Prepare() {
  SB_ASSIGN_OR_RETURN(binary_, FindServerBinary(options_.backend));
  if (options_.backend == "postgres") {
    bindir_ = binary_;
    binary_ = bindir_ + "/postgres";
    if (::geteuid() == 0) {
      // PostgreSQL refuses to run as root.
      struct passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        return Status::FailedPrecondition(
            "spawn: running as root, and there is no 'postgres' user to run "
            "PostgreSQL as (PostgreSQL refuses root)");
      }
      switch_user_ = true;
      run_uid_ = pw->pw_uid;
      run_gid_ = pw->pw_gid;
    }
  }
  SB_ASSIGN_OR_RETURN(
      dir_, MakeTempDirectory("statebench-" + options_.backend + "-"));
  slot_ = spawn_registry::Add(dir_);
  data_dir_ = dir_ + "/data";
  log_file_ = dir_ + "/" + options_.backend + ".log";
  password_file_ = dir_ + "/password";
  SB_ASSIGN_OR_RETURN(std::string password, GeneratePassword());
  SB_RETURN_IF_ERROR(WriteFileAtomically(password_file_, password));
  SB_ASSIGN_OR_RETURN(port_, FreeLoopbackPort());
  if (options_.backend == "redis") return PrepareRedis();
  // initdb reads the password from a file the postgres user can read.
  std::string pwfile = dir_ + "/initdb.pw";
  SB_RETURN_IF_ERROR(WriteFileAtomically(pwfile, password));
  if (switch_user_ && (::chown(dir_.c_str(), run_uid_, run_gid_) != 0 ||
                       ::chown(pwfile.c_str(), run_uid_, run_gid_) != 0)) {
    return Status::IoError("spawn: chown " + dir_ + ": " + strerror(errno));
  }
  std::vector<std::string> initdb = {bindir_ + "/initdb",
                                     "-D",
                                     data_dir_,
                                     "-U",
                                     kPostgresUser,
                                     "--pwfile=" + pwfile,
                                     "--auth-local=trust",
                                     "--auth-host=scram-sha-256",
                                     "-E",
                                     "UTF8",
                                     "--no-sync"};
  SB_ASSIGN_OR_RETURN(
      pid_t pid,
      StartServerProcess(initdb, dir_ + "/initdb.log", switch_user_, run_uid_,
                         run_gid_, options_.kill_with_parent));
  int status = 0;
  bool done = WaitExit(pid, options_.start_timeout_ms, &status);
  if (!done) {
    ::kill(-pid, SIGKILL);
    WaitExit(pid, 5000, &status);
  }
  (void)RemoveTree(pwfile);
  if (!done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(dir_ + "/initdb.log");
    std::string log((std::istreambuf_iterator<char>(in)), {});
    return Status::Unavailable(
        "spawn: initdb failed: " +
        log.substr(log.size() > 2000 ? log.size() - 2000 : 0));
  }
  return PreparePostgres();
}

Status ServerProcess::PrepareRedis() {
  SB_ASSIGN_OR_RETURN(std::string password, ReadFileToString(password_file_));
  SB_RETURN_IF_ERROR(EnsureDirectory(data_dir_));
  const RedisPersistence& r = options_.redis;
  std::string conf =
      "bind 127.0.0.1\nport " + std::to_string(port_) +
      "\nprotected-mode yes\ndaemonize no\nlogfile \"\"\ndir " + data_dir_ +
      "\nrequirepass " + password + "\nappendonly " +
      (r.appendonly ? "yes" : "no") + "\nappendfsync " + r.appendfsync + "\n" +
      (r.rdb_snapshots ? "save 3600 1 300 100 60 10000\n" : "save \"\"\n");
  // The config holds the password: 0600 in a 0700 directory, and only its
  // path goes on the command line.
  std::string conf_file = dir_ + "/redis.conf";
  SB_RETURN_IF_ERROR(WriteFileAtomically(conf_file, conf));
  uri_ = "redis://127.0.0.1:" + std::to_string(port_) + "/0";
  args_ = {binary_, conf_file};
  return Status::Ok();
}

Status ServerProcess::PreparePostgres() {
  const PostgresPersistence& p = options_.postgres;
  uri_ = "postgresql://" + std::string(kPostgresUser) +
         "@127.0.0.1:" + std::to_string(port_) + "/postgres";
  args_ = {binary_,
           "-D",
           data_dir_,
           "-c",
           "listen_addresses=127.0.0.1",
           "-c",
           "port=" + std::to_string(port_),
           "-c",
           "unix_socket_directories=" + dir_,
           "-c",
           std::string("fsync=") + (p.fsync ? "on" : "off"),
           "-c",
           "synchronous_commit=" + p.synchronous_commit};
  return Status::Ok();
}

Status ServerProcess::Launch() {
  SB_ASSIGN_OR_RETURN(
      pid_, StartServerProcess(args_, log_file_, switch_user_, run_uid_,
                               run_gid_, options_.kill_with_parent));
  spawn_registry::SetPid(slot_, pid_);
  return Status::Ok();
}

// Redis accepts connections while it loads its AOF or RDB file, and it
// checks the password before it checks loading: a client without the
// password gets NOAUTH from a server that answers every real command with
// LOADING. So readiness is asked with the password, and means loading:0
// (async_loading:0 on Redis 7) from the process this object started.
std::string ServerProcess::RedisNotReadyReason() const {
  Result<std::string> password = ReadFileToString(password_file_);
  if (!password.ok()) return password.status().message();
  const std::vector<std::string> replies = RedisRoundTrip(
      port_, {{"AUTH", *password}, {"INFO", "server"}, {"INFO", "persistence"}},
      500);
  if (replies.size() < 3) return "no complete answer on its port";
  if (!replies[0].starts_with("+OK")) {
    return "the server on its port refused the password (" +
           replies[0].substr(0, replies[0].find(' ')) + ")";
  }
  const std::string process_id = InfoField(replies[1], "process_id");
  if (process_id != std::to_string(pid_)) {
    return "the server on its port is pid " + process_id + ", not " +
           std::to_string(pid_);
  }
  if (InfoField(replies[2], "loading") != "0" ||
      InfoField(replies[2], "async_loading") == "1") {
    return "still loading its data";
  }
  return "";
}

// PostgreSQL marks its postmaster.pid "ready" once it accepts connections,
// which after a crash is when recovery has finished. A killed server leaves
// its file behind, still saying "ready": the pid in it must be the one
// this object started.
std::string ServerProcess::PostgresNotReadyReason() const {
  const std::vector<std::string> lines = PostmasterPidLines(data_dir_);
  if (lines.empty() || lines[0] != std::to_string(pid_)) {
    return "postmaster.pid is not yet this process's";
  }
  if (lines.size() < 8 || !lines[7].starts_with("ready")) {
    return "not ready (status '" + (lines.size() < 8 ? "" : lines[7]) +
           "', e.g. in crash recovery)";
  }
  if (Probe(port_, "", 500).empty()) return "its port does not connect";
  return "";
}

Status ServerProcess::WaitReady() {
  auto deadline =
      Clock::now() + std::chrono::milliseconds(options_.start_timeout_ms);
  std::string why = "not started";
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      spawn_registry::ClaimPid(slot_, pid_);
      pid_ = 0;
      return Status::Unavailable("spawn: " + options_.backend +
                                 " exited while starting; log: " + LogTail());
    }
    why = options_.backend == "redis" ? RedisNotReadyReason()
                                      : PostgresNotReadyReason();
    if (why.empty()) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable(
      "spawn: " + options_.backend + " on 127.0.0.1:" + std::to_string(port_) +
      " was not ready within " + std::to_string(options_.start_timeout_ms) +
      " ms (" + why + "); log: " + LogTail());
}

std::string ServerProcess::LogTail() const {
  std::ifstream in(log_file_);
  std::string log((std::istreambuf_iterator<char>(in)), {});
  if (log.size() > 2000) log = log.substr(log.size() - 2000);
  return log.empty() ? "(empty)" : log;
}

Status ServerProcess::Terminate(int signal, int timeout_ms) {
  if (pid_ <= 0) return Status::Ok();
  pid_t pid = pid_;
  pid_ = 0;
  // Once claimed, StopAllSpawnedServers() no longer touches this pid; if it
  // already reaped it, the pid must not be signalled.
  if (!spawn_registry::ClaimPid(slot_, pid)) return Status::Ok();
  int status = 0;
  if (signal != SIGKILL) {
    ::kill(pid, signal);
    if (WaitExit(pid, timeout_ms, &status)) return Status::Ok();
  }
  ::kill(-pid, SIGKILL);
  if (!WaitExit(pid, 10000, &status)) {
    return Status::Internal("spawn: " + options_.backend + " pid " +
                            std::to_string(pid) + " survived SIGKILL");
  }
  // The server's children (postgres backends) die with it but may hold its
  // listening socket a moment longer; a restart onto the port waits for
  // the whole process group to be gone.
  for (int i = 0; i < 1000 && ::kill(-pid, 0) == 0; ++i) {
    ::usleep(5000);
  }
  return Status::Ok();
}

Status ServerProcess::Stop() {
  if (dir_.empty()) return Status::Ok();
  // redis: SIGTERM; postgres: SIGINT is its "fast" shutdown (SIGTERM would
  // wait for clients to disconnect).
  Status s = Terminate(options_.backend == "postgres" ? SIGINT : SIGTERM,
                       options_.backend == "postgres" ? 30000 : 10000);
  Status removed = RemoveTree(dir_);
  spawn_registry::Remove(slot_);
  slot_ = -1;
  dir_.clear();
  return s.ok() ? removed : s;
}

Status ServerProcess::Kill() { return Terminate(SIGKILL, 0); }

Status ServerProcess::Restart() {
  if (dir_.empty()) {
    return Status::FailedPrecondition(
        "spawn: the server was stopped and its "
        "directory removed");
  }
  if (running()) {
    SB_RETURN_IF_ERROR(
        Terminate(options_.backend == "postgres" ? SIGINT : SIGTERM, 30000));
  }
  SB_RETURN_IF_ERROR(Launch());
  Status s = WaitReady();
  if (!s.ok()) (void)Terminate(SIGKILL, 0);
  return s;
}

SpawnedServerConnection ServerProcess::Connection() const {
  return {options_.backend,
          {{"uri", uri_},
           {"password_file", password_file_},
           {"server_pid", std::to_string(pid_)}}};
}

std::string ServerProcess::Describe() const {
  return options_.backend + " on 127.0.0.1:" + std::to_string(port_) +
         " (pid " + std::to_string(pid_) + ", " + dir_ + ")";
}

}  // namespace statebench

#include "backends/postgres/postgres_support.h"

#include <libpq-fe.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>

namespace statebench {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Quotes a libpq key=value value: single quotes, backslash-escaped.
std::string QuoteConninfoValue(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

std::string FirstOf(std::string_view list) {
  return std::string(list.substr(0, list.find(',')));
}

std::string TrimMessage(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m) {
    if (c == '\n') c = ' ';
  }
  return m;
}

}  // namespace

Result<std::string> BuildConninfo(const std::string& uri,
                                  const std::string& password,
                                  int connect_timeout_ms,
                                  int command_timeout_ms,
                                  PostgresTarget* target) {
  target->redacted_uri = RedactUri(uri);
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> opts(
      PQconninfoParse(uri.c_str(), &err));
  if (opts == nullptr) {
    std::string detail = err ? TrimMessage(err) : "out of memory";
    if (err) PQfreemem(err);
    return ScrubSecret(
        Status::InvalidArgument("postgres: cannot parse uri '" +
                                target->redacted_uri + "': " + detail),
        password);
  }
  std::string conninfo, host, port;
  bool has_app_name = false;
  for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "password") {
      return Status::InvalidArgument(
          "postgres: uri '" + target->redacted_uri +
          "' holds a password; it is refused (URIs end up in command lines, "
          "configs and results): use password_file, password_env or "
          "~/.pgpass");
    }
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "application_name") has_app_name = true;
    conninfo += std::string(key) + "=" + QuoteConninfoValue(o->val) + " ";
  }
  if (host.empty() && std::getenv("PGHOST")) host = std::getenv("PGHOST");
  if (port.empty() && std::getenv("PGPORT")) port = std::getenv("PGPORT");
  host = host.empty() ? "localhost" : FirstOf(host);
  port = port.empty() ? "5432" : FirstOf(port);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  if (!host.empty() && host[0] == '/') host = "socket " + host;
  target->host_port = host + ":" + port;
  target->describe = "postgres " + target->host_port;
  if (!password.empty()) {
    conninfo += "password=" + QuoteConninfoValue(password) + " ";
  }
  if (!has_app_name) conninfo += "application_name=statebench ";
  // libpq's connect_timeout is in whole seconds, and values below 2 are
  // raised to 2.
  int connect_s = std::max(2, (connect_timeout_ms + 999) / 1000);
  int idle_s = std::max(1, command_timeout_ms / 3000);
  conninfo += "connect_timeout=" + std::to_string(connect_s) +
              " keepalives=1 keepalives_idle=" + std::to_string(idle_s) +
              " keepalives_interval=" + std::to_string(idle_s) +
              " keepalives_count=3 tcp_user_timeout=" +
              std::to_string(command_timeout_ms);
  return conninfo;
}

Status CurrentExceptionToStatus(const PostgresTarget& target,
                                std::exception_ptr e) {
  const std::string& d = target.describe;
  try {
    std::rethrow_exception(e);
  } catch (const pqxx::broken_connection& ex) {
    std::string m = TrimMessage(ex.what());
    if (m.find("password authentication failed") != std::string::npos ||
        m.find("no password supplied") != std::string::npos ||
        m.find("authentication failed") != std::string::npos) {
      size_t fatal = m.find("FATAL:");
      std::string why = fatal == std::string::npos ? m : m.substr(fatal + 6);
      while (!why.empty() && why.front() == ' ') why.erase(0, 1);
      return Status::PermissionDenied(d + ": authentication failed (" + why +
                                      ")");
    }
    return Status::Unavailable(d + ": " + m);
  } catch (const pqxx::in_doubt_error& ex) {
    return Status::Unavailable(
        d + ": commit outcome unknown: " + TrimMessage(ex.what()));
  } catch (const pqxx::sql_error& ex) {
    const std::string& state = ex.sqlstate();
    std::string m = d + ": " + TrimMessage(ex.what()) +
                    (state.empty() ? "" : " (SQLSTATE " + state + ")");
    if (state == "57014") return Status::DeadlineExceeded(m);
    if (state.starts_with("28") || state == "42501") {
      return Status::PermissionDenied(m);
    }
    if (state.starts_with("53")) return Status::ResourceExhausted(m);
    if (state.starts_with("08") || state.starts_with("57")) {
      return Status::Unavailable(m);
    }
    return Status::IoError(m);
  } catch (const pqxx::usage_error& ex) {
    return Status::Internal(d + ": " + TrimMessage(ex.what()));
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(d + ": out of memory");
  } catch (const std::exception& ex) {
    return Status::Internal(d + ": " + TrimMessage(ex.what()));
  } catch (...) {
    return Status::Internal(d + ": unknown exception");
  }
}

SocketWatchdog::SocketWatchdog(int timeout_ms)
    : timeout_ms_(timeout_ms), thread_([this] { Loop(); }) {}

SocketWatchdog::~SocketWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SocketWatchdog::Arm(int fd) {
  fired_.store(false, std::memory_order_relaxed);
  fd_.store(fd, std::memory_order_relaxed);
  deadline_ns_.store(NowNs() + int64_t{timeout_ms_} * 1000000,
                     std::memory_order_release);
}

void SocketWatchdog::Disarm() {
  deadline_ns_.store(0, std::memory_order_release);
}

void SocketWatchdog::Loop() {
  // Polling at a quarter of the timeout bounds the overshoot to 25% without
  // any synchronisation on the op path.
  auto period = std::chrono::milliseconds(std::max(10, timeout_ms_ / 4));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, period);
    int64_t deadline = deadline_ns_.load(std::memory_order_acquire);
    if (deadline == 0 || NowNs() < deadline) continue;
    // Only fire if the same call is still armed.
    if (deadline_ns_.compare_exchange_strong(deadline, 0)) {
      fired_.store(true);
      int fd = fd_.load();
      if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
    }
  }
}

PostgresIoStats::PostgresIoStats(std::string conninfo, PostgresTarget target,
                                 int server_pid, int command_timeout_ms)
    : conninfo_(std::move(conninfo)),
      target_(std::move(target)),
      server_pid_(server_pid),
      command_timeout_ms_(command_timeout_ms),
      proc_(server_pid) {}

PostgresIoStats::~PostgresIoStats() = default;

void PostgresIoStats::CloseConnection::operator()(
    pqxx::connection_base* c) const {
  delete static_cast<pqxx::connection*>(c);
}

Result<PostgresIoStats::Counters> PostgresIoStats::Read() {
  SB_RETURN_IF_ERROR(CheckServerResponsive(target_.describe));
  if (watchdog_ == nullptr) {
    watchdog_ = std::make_unique<SocketWatchdog>(command_timeout_ms_);
  }
  try {
    if (conn_ == nullptr) conn_.reset(new pqxx::connection(conninfo_));
    pqxx::nontransaction tx(*conn_);
    watchdog_->Arm(conn_->sock());
    pqxx::row r = tx.exec1(
        "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text, "
        "(SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) "
        " FROM pg_class c WHERE c.relname IN ('sb_state', 'sb_list', "
        "'sb_checkpoint') AND c.relkind = 'r')::text");
    Counters c;
    c.wal_bytes = std::strtoull(r[0].c_str(), nullptr, 10);
    c.table_bytes = std::strtoull(r[1].c_str(), nullptr, 10);
    watchdog_->Disarm();
    return c;
  } catch (...) {
    watchdog_->Disarm();
    conn_.reset();
    Status s = CurrentExceptionToStatus(target_, std::current_exception());
    if (watchdog_->Fired()) {
      s = Status::Unavailable(target_.describe + ": no reply within " +
                              std::to_string(command_timeout_ms_) +
                              " ms (command_timeout_ms)");
      MarkServerUnresponsive(target_.describe, s);
    }
    return s;
  }
}

void PostgresIoStats::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  Result<Counters> c = Read();
  if (c.ok()) wal_base_ = c->wal_bytes;
  proc_.Start();
}

void PostgresIoStats::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
  conn_.reset();
}

IoStats PostgresIoStats::Sample() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) return last_;
  Result<Counters> c = Read();
  if (!c.ok()) {
    IoStats out = last_;
    out.source += " (last sample; " + c.status().message() + ")";
    return out;
  }
  IoStats out;
  uint64_t wal = c->wal_bytes >= wal_base_ ? c->wal_bytes - wal_base_ : 0;
  out.storage_size = c->table_bytes;
  Result<ProcIo> io = proc_.SinceStart();
  if (io.ok()) {
    const uint64_t written = io->write_bytes;
    out.bytes_read = io->read_bytes;
    uint64_t wal_part = std::min(wal, written);
    out.bytes_written = written;
    out.write_breakdown["wal"] = wal_part;
    out.write_breakdown["flush"] = written - wal_part;
    out.source = "WAL insert position (pg_current_wal_insert_lsn) + /proc/" +
                 std::to_string(server_pid_) +
                 "/io of the postmaster started by statebench and its "
                 "children (" +
                 std::to_string(io->processes) +
                 " processes); storage_size = sb_* tables";
  } else {
    out.bytes_written = wal;
    out.write_breakdown["wal"] = wal;
    out.source =
        "WAL insert position (pg_current_wal_insert_lsn; " +
        std::string(server_pid_ > 0 ? "/proc/" + std::to_string(server_pid_) +
                                          "/io unreadable"
                                    : "server not started by statebench") +
        ": whole-server counters, data-file writes not counted); "
        "storage_size = sb_* tables (all jobs)";
  }
  last_ = out;
  return out;
}

}  // namespace statebench

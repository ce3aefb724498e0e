// What the redis and postgres backends cost on the write path compared with
// driving hiredis / libpqxx directly with the same commands and batching.
//
// Each iteration writes kRounds checkpoint intervals of N distinct keys
// (100-byte values), then makes everything durable on the server:
//   redis direct   MULTI, N x HSET pipelined, EXEC per interval
//   redis backend  N x ValuePut (local overlay), SnapshotSync, Complete
//                  (stage), NotifyCheckpointComplete (MULTI/EXEC apply);
//                  Close waits for the last apply
//   pg direct      N x prepared upsert, checkpoint-row upsert, COMMIT per
//                  interval; "_undo" sends the backend's statements (the
//                  upsert that also saves the undo image)
//   pg backend     N x ValuePut, SnapshotSync, Complete, Notify
// Servers: STATEBENCH_TEST_{REDIS,POSTGRES}_URI/_PASSWORD_FILE when set,
// else private ones started with ServerProcess. Wall time (the servers work
// in other processes).
#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "backends/postgres/postgres_schema.h"
#include "backends/postgres/postgres_support.h"
#include "backends/redis/redis_uri.h"
#include "backends/registry.h"
#include "base/file_util.h"
#include "base/key_groups.h"
#include "base/spawn.h"

namespace statebench {
namespace {

constexpr int kMaxParallelism = 128;
constexpr int kRounds = 20;

struct Target {
  std::string uri;
  std::string password_file;
  std::string password;
};

// The server for `backend`, from the environment or started once.
const Target* ServerFor(const std::string& backend) {
  static std::map<std::string, std::unique_ptr<ServerProcess>> spawned;
  static std::map<std::string, Target> targets;
  auto it = targets.find(backend);
  if (it != targets.end()) return &it->second;
  std::string prefix =
      backend == "redis" ? "STATEBENCH_TEST_REDIS" : "STATEBENCH_TEST_POSTGRES";
  const char* uri = std::getenv((prefix + "_URI").c_str());
  const char* pass = std::getenv((prefix + "_PASSWORD_FILE").c_str());
  Target t;
  if (uri != nullptr && pass != nullptr) {
    t.uri = uri;
    t.password_file = pass;
  } else {
    SpawnOptions o;
    o.backend = backend;
    Result<std::unique_ptr<ServerProcess>> s = ServerProcess::Start(o);
    if (!s.ok()) return nullptr;
    t.uri = (*s)->uri();
    t.password_file = (*s)->password_file();
    spawned[backend] = std::move(s).value();
  }
  Result<std::string> p = ReadFileToString(t.password_file);
  if (!p.ok()) return nullptr;
  t.password = *p;
  return &targets.emplace(backend, t).first->second;
}

std::vector<std::string> Keys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("key-" + std::to_string(i));
  return keys;
}

std::unique_ptr<StateBackend> OpenBackend(const std::string& name,
                                          const Target& t,
                                          const std::string& job) {
  BackendConfig c;
  c.max_parallelism = kMaxParallelism;
  c.key_groups = {0, kMaxParallelism - 1};
  c.options = {
      {"uri", t.uri}, {"password_file", t.password_file}, {"job", job}};
  Result<std::unique_ptr<StateBackend>> b =
      BackendRegistry::Default().Create(name, c);
  if (!b.ok() || !(*b)->RegisterState({"v", StateKind::kValue}).ok()) {
    return nullptr;
  }
  return std::move(b).value();
}

// N puts per interval, then a checkpoint that the job completes.
void BackendIntervals(benchmark::State& state, const std::string& name) {
  const Target* t = ServerFor(name);
  if (t == nullptr) return state.SkipWithError("no server");
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  const std::string value(100, 'v');
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto b = OpenBackend(name, *t, "bench-" + std::to_string(run++));
    if (b == nullptr) return state.SkipWithError("cannot open the backend");
    state.ResumeTiming();
    for (int round = 1; round <= kRounds; ++round) {
      for (const std::string& k : keys) {
        StateKey key{0, AssignToKeyGroup(k, kMaxParallelism), k, ""};
        if (!b->ValuePut(key, value).ok()) return state.SkipWithError("put");
      }
      auto snap = b->SnapshotSync(round);
      if (!snap.ok() || !(*snap)->Complete().ok() ||
          !b->NotifyCheckpointComplete(round).ok()) {
        return state.SkipWithError("checkpoint failed");
      }
    }
    if (!b->Close().ok()) return state.SkipWithError("close failed");
  }
  state.SetItemsProcessed(state.iterations() * kRounds * n);
}

void BM_RedisBackendBuffered(benchmark::State& state) {
  BackendIntervals(state, "redis");
}

void BM_RedisDirectMultiPipelined(benchmark::State& state) {
  const Target* t = ServerFor("redis");
  if (t == nullptr) return state.SkipWithError("no server");
  Result<RedisUri> uri = ParseRedisUri(t->uri);
  redisContext* c = redisConnect(uri->host.c_str(), uri->port);
  if (c == nullptr || c->err != 0) return state.SkipWithError("connect");
  redisReply* auth = static_cast<redisReply*>(
      redisCommand(c, "AUTH %b", t->password.data(), t->password.size()));
  freeReplyObject(auth);
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  std::vector<std::string> hashes;
  for (const std::string& k : keys) {
    hashes.push_back(
        "sb:direct:" + std::to_string(AssignToKeyGroup(k, kMaxParallelism)) +
        ":v:v");
  }
  const std::string value(100, 'v');
  for (auto _ : state) {
    for (int round = 1; round <= kRounds; ++round) {
      redisAppendCommand(c, "MULTI");
      for (int i = 0; i < n; ++i) {
        redisAppendCommand(c, "HSET %b %b %b", hashes[i].data(),
                           hashes[i].size(), keys[i].data(), keys[i].size(),
                           value.data(), value.size());
      }
      redisAppendCommand(c, "SET sb:direct:ckpt %d", round);
      redisAppendCommand(c, "EXEC");
      for (int i = 0; i < n + 3; ++i) {
        void* reply = nullptr;
        if (redisGetReply(c, &reply) != REDIS_OK) {
          redisFree(c);
          return state.SkipWithError("reply");
        }
        freeReplyObject(reply);
      }
    }
  }
  redisFree(c);
  state.SetItemsProcessed(state.iterations() * kRounds * n);
}

void BM_PostgresBackend(benchmark::State& state) {
  BackendIntervals(state, "postgres");
}

// The backend's own statements, sent directly: sb_put (or sb_put_undo from
// the second interval on, as the backend does) and sb_ckpt_put.
void PostgresDirectLoop(benchmark::State& state, bool undo);

void PostgresDirect(benchmark::State& state, bool undo) {
  try {
    PostgresDirectLoop(state, undo);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void PostgresDirectLoop(benchmark::State& state, bool undo) {
  const Target* t = ServerFor("postgres");
  if (t == nullptr) return state.SkipWithError("no server");
  // Creates the schema.
  if (OpenBackend("postgres", *t, "bench-schema") == nullptr) {
    return state.SkipWithError("cannot create the schema");
  }
  PostgresTarget target;
  Result<std::string> conninfo =
      BuildConninfo(t->uri, t->password, 2000, 60000, &target);
  if (!conninfo.ok()) return state.SkipWithError("conninfo");
  pqxx::connection conn(*conninfo);
  for (const auto& [name, sql] : pg::PreparedStatements()) {
    conn.prepare(name, sql);
  }
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  std::vector<int> kgs;
  for (const std::string& k : keys) {
    kgs.push_back(AssignToKeyGroup(k, kMaxParallelism));
  }
  const std::string value(100, 'v');
  const std::string job = undo ? "bench-direct-undo" : "bench-direct";
  const std::string state_name = "v";
  auto bin = [](const std::string& s) {
    return pqxx::binarystring(s.data(), s.size());
  };
  for (auto _ : state) {
    for (int round = 1; round <= kRounds; ++round) {
      pqxx::work tx(conn);
      for (int i = 0; i < n; ++i) {
        if (undo && round > 1) {
          tx.exec_prepared("sb_put_undo", job, kgs[i], state_name, bin(keys[i]),
                           bin(""), bin(""), bin(value), 0, kMaxParallelism - 1,
                           int64_t{round - 1});
        } else {
          tx.exec_prepared("sb_put", job, kgs[i], state_name, bin(keys[i]),
                           bin(""), bin(""), bin(value));
        }
      }
      tx.exec_prepared("sb_ckpt_put", job, 0, kMaxParallelism - 1,
                       int64_t{round}, int64_t{round - 1}, "on");
      tx.commit();
    }
  }
  state.SetItemsProcessed(state.iterations() * kRounds * n);
}

void BM_PostgresDirectUpsert(benchmark::State& state) {
  PostgresDirect(state, false);
}
void BM_PostgresDirectUpsertUndo(benchmark::State& state) {
  PostgresDirect(state, true);
}

BENCHMARK(BM_RedisDirectMultiPipelined)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RedisBackendBuffered)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PostgresDirectUpsert)
    ->Arg(200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PostgresDirectUpsertUndo)
    ->Arg(200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PostgresBackend)
    ->Arg(200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace statebench

BENCHMARK_MAIN();

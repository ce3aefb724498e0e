// A reference model of keyed state for backend tests: every op is applied to
// a backend and to plain std::maps, and Matches() compares the two over every
// address ever touched (so removed entries are checked to be gone).
//
// Header-only; used by the backend tests in this folder. Not thread-safe.
#ifndef STATEBENCH_TESTS_BACKENDS_STATE_MODEL_H_
#define STATEBENCH_TESTS_BACKENDS_STATE_MODEL_H_

#include <gtest/gtest.h>

#include <compare>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/state_backend.h"
#include "base/key_groups.h"

namespace statebench::test_env {

struct Addr {
  StateId state = 0;
  std::string key;
  std::string ns;
  auto operator<=>(const Addr&) const = default;
};

inline std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<uint8_t>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
    if (out.size() > 60) return out + "...";
  }
  return out;
}

// Expected state. A value type: copy it to remember the state at a
// checkpoint.
struct StateModel {
  std::map<Addr, std::string> values;
  std::map<Addr, std::vector<std::string>> lists;
  std::map<Addr, std::map<std::string, std::string>> maps;
  // Everything ever written, to check absence after removal or restore.
  std::set<Addr> touched_values, touched_lists;
  std::map<Addr, std::set<std::string>> touched_user_keys;
};

// Adds `from`'s entries and touched addresses to *into (disjoint keys).
inline void MergeInto(StateModel* into, const StateModel& from) {
  into->values.insert(from.values.begin(), from.values.end());
  into->lists.insert(from.lists.begin(), from.lists.end());
  into->maps.insert(from.maps.begin(), from.maps.end());
  into->touched_values.insert(from.touched_values.begin(),
                              from.touched_values.end());
  into->touched_lists.insert(from.touched_lists.begin(),
                             from.touched_lists.end());
  for (const auto& [a, uks] : from.touched_user_keys) {
    into->touched_user_keys[a].insert(uks.begin(), uks.end());
  }
}

// Applies ops to a backend and a model together; records failures as
// non-fatal test failures.
class ModelDriver {
 public:
  ModelDriver(StateBackend* backend, StateModel* model,
              int max_parallelism = kDefaultLowerBoundMaxParallelism)
      : backend_(backend), model_(model), max_parallelism_(max_parallelism) {}

  StateKey Key(const Addr& a) const {
    return StateKey{a.state, AssignToKeyGroup(a.key, max_parallelism_), a.key,
                    a.ns};
  }

  void Put(const Addr& a, std::string_view v) {
    Check(backend_->ValuePut(Key(a), v), "ValuePut", a);
    model_->values[a] = std::string(v);
    model_->touched_values.insert(a);
  }
  void Remove(const Addr& a) {
    Check(backend_->ValueRemove(Key(a)), "ValueRemove", a);
    model_->values.erase(a);
    model_->touched_values.insert(a);
  }
  void Append(const Addr& a, std::string_view v) {
    Check(backend_->ListAppend(Key(a), v), "ListAppend", a);
    model_->lists[a].emplace_back(v);
    model_->touched_lists.insert(a);
  }
  void Clear(const Addr& a) {
    Check(backend_->ListClear(Key(a)), "ListClear", a);
    model_->lists.erase(a);
    model_->touched_lists.insert(a);
  }
  void MapPut(const Addr& a, std::string_view uk, std::string_view v) {
    Check(backend_->MapPut(Key(a), uk, v), "MapPut", a);
    model_->maps[a][std::string(uk)] = std::string(v);
    model_->touched_user_keys[a].insert(std::string(uk));
  }
  void MapRemove(const Addr& a, std::string_view uk) {
    Check(backend_->MapRemove(Key(a), uk), "MapRemove", a);
    auto it = model_->maps.find(a);
    if (it != model_->maps.end()) {
      it->second.erase(std::string(uk));
      if (it->second.empty()) model_->maps.erase(it);
    }
    model_->touched_user_keys[a].insert(std::string(uk));
  }

 private:
  void Check(const Status& s, const char* op, const Addr& a) {
    EXPECT_TRUE(s.ok()) << op << "(state " << a.state << ", key '"
                        << Printable(a.key) << "', ns '" << Printable(a.ns)
                        << "'): " << s.ToString();
  }

  StateBackend* backend_;
  StateModel* model_;
  int max_parallelism_;
};

// What Matches() accepts for key groups in the instance's range but outside
// the restored range.
enum class Outside {
  kAbsent,           // reads succeed and find nothing
  kAbsentOrRefused,  // or reads fail (never return data)
};

// Compares `backend` with `model` for every touched address whose key group
// is in `instance` (the backend's range); entries whose key group is outside
// `present` must not be visible.
inline ::testing::AssertionResult Matches(
    StateBackend* backend, const StateModel& model, KeyGroupRange instance,
    KeyGroupRange present,
    int max_parallelism = kDefaultLowerBoundMaxParallelism,
    Outside outside = Outside::kAbsent) {
  int mismatches = 0;
  std::string report;
  auto fail = [&](const Addr& a, const std::string& what) {
    if (++mismatches <= 5) {
      report += "\n  state " + std::to_string(a.state) + " key '" +
                Printable(a.key) + "' ns '" + Printable(a.ns) + "': " + what;
    }
  };
  auto kg_of = [&](const Addr& a) {
    return AssignToKeyGroup(a.key, max_parallelism);
  };
  auto key = [&](const Addr& a) {
    return StateKey{a.state, kg_of(a), a.key, a.ns};
  };
  // A refused read outside `present` is fine when `outside` allows it.
  auto refused_ok = [&](const Addr& a, const Status& s) {
    return !s.ok() && outside == Outside::kAbsentOrRefused &&
           !present.Contains(kg_of(a));
  };
  for (const Addr& a : model.touched_values) {
    if (!instance.Contains(kg_of(a))) continue;
    auto it = model.values.find(a);
    bool want = it != model.values.end() && present.Contains(kg_of(a));
    std::string got = "<unset>";
    bool found = false;
    Status s = backend->ValueGet(key(a), &got, &found);
    if (refused_ok(a, s)) continue;
    if (!s.ok()) {
      fail(a, "ValueGet: " + s.ToString());
    } else if (found != want) {
      fail(a,
           want ? "value missing" : "value present: '" + Printable(got) + "'");
    } else if (want && got != it->second) {
      fail(a, "value '" + Printable(got) + "', want '" + Printable(it->second) +
                  "'");
    }
  }
  for (const Addr& a : model.touched_lists) {
    if (!instance.Contains(kg_of(a))) continue;
    std::vector<std::string> want;
    if (auto it = model.lists.find(a);
        it != model.lists.end() && present.Contains(kg_of(a))) {
      want = it->second;
    }
    std::vector<std::string> got = {"junk"};
    Status s = backend->ListGet(key(a), &got);
    if (refused_ok(a, s)) continue;
    if (!s.ok()) {
      fail(a, "ListGet: " + s.ToString());
    } else if (got != want) {
      fail(a, "list of " + std::to_string(got.size()) + " elements, want " +
                  std::to_string(want.size()) + " (or different content)");
    }
  }
  for (const auto& [a, user_keys] : model.touched_user_keys) {
    if (!instance.Contains(kg_of(a))) continue;
    std::map<std::string, std::string> want;
    if (auto it = model.maps.find(a);
        it != model.maps.end() && present.Contains(kg_of(a))) {
      want = it->second;
    }
    std::vector<std::pair<std::string, std::string>> got = {{"junk", "junk"}};
    Status s = backend->MapScan(key(a), "", "", 0, &got);
    if (refused_ok(a, s)) continue;
    std::vector<std::pair<std::string, std::string>> want_v(want.begin(),
                                                            want.end());
    if (!s.ok()) {
      fail(a, "MapScan: " + s.ToString());
    } else if (got != want_v) {
      fail(a, "map scan of " + std::to_string(got.size()) + " entries, want " +
                  std::to_string(want_v.size()) + " (or different content)");
    }
    for (const std::string& uk : user_keys) {
      std::string v;
      bool found = false;
      Status g = backend->MapGet(key(a), uk, &v, &found);
      auto w = want.find(uk);
      if (!g.ok() || found != (w != want.end()) || (found && v != w->second)) {
        fail(a, "MapGet('" + Printable(uk) + "') disagrees");
      }
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << mismatches << " mismatches against the model" << report;
}

}  // namespace statebench::test_env

#endif  // STATEBENCH_TESTS_BACKENDS_STATE_MODEL_H_

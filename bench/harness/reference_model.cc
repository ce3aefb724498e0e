#include "bench/harness/reference_model.h"

#include <string_view>

namespace statebench {
namespace {

constexpr size_t kExamplesPerKind = 3;

std::string Printable(std::string_view s, size_t max = 24) {
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c >= 0x20 && c < 0x7f) {
      out += c;
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
      out += kHex[static_cast<unsigned char>(c) & 0xf];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string Describe(const ModelAddress& a) {
  const auto& [state, key, ns, uk] = a;
  std::string d =
      "state " + std::to_string(state) + " key '" + Printable(key) + "'";
  if (!ns.empty()) d += " ns '" + Printable(ns) + "'";
  if (!uk.empty()) d += " user key '" + Printable(uk) + "'";
  return d;
}

bool IsListState(const ReferenceModel& model, uint16_t state) {
  return state < model.states().size() &&
         model.states()[state].kind == WorkloadStateKind::kList;
}
bool IsMapState(const ReferenceModel& model, uint16_t state) {
  return state < model.states().size() &&
         model.states()[state].kind == WorkloadStateKind::kMap;
}

class Classifier {
 public:
  explicit Classifier(StateVerdict* v) : v_(v) {}
  void Lost(const ModelAddress& a) { Note(&v_->lost, "lost", a); }
  void Resurrected(const ModelAddress& a) {
    Note(&v_->resurrected, "resurrected", a);
  }
  void Wrong(const ModelAddress& a) { Note(&v_->wrong, "wrong value", a); }

 private:
  void Note(uint64_t* counter, const char* kind, const ModelAddress& a) {
    if ((*counter)++ < kExamplesPerKind) {
      v_->examples.push_back(std::string(kind) + ": " + Describe(a));
    }
  }
  StateVerdict* v_;
};

}  // namespace

void ReferenceModel::Apply(const Op& op) {
  ModelAddress a{op.state, op.key, op.ns, ""};
  switch (op.type) {
    case OpType::kValuePut:
      entries_[a] = op.value;
      break;
    case OpType::kValueRemove:
      entries_.erase(a);
      break;
    case OpType::kListAppend:
      lists_[a].push_back(op.value);
      break;
    case OpType::kListClear:
      lists_.erase(a);
      break;
    case OpType::kMapPut:
      std::get<3>(a) = op.user_key;
      entries_[a] = op.value;
      break;
    case OpType::kMapRemove:
      std::get<3>(a) = op.user_key;
      entries_.erase(a);
      break;
    default:
      break;  // reads change nothing
  }
}

void ReplayStream(const Workload& workload, uint64_t barrier,
                  uint64_t end_event, ReferenceModel* model,
                  PostBarrierWrites* after) {
  Op op;
  auto replay = [&](OpSource& src) {
    while (src.Next(&op)) {
      if (op.event_index >= end_event) return false;
      if (op.event_index < barrier) {
        model->Apply(op);
      } else if (IsWriteOp(op.type)) {
        std::string uk =
            op.type == OpType::kMapPut || op.type == OpType::kMapRemove
                ? op.user_key
                : "";
        ModelAddress a{op.state, op.key, op.ns, uk};
        after->touched.insert(a);
        if (op.type != OpType::kValueRemove && op.type != OpType::kMapRemove &&
            op.type != OpType::kListClear) {
          after->values[a].insert(op.value);
        }
      }
    }
    return true;
  };
  if (replay(*workload.LoadPhase(nullptr))) replay(*workload.RunPhase(nullptr));
}

void StateVerdict::Add(const StateVerdict& o) {
  checked += o.checked;
  lost += o.lost;
  resurrected += o.resurrected;
  wrong += o.wrong;
  for (const std::string& e : o.examples) {
    if (examples.size() < 12) examples.push_back(e);
  }
  if (error.ok()) error = o.error;
}

StateVerdict CompareWithModel(const ReferenceModel& model,
                              const PostBarrierWrites& after,
                              int max_parallelism,
                              const BackendForKeyGroup& backend_for) {
  StateVerdict v;
  Classifier classify(&v);
  std::set<ModelAddress> addresses = after.touched;
  for (const auto& [a, value] : model.entries()) addresses.insert(a);
  for (const auto& [a, list] : model.lists()) addresses.insert(a);
  std::string got;
  std::vector<std::string> got_list;
  for (const ModelAddress& a : addresses) {
    const auto& [state, key, ns, uk] = a;
    int kg = AssignToKeyGroup(key, max_parallelism);
    StateBackend* b = backend_for(kg);
    StateKey k{state, kg, key, ns};
    auto post = after.values.find(a);
    auto written_after = [&](const std::string& value) {
      return post != after.values.end() && post->second.count(value) > 0;
    };
    ++v.checked;
    if (IsListState(model, state)) {
      Status s = b->ListGet(k, &got_list);
      if (!s.ok()) {
        v.error = s;
        return v;
      }
      auto it = model.lists().find(a);
      std::vector<std::string> want =
          it == model.lists().end() ? std::vector<std::string>{} : it->second;
      if (got_list == want) continue;
      if (got_list.size() < want.size()) {
        classify.Lost(a);
      } else if (std::equal(want.begin(), want.end(), got_list.begin()) &&
                 std::all_of(got_list.begin() + want.size(), got_list.end(),
                             written_after)) {
        classify.Resurrected(a);
      } else {
        classify.Wrong(a);
      }
      continue;
    }
    bool found = false;
    Status s = IsMapState(model, state) ? b->MapGet(k, uk, &got, &found)
                                        : b->ValueGet(k, &got, &found);
    if (!s.ok()) {
      v.error = s;
      return v;
    }
    auto it = model.entries().find(a);
    bool want_present = it != model.entries().end();
    if (!want_present && !found) continue;
    if (want_present && !found) {
      classify.Lost(a);
    } else if (!want_present) {
      classify.Resurrected(a);
    } else if (got != it->second) {
      if (written_after(got)) {
        classify.Resurrected(a);
      } else {
        classify.Wrong(a);
      }
    }
  }
  return v;
}

}  // namespace statebench

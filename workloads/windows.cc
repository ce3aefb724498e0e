// Event-time windows over list state, as Flink's WindowOperator with an
// EventTimeTrigger and a ProcessWindowFunction (which keeps every element).
//
// tumbling-window / sliding-window (state 0 "window-contents", list):
//   element     list_append(key, window) for each window it falls in; if the
//               window's end is already behind the watermark (a late element
//               within allowed lateness), list_get at once (a late firing)
//   watermark   at window end - 1: list_get (fire); at end - 1 + allowed
//               lateness: list_clear (purge). With no lateness both happen
//               on one timer: list_get then list_clear.
//   too late    an element whose windows are all past end - 1 + lateness is
//               dropped without touching state.
// Namespaces are Flink's TimeWindow bytes: start and end, 8 bytes
// big-endian each.
//
// session-window (state 0 "window-contents", list; state 1
// "merging-window-set", list, Flink's MergingWindowSet persisted per key):
//   element     list_get(merging-window-set); the new window [t, t + gap)
//               merges with every session it touches. Merging sessions that
//               each hold state moves the later ones' elements into the
//               earliest one's state window: list_get(source),
//               list_append(target) per element, list_clear(source). Then
//               list_append(key, state window) and, if the set of sessions
//               changed, list_clear + list_append per session of the
//               merging-window-set.
//   watermark   as above, per session, each timer also reading the
//               merging-window-set; the purge rewrites it.
#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "workloads/flat_map.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

constexpr uint16_t kContents = 0;
constexpr uint16_t kMergingSet = 1;
constexpr int kFire = 1;
constexpr int kPurge = 2;

struct WindowTimer {
  int64_t time;
  uint64_t key_id;
  int64_t start;
  int64_t end;
  int kinds;  // kFire | kPurge
  auto Tie() const { return std::tie(time, key_id, start, end, kinds); }
  bool operator<(const WindowTimer& o) const { return Tie() < o.Tie(); }
  bool operator==(const WindowTimer& o) const { return Tie() == o.Tie(); }
};

class WindowOperator : public Operator {
 public:
  WindowOperator(const WorkloadSpec& spec, bool sliding)
      : Operator(spec),
        size_(spec.op.window_size_ms),
        slide_(sliding ? spec.op.window_slide_ms : spec.op.window_size_ms) {}

  void OnEvent(const Event& e, OpQueue* out) override {
    ++stats_.events;
    const uint64_t selector = e.rng->NextU64();
    const uint32_t size = value_sizes_.Next(e.rng);
    const int64_t last_start = e.time_ms - e.time_ms % slide_;
    bool accepted = false;
    bool behind = false;
    for (int64_t start = last_start; start > e.time_ms - size_;
         start -= slide_) {
      const int64_t end = start + size_;
      const int64_t max_ts = end - 1;
      if (max_ts + allowed_lateness_ms_ <= watermark_) continue;
      accepted = true;
      Op& add = out->Push(OpType::kListAppend, kContents, e.index, e.time_ms);
      add.key.assign(e.key);
      WindowNamespace(start, end, &add.ns);
      FillValue(selector, size, &add.value);
      if (open_.TryInsert({e.key_id, start}).second) {
        RegisterTimers(e.key_id, start, end);
      }
      if (max_ts <= watermark_) {
        behind = true;
        ++stats_.fired;
        Op& get = out->Push(OpType::kListGet, kContents, e.index, e.time_ms);
        get.key.assign(e.key);
        WindowNamespace(start, end, &get.ns);
      }
    }
    if (!accepted) ++stats_.late_dropped;
    if (behind) ++stats_.late_accepted;
  }

  void OnWatermark(int64_t watermark, int64_t now_ms, uint64_t event_index,
                   OpQueue* out) override {
    watermark_ = std::max(watermark_, watermark);
    while (timers_.Due(watermark_)) {
      WindowTimer t = timers_.Pop();
      if (t.kinds & kFire) {
        ++stats_.fired;
        Op& get = out->Push(OpType::kListGet, kContents, event_index, t.time);
        SetKey(t.key_id, &get);
        WindowNamespace(t.start, t.end, &get.ns);
      }
      if (t.kinds & kPurge) {
        ++stats_.purged;
        Op& clear =
            out->Push(OpType::kListClear, kContents, event_index, t.time);
        SetKey(t.key_id, &clear);
        WindowNamespace(t.start, t.end, &clear.ns);
        open_.Erase({t.key_id, t.start});
      }
    }
  }

 private:
  // Flink registers the trigger timer only for windows still ahead of the
  // watermark; the cleanup timer always. Equal timers are one timer.
  void RegisterTimers(uint64_t key_id, int64_t start, int64_t end) {
    const int64_t fire = end - 1;
    const int64_t purge = fire + allowed_lateness_ms_;
    if (fire > watermark_ && fire != purge) {
      timers_.Add({fire, key_id, start, end, kFire});
    }
    int kinds = kPurge | (fire > watermark_ && fire == purge ? kFire : 0);
    timers_.Add({purge, key_id, start, end, kinds});
  }

  int64_t size_;
  int64_t slide_;
  FlatMap<KeyWindow, uint8_t, KeyWindowTraits> open_;  // windows with timers
  TimerQueue<WindowTimer> timers_;
};

class SessionOperator : public Operator {
 public:
  explicit SessionOperator(const WorkloadSpec& spec)
      : Operator(spec), gap_(spec.op.session_gap_ms) {}

  void OnEvent(const Event& e, OpQueue* out) override {
    ++stats_.events;
    const Element element{e.rng->NextU64(), value_sizes_.Next(e.rng)};
    ReadMergingSet(e.key, e.index, e.time_ms, out);
    std::vector<Session>& sessions = sessions_[e.key_id];
    const int64_t start = e.time_ms;
    const int64_t end = e.time_ms + gap_;
    // TimeWindow.intersects: touching windows merge too.
    auto first = std::find_if(sessions.begin(), sessions.end(),
                              [&](const Session& s) { return s.end >= start; });
    auto last = std::find_if(first, sessions.end(),
                             [&](const Session& s) { return s.start > end; });
    bool changed = false;
    Session* target;
    if (first == last) {
      if (end - 1 + allowed_lateness_ms_ <= watermark_) {
        ++stats_.late_dropped;
        return;
      }
      target = &*sessions.insert(first, Session{start, end, start, end, {}});
      changed = true;
    } else {
      target = &*first;
      const int64_t merged_start = std::min(start, first->start);
      const int64_t merged_end = std::max(end, (last - 1)->end);
      for (auto it = first + 1; it != last; ++it) {
        MoveState(*it, target, e.key, e.index, e.time_ms, out);
      }
      if (last - first > 1) ++stats_.merges;
      changed = merged_start != target->start || merged_end != target->end ||
                last - first > 1;
      target->start = merged_start;
      target->end = merged_end;
      sessions.erase(first + 1, last);
    }
    target->elements.push_back(element);
    Op& add = out->Push(OpType::kListAppend, kContents, e.index, e.time_ms);
    add.key.assign(e.key);
    WindowNamespace(target->state_start, target->state_end, &add.ns);
    FillValue(element.selector, element.size, &add.value);
    if (target->end - 1 <= watermark_) {
      ++stats_.late_accepted;
      ++stats_.fired;
      Op& get = out->Push(OpType::kListGet, kContents, e.index, e.time_ms);
      get.key.assign(e.key);
      get.ns = add.ns;
    }
    if (changed) {
      RegisterTimers(e.key_id, *target);
      PersistMergingSet(sessions, e.key, e.index, e.time_ms, out);
    }
  }

  void OnWatermark(int64_t watermark, int64_t now_ms, uint64_t event_index,
                   OpQueue* out) override {
    watermark_ = std::max(watermark_, watermark);
    while (timers_.Due(watermark_)) {
      WindowTimer t = timers_.Pop();
      std::vector<Session>* found = sessions_.Find(t.key_id);
      if (found == nullptr) continue;
      std::vector<Session>& sessions = *found;
      auto s =
          std::find_if(sessions.begin(), sessions.end(), [&](const Session& x) {
            return x.start == t.start && x.end == t.end;
          });
      if (s == sessions.end()) continue;  // deleted by a merge
      MakeKeyInto(t.key_id, key_size_, &key_);
      ReadMergingSet(key_, event_index, t.time, out);
      if (t.kinds & kFire) {
        ++stats_.fired;
        Op& get = out->Push(OpType::kListGet, kContents, event_index, t.time);
        get.key = key_;
        WindowNamespace(s->state_start, s->state_end, &get.ns);
      }
      if (t.kinds & kPurge) {
        ++stats_.purged;
        Op& clear =
            out->Push(OpType::kListClear, kContents, event_index, t.time);
        clear.key = key_;
        WindowNamespace(s->state_start, s->state_end, &clear.ns);
        sessions.erase(s);
        PersistMergingSet(sessions, key_, event_index, t.time, out);
      }
    }
  }

 private:
  struct Element {
    uint64_t selector;
    uint32_t size;
  };
  struct Session {
    int64_t start, end;              // the session window
    int64_t state_start, state_end;  // the namespace its list lives under
    std::vector<Element> elements;   // to replay them when merged away
  };

  void ReadMergingSet(std::string_view key, uint64_t event, int64_t time,
                      OpQueue* out) {
    Op& get = out->Push(OpType::kListGet, kMergingSet, event, time);
    get.key.assign(key);
  }

  // Flink's ListState.update: replace the list.
  void PersistMergingSet(const std::vector<Session>& sessions,
                         std::string_view key, uint64_t event, int64_t time,
                         OpQueue* out) {
    Op& clear = out->Push(OpType::kListClear, kMergingSet, event, time);
    clear.key.assign(key);
    for (const Session& s : sessions) {
      Op& add = out->Push(OpType::kListAppend, kMergingSet, event, time);
      add.key.assign(key);
      WindowNamespace(s.start, s.end, &add.value);
      AppendBigEndian64(s.state_start, &add.value);
      AppendBigEndian64(s.state_end, &add.value);
    }
  }

  // Flink's mergeNamespaces for list state: read the source, append its
  // elements to the target, clear the source.
  void MoveState(Session& from, Session* to, std::string_view key,
                 uint64_t event, int64_t time, OpQueue* out) {
    Op& get = out->Push(OpType::kListGet, kContents, event, time);
    get.key.assign(key);
    WindowNamespace(from.state_start, from.state_end, &get.ns);
    for (const Element& el : from.elements) {
      Op& add = out->Push(OpType::kListAppend, kContents, event, time);
      add.key.assign(key);
      WindowNamespace(to->state_start, to->state_end, &add.ns);
      FillValue(el.selector, el.size, &add.value);
    }
    Op& clear = out->Push(OpType::kListClear, kContents, event, time);
    clear.key.assign(key);
    WindowNamespace(from.state_start, from.state_end, &clear.ns);
    to->elements.insert(to->elements.end(), from.elements.begin(),
                        from.elements.end());
  }

  void RegisterTimers(uint64_t key_id, const Session& s) {
    const int64_t fire = s.end - 1;
    const int64_t purge = fire + allowed_lateness_ms_;
    if (fire > watermark_ && fire != purge) {
      timers_.Add({fire, key_id, s.start, s.end, kFire});
    }
    int kinds = kPurge | (fire > watermark_ && fire == purge ? kFire : 0);
    timers_.Add({purge, key_id, s.start, s.end, kinds});
  }

  int64_t gap_;
  FlatMap<uint64_t, std::vector<Session>, IdTraits> sessions_;
  TimerQueue<WindowTimer> timers_;
  std::string key_;
};

}  // namespace

std::unique_ptr<Operator> MakeWindowOperator(const WorkloadSpec& spec,
                                             bool sliding) {
  return std::make_unique<WindowOperator>(spec, sliding);
}

std::unique_ptr<Operator> MakeSessionOperator(const WorkloadSpec& spec) {
  return std::make_unique<SessionOperator>(spec);
}

}  // namespace statebench

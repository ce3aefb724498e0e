// The one-line progress display on a terminal (DESIGN.md section 5:
// progress goes to stderr, only on a TTY).
//
// Commands feed it from the harness's RunObserver (its progress messages
// and the measured phase's position); it redraws one line in place ("\r", the
// text, clear-to-end) at most kRedrawsPerSecond times a second, and erases it
// before any other message so that lines never interleave. Disabled (not a
// terminal, or --quiet), it writes nothing at all. Thread-safe.
#ifndef STATEBENCH_BENCH_CLI_PROGRESS_H_
#define STATEBENCH_BENCH_CLI_PROGRESS_H_

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>

namespace statebench {

// What the line shows. Negative numbers are unknown and left out.
struct ProgressState {
  std::string phase;    // "load", "measure", "cycle", ...
  std::string backend;  // "rocksdb"
  int step = 0;         // repetition or cycle, 1-based; 0 = none
  int steps = 0;
  double elapsed_s = -1;
  double eta_s = -1;
  double rate = -1;               // per second, of `rate_unit`
  std::string rate_unit = "ops";  // "events", ...
};

// "\r" + "rocksdb  measure  rep 2/3  12.0 s  ETA 8 s  41.2k ops/s" +
// "\x1b[K", cut to `width` columns (0 = no limit) before the escape.
std::string RenderProgressLine(const ProgressState& state, size_t width = 0);

class TerminalProgress {
 public:
  static constexpr int kRedrawsPerSecond = 4;

  // `clock_ns` returns a monotonic time (tests pass a fake one; nullptr
  // uses the steady clock).
  TerminalProgress(std::ostream* err, bool enabled,
                   uint64_t (*clock_ns)() = nullptr);
  ~TerminalProgress();
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  bool enabled() const { return enabled_; }
  // Redraws the line unless the last redraw was less than
  // 1/kRedrawsPerSecond s ago (`force` draws anyway: a phase change).
  void Update(const ProgressState& state, bool force = false);
  // Erases the line (if drawn) and prints `line` + "\n" on its own.
  void Message(const std::string& line);
  // Erases the line, if drawn; call before other output.
  void Clear();

 private:
  void ClearLocked();

  std::mutex mu_;
  std::ostream* err_;
  const bool enabled_;
  uint64_t (*clock_ns_)();
  uint64_t last_draw_ns_ = 0;
  bool drawn_ = false;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_PROGRESS_H_

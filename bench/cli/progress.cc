#include "bench/cli/progress.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace statebench {
namespace {

constexpr char kClearToEnd[] = "\x1b[K";

uint64_t SteadyNowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

std::string Seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else {
    const long total = std::lround(s);
    std::snprintf(buf, sizeof buf, "%ld:%02ld min", total / 60, total % 60);
  }
  return buf;
}

std::string Rate(double r) {
  char buf[32];
  if (r >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", r / 1e6);
  } else if (r >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", r / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", r);
  }
  return buf;
}

}  // namespace

std::string RenderProgressLine(const ProgressState& s, size_t width) {
  std::string text;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty()) text += "  ";
    text += part;
  };
  add(s.backend);
  add(s.phase);
  if (s.step > 0) {
    std::string step = s.phase == "cycle" ? std::string() : std::string("rep ");
    step += std::to_string(s.step);
    if (s.steps > 0) {
      step += '/';
      step += std::to_string(s.steps);
    }
    add(step);
  }
  if (s.elapsed_s >= 0) add(Seconds(s.elapsed_s));
  if (s.eta_s >= 0) add("ETA " + Seconds(s.eta_s));
  if (s.rate >= 0) add(Rate(s.rate) + " " + s.rate_unit + "/s");
  if (width > 0 && text.size() > width) text.resize(width);
  std::string line = "\r";
  line += text;
  line += kClearToEnd;
  return line;
}

TerminalProgress::TerminalProgress(std::ostream* err, bool enabled,
                                   uint64_t (*clock_ns)())
    : err_(err),
      enabled_(enabled && err != nullptr),
      clock_ns_(clock_ns != nullptr ? clock_ns : SteadyNowNs) {}

TerminalProgress::~TerminalProgress() { Clear(); }

void TerminalProgress::Update(const ProgressState& state, bool force) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t now = clock_ns_();
  if (!force && drawn_ &&
      now - last_draw_ns_ < 1000000000ull / kRedrawsPerSecond) {
    return;
  }
  *err_ << RenderProgressLine(state, 120) << std::flush;
  last_draw_ns_ = now;
  drawn_ = true;
}

void TerminalProgress::Message(const std::string& line) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  ClearLocked();
  *err_ << line << "\n" << std::flush;
}

void TerminalProgress::Clear() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  ClearLocked();
}

void TerminalProgress::ClearLocked() {
  if (!drawn_) return;
  *err_ << "\r" << kClearToEnd << std::flush;
  drawn_ = false;
}

}  // namespace statebench

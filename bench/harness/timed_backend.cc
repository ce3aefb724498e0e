#include "bench/harness/timed_backend.h"

namespace statebench {

TimedBackend::TimedBackend(std::unique_ptr<StateBackend> inner,
                           uint32_t sample_every)
    : inner_(std::move(inner)),
      sample_every_(sample_every == 0 ? 1 : sample_every),
      countdown_(sample_every_) {}

void TimedBackend::ResetStats() {
  for (int t = 0; t < kOpTypeCount; ++t) {
    stats_.count[t] = 0;
    if (stats_.latency[t]) stats_.latency[t]->Reset();
    if (stats_.corrected[t]) stats_.corrected[t]->Reset();
  }
  countdown_ = sample_every_;
}

void TimedBackend::RecordSample(int type, uint64_t start, uint64_t end) {
  // Histograms are allocated on first use: a workload touches few op kinds.
  auto& lat = stats_.latency[type];
  if (!lat) lat = std::make_unique<LatencyHistogram>();
  lat->Record(end - start);
  if (intended_start_ns_ != 0) {
    auto& cor = stats_.corrected[type];
    if (!cor) cor = std::make_unique<LatencyHistogram>();
    cor->Record(end > intended_start_ns_ ? end - intended_start_ns_ : 1);
  }
}

}  // namespace statebench

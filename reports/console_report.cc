// The console table: what `statebench compare` prints and
// `statebench report --format console` renders. Narrow enough for ~120
// columns: one block for throughput, one for checkpoints and recovery, one
// per op kind for latency.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

using report::ConsoleSafe;
using report::FindMetric;
using report::FormatBytes;
using report::FormatDurationMs;
using report::FormatDurationNs;
using report::FormatSi;

constexpr size_t kWidth = 120;
constexpr size_t kMaxLabelWidth = 28;

// Display width of UTF-8 text: one column per code point (no wide glyphs
// are produced here).
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

// Bytes of the first `columns` code points of s.
size_t BytesForColumns(std::string_view s, size_t columns) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool starts = (static_cast<unsigned char>(s[i]) & 0xc0) != 0x80;
    if (starts && n++ == columns) return i;
  }
  return s.size();
}

std::string Truncate(const std::string& s, size_t width) {
  if (DisplayWidth(s) <= width) return s;
  return s.substr(0, BytesForColumns(s, width - 1)) + "…";
}

// Greedy word wrap to `width` columns.
std::vector<std::string> Wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    while (DisplayWidth(word) > width) {  // a very long word: hard split
      if (!line.empty()) lines.push_back(std::move(line)), line.clear();
      size_t cut = BytesForColumns(word, width);
      lines.push_back(word.substr(0, cut));
      word = word.substr(cut);
    }
    if (!line.empty() && DisplayWidth(line) + 1 + DisplayWidth(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// A table whose rows either fill every column or, after `span_from`
// cells, carry a free text that wraps over the remaining width (failed
// runs).
class TextTable {
 public:
  TextTable(std::vector<std::string> headers, std::vector<bool> right_align)
      : headers_(std::move(headers)), right_(std::move(right_align)) {}

  void AddRow(std::vector<std::string> cells) {
    rows_.push_back({std::move(cells), ""});
  }
  void AddSpanRow(std::vector<std::string> cells, std::string text) {
    rows_.push_back({std::move(cells), std::move(text)});
  }

  std::string Render() const {
    std::vector<size_t> widths(headers_.size());
    for (size_t c = 0; c < headers_.size(); ++c) {
      widths[c] = DisplayWidth(headers_[c]);
    }
    for (const Row& r : rows_) {
      for (size_t c = 0; c < r.cells.size() && c < widths.size(); ++c) {
        widths[c] = std::max(widths[c], DisplayWidth(r.cells[c]));
      }
    }
    std::string out = Line(headers_, widths);
    for (const Row& r : rows_) {
      if (r.span.empty()) {
        out += Line(r.cells, widths);
        continue;
      }
      std::string lead = Line(r.cells, widths);
      lead.pop_back();  // newline
      size_t indent = DisplayWidth(lead) + 2;
      size_t room = kWidth > indent + 30 ? kWidth - indent : 30;
      std::vector<std::string> lines = Wrap(r.span, room);
      for (size_t i = 0; i < lines.size(); ++i) {
        out +=
            (i == 0 ? lead + "  " : std::string(indent, ' ')) + lines[i] + "\n";
      }
    }
    return out;
  }

 private:
  struct Row {
    std::vector<std::string> cells;
    std::string span;
  };

  std::string Line(const std::vector<std::string>& cells,
                   const std::vector<size_t>& widths) const {
    std::string out;
    for (size_t c = 0; c < cells.size() && c < widths.size(); ++c) {
      size_t pad = widths[c] - std::min(widths[c], DisplayWidth(cells[c]));
      if (c > 0) out += "  ";
      if (right_[c]) out += std::string(pad, ' ');
      out += cells[c];
      if (!right_[c] && c + 1 < cells.size()) out += std::string(pad, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  }

  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<Row> rows_;
};

std::string Median(const RunResult& run, const std::string& metric,
                   std::string (*format)(double)) {
  const MetricSummary* s = FindMetric(run, metric);
  return s != nullptr ? format(s->median) : "-";
}

std::string Ratio(double v) { return report::Sig3(v); }

std::string FailureText(const RunResult& run) {
  std::string phase = run.failure_phase.empty() ? "?" : run.failure_phase;
  return ConsoleSafe("in phase " + phase + ": " + run.failure_reason);
}

std::string ThroughputBlock(const ResultsFile& results,
                            const std::vector<std::string>& labels) {
  TextTable t({"backend", "status", "ops/s", "spread", "events/s", "write amp",
               "space amp", "peak RSS"},
              {false, false, true, true, true, true, true, true});
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    std::string label = Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth);
    if (run.status == RunStatus::kUnsupported) {
      t.AddSpanRow({label, "unsupported"},
                   ConsoleSafe(run.failure_reason.empty()
                                   ? "cannot hold the requested state"
                                   : run.failure_reason));
      continue;
    }
    if (run.status != RunStatus::kOk) {
      t.AddSpanRow({label, "FAILED"}, FailureText(run));
      continue;
    }
    const MetricSummary* ops = FindMetric(run, "throughput.ops_per_s");
    t.AddRow({label, report::StatusText(run), ops ? FormatSi(ops->median) : "-",
              ops ? report::FormatSpread(*ops) : "",
              Median(run, "throughput.events_per_s", FormatSi),
              Median(run, "write_amplification", Ratio),
              Median(run, "space_amplification", Ratio),
              Median(run, "memory.peak_rss_bytes", FormatBytes)});
  }
  return "THROUGHPUT AND AMPLIFICATION (median of repetitions)\n" + t.Render();
}

std::string RecoveryCell(const RunResult& run, std::string_view kind) {
  auto r = report::Recovery(run, kind);
  if (!r) return "-";
  std::string cell = FormatDurationMs(r->duration_ms.median);
  for (RestoreVerdict v : r->verdicts) {
    if (report::NotableVerdict(v)) {
      cell += ' ';
      cell += ToString(v);
    }
  }
  return cell;
}

std::string CheckpointBlock(const ResultsFile& results,
                            const std::vector<std::string>& labels) {
  TextTable t({"backend", "ckpts ok/failed", "end-to-end", "sync", "async",
               "size", "full size", "restore", "rescale"},
              {false, true, true, true, true, true, true, true, true});
  // The tails, the start delay and how the restores ran: a table of their
  // own, so that each stays within a terminal's width.
  TextTable tails({"backend", "end-to-end p50/p90/max", "> interval",
                   "start delay", "size p50/p90/max"},
                  {false, true, true, true, true});
  TextTable modes({"backend", "restore", "rescale"}, {false, false, false});
  bool any_mode = false;
  bool any = false;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    auto [ok, failed] = report::CheckpointCounts(run);
    auto restore = report::Recovery(run, "restore");
    auto rescale = report::Recovery(run, "rescale");
    if (ok + failed == 0 && !restore && !rescale) continue;
    any = true;
    const std::string label = Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth);
    t.AddRow({label, fmt::format("{}/{}", ok, failed),
              Median(run, "checkpoint.median_end_to_end_ms", FormatDurationMs),
              Median(run, "checkpoint.median_sync_ms", FormatDurationMs),
              Median(run, "checkpoint.median_async_ms", FormatDurationMs),
              Median(run, "checkpoint.median_size_bytes", FormatBytes),
              Median(run, "checkpoint.median_full_size_bytes", FormatBytes),
              RecoveryCell(run, "restore"), RecoveryCell(run, "rescale")});
    auto detail = [](const std::optional<report::RecoveryStats>& r) {
      std::string d = r ? report::RecoveryDetail(*r) : "";
      return d.empty() ? std::string("-") : ConsoleSafe(d);
    };
    tails.AddRow(
        {label, report::CheckpointTail(run, "end_to_end_ms", FormatDurationMs),
         report::OverIntervalCell(run),
         Median(run, "checkpoint.median_start_delay_ms", FormatDurationMs),
         report::CheckpointTail(run, "size_bytes", FormatBytes)});
    if (detail(restore) != "-" || detail(rescale) != "-") {
      any_mode = true;
      modes.AddRow({label, detail(restore), detail(rescale)});
    }
  }
  if (!any) return "";
  return "CHECKPOINTS AND RECOVERY (medians)\n" + t.Render() +
         "\nCHECKPOINT TAILS (p50/p90/max over checkpoints; "
         "> interval: share slower than the interval)\n" +
         tails.Render() +
         (any_mode ? "\nRESTORE MODES (how the state was made available, "
                     "state restored)\n" +
                         modes.Render()
                   : "");
}

// One wrapped line per run: where its reads were served (so that a read
// answered from a local buffer is never taken for a server round trip) and
// whether its checkpoints survive a crash, by the server's settings.
std::string ReadsAndDurabilityBlock(const ResultsFile& results,
                                    const std::vector<std::string>& labels) {
  if (!report::HasReadsOrDurability(results)) return "";
  std::string out;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (run.status != RunStatus::kOk) continue;
    std::string reads = report::ReadSourcesText(run);
    std::string text = "reads: " + (reads.empty() ? "-" : reads) +
                       "; durable: " + report::DurabilityText(run);
    std::string lead =
        "  " + Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth) + ": ";
    std::vector<std::string> lines =
        Wrap(ConsoleSafe(text), kWidth - DisplayWidth(lead));
    for (size_t l = 0; l < lines.size(); ++l) {
      out += (l == 0 ? lead : std::string(DisplayWidth(lead), ' ')) + lines[l] +
             "\n";
    }
  }
  return out.empty() ? "" : "READS SERVED FROM, DURABILITY\n" + out;
}

std::string LatencyBlock(const ResultsFile& results,
                         const std::vector<std::string>& labels,
                         const std::string& op, bool corrected) {
  TextTable t(
      {"backend", "p50", "p90", "p99", "p99.9", "p99.99", "max", "samples"},
      {false, true, true, true, true, true, true, true});
  const std::string prefix =
      (corrected ? "latency_corrected." : "latency.") + op + ".";
  bool any = false;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (!report::RunHasOp(run, op)) continue;
    if (corrected && FindMetric(run, prefix + "p50_ns") == nullptr) continue;
    any = true;
    uint64_t samples = 0;
    for (const auto& [v, c] :
         report::MergedHistogram(run, op, corrected).buckets) {
      samples += c;
    }
    t.AddRow({Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth),
              Median(run, prefix + "p50_ns", FormatDurationNs),
              Median(run, prefix + "p90_ns", FormatDurationNs),
              Median(run, prefix + "p99_ns", FormatDurationNs),
              Median(run, prefix + "p999_ns", FormatDurationNs),
              Median(run, prefix + "p9999_ns", FormatDurationNs),
              Median(run, prefix + "max_ns", FormatDurationNs),
              report::FormatCount(static_cast<double>(samples))});
  }
  if (!any) return "";
  return "LATENCY " + ConsoleSafe(op) +
         (corrected ? " (from intended start; coordinated omission corrected)"
                    : " (service time; all samples of all repetitions)") +
         "\n" + t.Render();
}

std::string RecommendationBlock(const ResultsFile& results) {
  auto view = report::ReadRecommendation(results.recommendation);
  if (!view) return "";
  std::string out =
      "RECOMMENDATION" +
      (view->profile.empty() ? ""
                             : " for profile " + ConsoleSafe(view->profile)) +
      "\n";
  if (!view->summary.empty()) {
    for (const std::string& l : Wrap(ConsoleSafe(view->summary), kWidth - 2)) {
      out += "  " + l + "\n";
    }
  }
  for (size_t i = 0; i < view->ranking.size(); ++i) {
    const report::RankingEntry& e = view->ranking[i];
    out += fmt::format("  {}. {}{}{}\n", i + 1,
                       Truncate(ConsoleSafe(e.backend), kMaxLabelWidth),
                       e.score ? " score " + report::Sig3(*e.score) : "",
                       e.vetoed ? " (vetoed)" : "");
    for (const std::string& reason : e.reasons) {
      std::vector<std::string> lines = Wrap(ConsoleSafe(reason), kWidth - 8);
      for (size_t l = 0; l < lines.size(); ++l) {
        out += (l == 0 ? "     - " : "       ") + lines[l] + "\n";
      }
    }
  }
  if (!view->what_would_change.empty()) {
    for (const std::string& l :
         Wrap(ConsoleSafe("What would change the answer: " +
                          view->what_would_change),
              kWidth - 2)) {
      out += "  " + l + "\n";
    }
  }
  return out;
}

std::string VerificationBlock(const ResultsFile& results,
                              const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (run.verification.is_null()) continue;
    std::string fields;
    for (const auto& [k, v] : report::VerificationFields(run.verification)) {
      if (!fields.empty()) fields += ", ";
      fields += k + "=" + v;
    }
    std::string lead =
        "  " + Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth) + ": ";
    std::vector<std::string> lines =
        Wrap(ConsoleSafe(fields), kWidth - DisplayWidth(lead));
    for (size_t l = 0; l < lines.size(); ++l) {
      out += (l == 0 ? lead : std::string(DisplayWidth(lead), ' ')) + lines[l] +
             "\n";
    }
  }
  return out.empty() ? "" : "VERIFICATION\n" + out;
}

}  // namespace

std::string RenderConsole(const ResultsFile& results) {
  std::vector<std::string> labels = report::RunLabels(results);
  std::vector<std::string> blocks;
  blocks.push_back("statebench · " + ConsoleSafe(report::Headline(results)) +
                   "\n");
  if (results.runs.empty()) {
    blocks.push_back("No runs in this results file.\n");
  } else {
    blocks.push_back(ThroughputBlock(results, labels));
    blocks.push_back(CheckpointBlock(results, labels));
    blocks.push_back(ReadsAndDurabilityBlock(results, labels));
    bool any_latency = false;
    for (const std::string& op : report::OpKinds(results)) {
      std::string block = LatencyBlock(results, labels, op, false);
      any_latency = any_latency || !block.empty();
      blocks.push_back(std::move(block));
      blocks.push_back(LatencyBlock(results, labels, op, true));
    }
    if (any_latency) {
      blocks.push_back(
          "Latency: percentiles, min, max and mean are of all samples of all "
          "successful measured\nrepetitions (their merged histogram); the "
          "per-repetition ones are in the results' repetitions[].\n");
    }
  }
  blocks.push_back(VerificationBlock(results, labels));
  blocks.push_back(RecommendationBlock(results));
  std::string warnings;
  for (const std::string& w : results.context.warnings) {
    warnings += "  " + ConsoleSafe(w) + "\n";
  }
  for (size_t i = 0; i < results.runs.size(); ++i) {
    for (const std::string& w : report::WarningsOf(results.runs[i])) {
      std::string lead =
          "  " + Truncate(ConsoleSafe(labels[i]), kMaxLabelWidth) + ": ";
      std::vector<std::string> lines =
          Wrap(ConsoleSafe(w), kWidth - DisplayWidth(lead));
      for (size_t l = 0; l < lines.size(); ++l) {
        warnings += (l == 0 ? lead : std::string(DisplayWidth(lead), ' ')) +
                    lines[l] + "\n";
      }
    }
  }
  if (!warnings.empty()) blocks.push_back("WARNINGS\n" + warnings);
  std::string out;
  for (const std::string& b : blocks) {
    if (b.empty()) continue;
    out += (out.empty() ? "" : "\n") + b;
  }
  return out;
}

}  // namespace statebench

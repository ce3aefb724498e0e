// GitHub-flavoured Markdown: the HTML report's content as tables, short
// enough for a PR comment (GitHub caps those at 65536 characters) or
// $GITHUB_STEP_SUMMARY. Every text from the results file is escaped.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

using report::FindMetric;
using report::FormatBytes;
using report::FormatDurationMs;
using report::FormatDurationNs;
using report::MarkdownEscape;

// Above this the optional sections are dropped, then the core tables'
// last rows; each table says how many of its rows it left out, and a last
// line lists everything that was.
constexpr size_t kMaxBytes = 60 * 1024;
// Room kept for that last line.
constexpr size_t kNoteBytes = 1024;

std::string Row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + c + " |";
  return out + "\n";
}

// `align` per column: 'l' or 'r'.
std::string Header(const std::vector<std::string>& cells,
                   const std::string& align) {
  std::string sep = "|";
  for (size_t i = 0; i < cells.size(); ++i) {
    sep += i < align.size() && align[i] == 'r' ? " --: |" : " --- |";
  }
  return Row(cells) + sep + "\n";
}

std::string Median(const RunResult& run, const std::string& metric,
                   std::string (*format)(double)) {
  const MetricSummary* s = FindMetric(run, metric);
  return s != nullptr ? format(s->median) : "-";
}

// A table section that can give up its last rows when the report is too
// long. Empty when it has no head.
struct Block {
  std::string name;  // what its rows are, for the notes: "latency rows"
  std::string head;  // title, text and table header
  std::vector<std::string> rows;
  std::string tail;  // after the table
  size_t left_out = 0;

  std::string Note() const {
    return fmt::format("_{} of {} {} left out to stay under 60 KiB._\n",
                       left_out, rows.size() + left_out, name);
  }
  std::string Text() const {
    if (head.empty()) return "";
    std::string out = head;
    for (const std::string& r : rows) out += r;
    return out + (left_out > 0 ? "\n" + Note() : "") + tail;
  }
  // Drops rows from the end until the block is `excess` bytes shorter,
  // its note included, or has no row left.
  void Trim(size_t excess) {
    const size_t before = Text().size();
    size_t rows_bytes = 0;
    for (const std::string& r : rows) rows_bytes += r.size();
    auto size = [&] {
      return head.size() + rows_bytes + tail.size() +
             (left_out > 0 ? 1 + Note().size() : 0);
    };
    while (!rows.empty() && size() + excess > before) {
      rows_bytes -= rows.back().size();
      rows.pop_back();
      ++left_out;
    }
  }
};

std::string RecoveryCell(const RunResult& run, std::string_view kind) {
  auto r = report::Recovery(run, kind);
  if (!r) return "-";
  std::string cell = FormatDurationMs(r->duration_ms.median);
  if (std::string d = report::RecoveryDetail(*r); !d.empty()) {
    cell += " (" + MarkdownEscape(d) + ")";
  }
  for (RestoreVerdict v : r->verdicts) {
    if (report::NotableVerdict(v)) {
      cell += " (" + MarkdownEscape(ToString(v)) + ")";
    }
  }
  return cell;
}

// The run-wide configuration, then each run's effective backend
// configuration (defaults included) when the results carry it.
std::vector<std::pair<std::string, std::string>> ConfigurationRows(
    const ResultsFile& results, const std::vector<std::string>& labels) {
  auto rows = report::FlattenScalars(results.config);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    for (const auto& [k, v] : results.runs[i].effective_config) {
      rows.emplace_back(labels[i] + ": " + k, v);
    }
  }
  return rows;
}

Block Recommendation(const ResultsFile& results) {
  Block block{"recommendation rows", "", {}, "", 0};
  auto view = report::ReadRecommendation(results.recommendation);
  if (!view) return block;
  std::string out = "### Recommendation\n\n";
  if (!view->profile.empty()) {
    out += "For the requirements profile **" + MarkdownEscape(view->profile) +
           "**.\n\n";
  }
  if (!view->summary.empty()) out += MarkdownEscape(view->summary) + "\n\n";
  std::string tail;
  if (!view->what_would_change.empty()) {
    tail += "**What would change the answer:** " +
            MarkdownEscape(view->what_would_change) + "\n\n";
  }
  for (const std::string& n : view->notes) {
    tail += "- " + MarkdownEscape(n) + "\n";
  }
  if (!view->notes.empty()) tail += "\n";
  if (view->ranking.empty()) {
    block.head = out + tail;
    return block;
  }
  block.head = out + Header({"#", "backend", "score", "", "reasons"}, "rlrll");
  block.tail = "\n" + tail;
  for (size_t i = 0; i < view->ranking.size(); ++i) {
    const report::RankingEntry& e = view->ranking[i];
    std::string reasons;
    for (const std::string& r : e.reasons) {
      reasons += (reasons.empty() ? "" : "<br>") + MarkdownEscape(r);
    }
    block.rows.push_back(
        Row({std::to_string(i + 1), "**" + MarkdownEscape(e.backend) + "**",
             e.score ? report::Sig3(*e.score) : "-", e.vetoed ? "vetoed" : "",
             reasons}));
  }
  return block;
}

Block Comparison(const ResultsFile& results,
                 const std::vector<std::string>& labels) {
  Block block{"comparison rows", "### Comparison\n\n", {}, "\n", 0};
  block.head += Header(
      {"backend", "status", "ops/s", "spread", "write amp", "space amp",
       "ckpts ok/failed", "ckpt e2e p50/p90/max", "> interval", "start delay",
       "sync", "async", "ckpt size p50/p90/max", "restore", "rescale"},
      "llrrrrrrrrrrrrr");
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    std::string label = MarkdownEscape(labels[i]);
    if (run.status == RunStatus::kUnsupported) {
      block.rows.push_back(
          Row({label, "unsupported: " + MarkdownEscape(run.failure_reason), "",
               "", "", "", "", "", "", "", "", "", ""}));
      continue;
    }
    if (run.status != RunStatus::kOk) {
      block.rows.push_back(
          Row({label,
               "**failed** in phase " + MarkdownEscape(run.failure_phase) +
                   ": " + MarkdownEscape(run.failure_reason),
               "", "", "", "", "", "", "", "", "", "", "", "", ""}));
      continue;
    }
    const MetricSummary* ops = FindMetric(run, "throughput.ops_per_s");
    auto [ok, failed] = report::CheckpointCounts(run);
    block.rows.push_back(
        Row({label, MarkdownEscape(report::StatusText(run)),
             ops ? report::FormatSi(ops->median) : "-",
             ops ? report::FormatSpread(*ops) : "",
             Median(run, "write_amplification", report::Sig3),
             Median(run, "space_amplification", report::Sig3),
             fmt::format("{}/{}", ok, failed),
             report::CheckpointTail(run, "end_to_end_ms", FormatDurationMs),
             report::OverIntervalCell(run),
             Median(run, "checkpoint.median_start_delay_ms", FormatDurationMs),
             Median(run, "checkpoint.median_sync_ms", FormatDurationMs),
             Median(run, "checkpoint.median_async_ms", FormatDurationMs),
             report::CheckpointTail(run, "size_bytes", FormatBytes),
             RecoveryCell(run, "restore"), RecoveryCell(run, "rescale")}));
  }
  return block;
}

Block SnapshotCodecTable(const ResultsFile& results,
                         const std::vector<std::string>& labels) {
  Block block{"compression and encryption rows", "", {}, "\n", 0};
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    auto codecs = report::RunSnapshotCodecs(run);
    if (run.status != RunStatus::kOk || !codecs) continue;
    std::vector<std::string> cells = {MarkdownEscape(labels[i]),
                                      MarkdownEscape(codecs->compression),
                                      MarkdownEscape(codecs->encryption)};
    for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
      cells.push_back(Median(run, c.metric, c.format));
    }
    block.rows.push_back(Row(cells));
  }
  if (block.rows.empty()) return block;
  std::vector<std::string> head = {"backend", "compression", "encryption"};
  std::string align = "lll";
  for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
    head.push_back(c.heading);
    align += 'r';
  }
  block.head =
      "### Checkpoint compression and encryption\n\n" + Header(head, align);
  return block;
}

Block Latency(const ResultsFile& results,
              const std::vector<std::string>& labels, bool corrected) {
  const char* prefix = corrected ? "latency_corrected." : "latency.";
  Block block{
      corrected ? "corrected latency rows" : "latency rows", "", {}, "\n", 0};
  for (const std::string& op : report::OpKinds(results)) {
    for (size_t i = 0; i < results.runs.size(); ++i) {
      const RunResult& run = results.runs[i];
      std::string p = prefix + op + ".";
      if (FindMetric(run, p + "p50_ns") == nullptr) continue;
      block.rows.push_back(
          Row({report::MarkdownCode(op), MarkdownEscape(labels[i]),
               Median(run, p + "p50_ns", FormatDurationNs),
               Median(run, p + "p90_ns", FormatDurationNs),
               Median(run, p + "p99_ns", FormatDurationNs),
               Median(run, p + "p999_ns", FormatDurationNs),
               Median(run, p + "p9999_ns", FormatDurationNs),
               Median(run, p + "max_ns", FormatDurationNs)}));
    }
  }
  if (block.rows.empty()) return block;
  block.head =
      std::string(corrected ? "### Latency from intended start (open loop)\n\n"
                            : "### Latency (service time)\n\n") +
      std::string(kLatencyDefinition) + ".\n\n" +
      Header({"op", "backend", "p50", "p90", "p99", "p99.9", "p99.99", "max"},
             "llrrrrrr");
  return block;
}

Block Verification(const ResultsFile& results,
                   const std::vector<std::string>& labels) {
  Block block{"verification rows", "", {}, "\n", 0};
  std::vector<std::string> columns;
  std::vector<std::vector<std::pair<std::string, std::string>>> fields;
  for (const RunResult& run : results.runs) {
    fields.push_back(report::VerificationFields(run.verification));
    for (const auto& [k, v] : fields.back()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) {
        columns.push_back(k);
      }
    }
  }
  if (columns.empty()) return block;
  std::vector<std::string> head = {"backend"};
  for (const std::string& c : columns) head.push_back(MarkdownEscape(c));
  block.head = "### Verification\n\n" + Header(head, "l");
  for (size_t i = 0; i < results.runs.size(); ++i) {
    if (fields[i].empty()) continue;
    std::vector<std::string> cells = {MarkdownEscape(labels[i])};
    for (const std::string& c : columns) {
      std::string value = "-";
      for (const auto& [k, v] : fields[i]) {
        if (k == c) value = MarkdownEscape(v);
      }
      cells.push_back(value);
    }
    block.rows.push_back(Row(cells));
  }
  return block;
}

// Where each run's reads were served and whether its checkpoints survive
// a crash of the server, by the settings the server reported.
Block ReadsAndDurability(const ResultsFile& results,
                         const std::vector<std::string>& labels) {
  Block block{"reads and durability rows", "", {}, "\n", 0};
  if (!report::HasReadsOrDurability(results)) return block;
  block.head = "### Reads served from, durability\n\n" +
               Header({"backend", "reads served from", "durable"}, "lll");
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (run.status != RunStatus::kOk) continue;
    std::string reads = report::ReadSourcesText(run);
    block.rows.push_back(Row({MarkdownEscape(labels[i]),
                              reads.empty() ? "-" : MarkdownEscape(reads),
                              MarkdownEscape(report::DurabilityText(run))}));
  }
  return block;
}

std::string Details(
    const std::string& summary,
    const std::vector<std::pair<std::string, std::string>>& rows) {
  if (rows.empty()) return "";
  std::string out = "<details><summary>" + summary + "</summary>\n\n" +
                    Header({"name", "value"}, "ll");
  for (const auto& [k, v] : rows) {
    out += Row({MarkdownEscape(k), MarkdownEscape(v)});
  }
  return out + "\n</details>\n\n";
}

// What changed between merged results files, per configuration both hold.
Block Changes(const ResultsFile& results) {
  Block block{"change rows", "", {}, "", 0};
  const std::vector<report::RunChange> changes =
      report::ChangesBetweenSources(results);
  if (changes.empty()) return block;
  block.head =
      "### Change between the files\n\nMedians over repetitions; a change "
      "here is not a significance test (use `statebench gate` for that).\n\n" +
      Header({"Run", "Metric", "From", "To", "Change"}, "llrrr");
  for (const report::RunChange& c : changes) {
    std::string change = "-";
    if (c.from != 0) {
      const double pct = (c.to - c.from) / std::fabs(c.from) * 100;
      const bool better = c.higher_is_better ? pct > 0 : pct < 0;
      change = fmt::format("{:+.1f}%{}", pct,
                           std::fabs(pct) < 0.05 ? ""
                           : better              ? " (better)"
                                                 : " (worse)");
    }
    block.rows.push_back(
        Row({MarkdownEscape(c.run), report::MarkdownCode(c.metric),
             MarkdownEscape(report::FormatMetricValue(c.from, c.unit) + " [" +
                            c.from_source + "]"),
             MarkdownEscape(report::FormatMetricValue(c.to, c.unit) + " [" +
                            c.to_source + "]"),
             change}));
  }
  block.tail = "\n";
  return block;
}

// The state per subtask the recommendation planned, where the curves
// above are read; "" without a recommendation.
std::string PlannedLine(const ResultsFile& results) {
  std::optional<report::PlannedSize> p =
      report::PlannedStatePerSubtask(results);
  if (!p) return "";
  return "The recommendation plans " + FormatBytes(p->bytes) +
         " of state per subtask for " + MarkdownEscape(p->backend) +
         ": its figures are these curves read there.\n\n";
}

// Each configuration's cache curve: throughput against block cache
// relative to state, and whether the throughput model is read through it.
std::string CacheCurveLines(const ResultsFile& results) {
  std::string out;
  for (const auto& [label, metrics] : results.curves["backends"].items()) {
    if (!metrics.is_object() || !metrics.contains("throughput.ops_per_s")) {
      continue;
    }
    const nlohmann::json& rate = metrics["throughput.ops_per_s"];
    if (!rate.contains("cache") || !rate["cache"].is_object()) continue;
    const nlohmann::json& c = rate["cache"];
    std::string points;
    for (const nlohmann::json& p : c.value("points", nlohmann::json::array())) {
      if (!p.is_object()) continue;
      points += fmt::format(
          "{}cache {:.3g}x the state: {} ({:.0f}% of the largest cache's, "
          "{:.0f}% of reads from memory)",
          points.empty() ? "" : "; ", p.value("ratio", 0.0),
          report::FormatMetricValue(
              p.value("ops_per_s", 0.0),
              DescribeMetric("throughput.ops_per_s").unit),
          100 * p.value("relative_throughput", 0.0),
          100 * p.value("memory_share", 0.0));
    }
    out += "**" + MarkdownEscape(label) + " cache curve** at " +
           FormatBytes(c.value("state_bytes_per_subtask", 0.0)) +
           " per subtask: " + MarkdownEscape(points) + ". " +
           (c.value("applied", true)
                ? "The throughput model is read through it at the ladder's " +
                      FormatBytes(c.value("block_cache_bytes", 0.0)) +
                      " block cache."
                : MarkdownEscape(c.value("reason", std::string()))) +
           "\n\n";
  }
  return out;
}

// A sweep's cost models: per backend and metric the sizes measured, the
// model chosen on held-out error, and its forecast of the largest size
// from the others (see docs/sweep.md).
Block Curves(const ResultsFile& results) {
  Block block{"cost model rows", "", {}, "\n", 0};
  if (!results.curves.is_object() || !results.curves.contains("backends")) {
    return block;
  }
  block.head =
      "### Cost models against state per subtask\n\nEach metric over the "
      "sizes measured; the model is chosen on held-out error (leave-one-out "
      "and forward); the last column forecasts the largest size from the "
      "others, with the 90% interval.\n\n" +
      PlannedLine(results) + CacheCurveLines(results) +
      Header({"backend", "metric",
              "measured (smallest to largest per "
              "subtask)",
              "model", "held-out error", "largest: forecast"},
             "llllrl");
  for (const auto& [label, metrics] : results.curves["backends"].items()) {
    for (const std::string& metric : report::CurveMetricsShown()) {
      if (!metrics.contains(metric)) continue;
      const nlohmann::json& c = metrics[metric];
      const MetricInfo info = DescribeMetric(metric);
      std::string measured;
      if (c.contains("points") && c["points"].is_array()) {
        for (const nlohmann::json& p : c["points"]) {
          if (!p.is_array() || p.size() != 2) continue;
          measured += (measured.empty() ? "" : ", ") +
                      FormatBytes(p[0].get<double>()) + ": " +
                      report::FormatMetricValue(p[1].get<double>(), info.unit);
        }
      }
      std::string model = "-", holdout = "-";
      if (c.contains("model")) {
        model = c["model"].value("describe", std::string("-"));
        if (c["model"].contains("holdout_error")) {
          holdout = fmt::format(
              "{:.0f}%", 100 * c["model"]["holdout_error"].get<double>());
        }
      } else if (c.contains("model_error")) {
        model = c.value("model_error", std::string("-"));
      }
      std::string check = "-";
      if (c.contains("forecast_check")) {
        const nlohmann::json& f = c["forecast_check"];
        check = fmt::format(
            "{} vs {} measured ({:+.0f}%, {} [{}, {}])",
            report::FormatMetricValue(f.value("forecast", 0.0), info.unit),
            report::FormatMetricValue(f.value("measured", 0.0), info.unit),
            100 * f.value("relative_error", 0.0),
            f.value("inside_interval", false) ? "inside" : "outside",
            report::FormatMetricValue(f.value("low", 0.0), info.unit),
            report::FormatMetricValue(f.value("high", 0.0), info.unit));
      }
      block.rows.push_back(
          Row({MarkdownEscape(label), report::MarkdownCode(metric),
               MarkdownEscape(measured), MarkdownEscape(model), holdout,
               MarkdownEscape(check)}));
    }
  }
  return block;
}

// The title, the headline and every warning: never left out.
std::string MarkdownHead(const ResultsFile& results,
                         const std::vector<std::string>& labels) {
  std::string head = "## statebench results\n\n" +
                     MarkdownEscape(report::Headline(results)) + "\n\n";
  for (const std::string& w : results.context.warnings) {
    head += "> **Warning:** " + MarkdownEscape(w) + "\n\n";
  }
  for (size_t i = 0; i < results.runs.size(); ++i) {
    for (const std::string& w : report::WarningsOf(results.runs[i])) {
      head += "> **Warning:** " + MarkdownEscape(labels[i]) + ": " +
              MarkdownEscape(w) + "\n\n";
    }
  }
  return head;
}

}  // namespace

std::string RenderMarkdown(const ResultsFile& results) {
  std::vector<std::string> labels = report::RunLabels(results);
  const std::string head = MarkdownHead(results, labels);
  Block recommendation = Recommendation(results);
  Block verification = Verification(results, labels);
  Block comparison = Comparison(results, labels);
  Block codecs = SnapshotCodecTable(results, labels);
  Block reads = ReadsAndDurability(results, labels);
  Block latency = Latency(results, labels, false);
  Block changes = Changes(results);
  Block curves = Curves(results);
  const std::vector<const Block*> core = {
      &recommendation, &verification, &comparison, &curves,
      &changes,        &codecs,       &reads,      &latency};
  // Optional sections, in the order they are given up when too long.
  std::vector<std::pair<std::string, std::string>> optional = {
      {"configuration",
       Details("Effective configuration", ConfigurationRows(results, labels))},
      {"environment",
       Details("Environment", report::ContextRows(results.context))},
      {"corrected latency", Latency(results, labels, true).Text()},
  };
  auto size = [&] {
    size_t n = head.size();
    for (const Block* b : core) n += b->Text().size();
    for (const auto& [name, text] : optional) n += text.size();
    return n;
  };
  const size_t budget = kMaxBytes - kNoteBytes;
  std::vector<std::string> dropped;
  for (auto& [name, text] : optional) {
    if (size() <= budget) break;
    if (text.empty()) continue;
    text.clear();
    dropped.push_back(name);
  }
  // Then the core tables give up rows, least essential table first.
  for (Block* b : {&latency, &reads, &codecs, &changes, &curves, &verification,
                   &comparison, &recommendation}) {
    const size_t n = size();
    if (n <= budget) break;
    b->Trim(n - budget);
    if (b->left_out > 0) {
      dropped.push_back(fmt::format("{} of {} {}", b->left_out,
                                    b->rows.size() + b->left_out, b->name));
    }
  }
  std::string out = head;
  for (const Block* b : core) out += b->Text();
  out += optional[2].second + optional[1].second + optional[0].second;
  if (out.size() > budget) {
    // Still too long: the head (warnings) or a single row is huge. Cut at
    // a line boundary.
    out.erase(out.rfind('\n', budget) + 1);
    dropped.push_back("everything after this line");
  }
  if (!dropped.empty()) {
    // A blank line first: right after a table row, a paragraph line would
    // become one more row.
    if (!out.ends_with("\n\n")) out += "\n";
    out += fmt::format(
        "_Left out to stay under 60 KiB: {} (see the HTML report)._\n",
        fmt::join(dropped, ", "));
  }
  return out;
}

}  // namespace statebench

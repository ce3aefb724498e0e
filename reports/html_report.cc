// The HTML report: one self-contained page. Inline CSS and SVG only; no
// script runs (the raw results ride along in a JSON data block), and the
// Content-Security-Policy forbids every external load, so the file can be
// opened from a CI artifact or an e-mail without reaching the network.
// Every string from the results file goes through HtmlEscape.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "reports/html_charts.h"
#include "reports/html_style.h"
#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

using report::FindMetric;
using report::FormatBytes;
using report::FormatDurationMs;
using report::FormatDurationNs;
using report::HtmlEscape;

std::string Td(const std::string& escaped, const char* cls = nullptr) {
  return cls ? fmt::format("<td class=\"{}\">{}</td>", cls, escaped)
             : "<td>" + escaped + "</td>";
}
std::string Num(const std::string& text) { return Td(HtmlEscape(text), "num"); }

std::string Median(const RunResult& run, const std::string& metric,
                   std::string (*format)(double)) {
  const MetricSummary* s = FindMetric(run, metric);
  return Num(s != nullptr ? format(s->median) : "-");
}

std::string Swatch(size_t run_index) {
  return fmt::format("<span class=\"sw k{}\"></span>", run_index % 8);
}

// Classifies verdict-like words for colour; anything else stays plain.
const char* VerdictClass(const std::string& v) {
  static const char* kGood[] = {"verified", "exactly-once", "exactly_once",
                                "pass",     "passed",       "ok"};
  static const char* kBad[] = {"mismatch", "failed", "fail", "not_exactly_once",
                               "not-exactly-once"};
  for (const char* g : kGood) {
    if (v == g) return "good";
  }
  for (const char* b : kBad) {
    if (v == b) return "bad";
  }
  return nullptr;
}

// A count of lost, resurrected or wrong entries is good at 0, bad above.
const char* VerificationClass(const std::string& field, const std::string& v) {
  for (const char* loss :
       {"lost", "resurrected", "wrong", "missing", "mismatch", "extra"}) {
    if (field.find(loss) == std::string::npos) continue;
    if (v == "0") return "good";
    if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
      return "bad";
    }
  }
  return VerdictClass(v);
}

std::string Header(const ResultsFile& r) {
  const Context& c = r.context;
  std::string meta;
  for (const std::string& part :
       {c.build_type.empty() ? "" : c.build_type + " build",
        c.host.empty() ? "" : "host " + c.host, c.started_at,
        c.statebench_version.empty()
            ? ""
            : "statebench " + c.statebench_version +
                  (c.git_sha.empty() ? "" : " (" + c.git_sha + ")")}) {
    if (!part.empty()) meta += (meta.empty() ? "" : " · ") + HtmlEscape(part);
  }
  std::string out = "<header><h1>statebench report</h1><p class=\"sub\">" +
                    HtmlEscape(report::Headline(r)) + "</p><p class=\"meta\">" +
                    meta + "</p>";
  for (const std::string& w : c.warnings) {
    out +=
        "<p class=\"warn\"><strong>Warning:</strong> " + HtmlEscape(w) + "</p>";
  }
  const std::vector<std::string> labels = report::RunLabels(r);
  for (size_t i = 0; i < r.runs.size(); ++i) {
    for (const std::string& w : report::WarningsOf(r.runs[i])) {
      out += "<p class=\"warn\"><strong>Warning:</strong> " +
             HtmlEscape(labels[i] + ": " + w) + "</p>";
    }
  }
  return out + "</header>\n";
}

std::string List(const std::vector<std::string>& items, const char* cls) {
  if (items.empty()) return "";
  std::string out = fmt::format("<ul class=\"{}\">", cls);
  for (const std::string& i : items) out += "<li>" + HtmlEscape(i) + "</li>";
  return out + "</ul>";
}

std::string RankingTable(const report::RecommendationView& view) {
  bool capacity = false;
  for (const report::RankingEntry& e : view.ranking) {
    capacity = capacity || !e.capacity.empty();
  }
  std::string out =
      "<div class=\"scroll\"><table><thead><tr><th>#</th><th>backend</th>"
      "<th class=\"num\">score</th><th></th><th>reasons</th>" +
      std::string(capacity ? "<th>capacity</th>" : "") + "</tr></thead><tbody>";
  bool recommended = false;
  for (size_t i = 0; i < view.ranking.size(); ++i) {
    const report::RankingEntry& e = view.ranking[i];
    std::string badge;
    if (e.vetoed) {
      badge = "<span class=\"badge bad\">vetoed</span>";
    } else if (!recommended) {
      badge = "<span class=\"badge good\">recommended</span>";
      recommended = true;
    }
    std::string figures;
    for (const auto& [name, text] : e.capacity) {
      figures += "<li><span class=\"note\">" + HtmlEscape(name) + "</span> " +
                 HtmlEscape(text) + "</li>";
    }
    out += "<tr" + std::string(e.vetoed ? " class=\"vetoed\"" : "") + ">" +
           Num(std::to_string(i + 1)) + "<td><strong>" + HtmlEscape(e.backend) +
           "</strong></td>" + Num(e.score ? report::Sig3(*e.score) : "-") +
           Td(badge) + Td(List(e.reasons, "reasons")) +
           (capacity ? Td(figures.empty()
                              ? ""
                              : "<ul class=\"capacity\">" + figures + "</ul>")
                     : "") +
           "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string Recommendation(const ResultsFile& r) {
  auto view = report::ReadRecommendation(r.recommendation);
  if (!view) return "";
  std::string out = "<section id=\"recommendation\"><h2>Recommendation</h2>";
  if (!view->profile.empty()) {
    out += "<p class=\"meta\">For the requirements profile <strong>" +
           HtmlEscape(view->profile) + "</strong></p>";
  }
  if (!view->summary.empty()) {
    out += "<p class=\"lead\">" + HtmlEscape(view->summary) + "</p>";
  }
  if (!view->ranking.empty()) out += RankingTable(*view);
  if (!view->what_would_change.empty()) {
    out += "<p><strong>What would change the answer:</strong> " +
           HtmlEscape(view->what_would_change) + "</p>";
  }
  out += List(view->notes, "notes");
  if (!view->confidence.empty()) {
    out += "<p class=\"note\">How far to trust these figures:</p>" +
           List(view->confidence, "notes");
  }
  return out + "</section>\n";
}

std::string Verification(const ResultsFile& r, const report::Labels& labels) {
  std::vector<std::string> columns;
  std::vector<std::vector<std::pair<std::string, std::string>>> fields;
  for (const RunResult& run : r.runs) {
    fields.push_back(report::VerificationFields(run.verification));
    for (const auto& [k, v] : fields.back()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) {
        columns.push_back(k);
      }
    }
  }
  if (columns.empty()) return "";
  std::string out =
      "<section id=\"verification\"><h2>Verification</h2><div "
      "class=\"scroll\"><table><thead><tr><th>backend</th>";
  for (const std::string& c : columns) out += "<th>" + HtmlEscape(c) + "</th>";
  out += "</tr></thead><tbody>";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    if (fields[i].empty()) continue;
    out += "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i]));
    for (const std::string& c : columns) {
      std::string value = "-";
      for (const auto& [k, v] : fields[i]) {
        if (k == c) value = v;
      }
      out += Td(HtmlEscape(value), VerificationClass(c, value));
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div></section>\n";
}

// One line at the top of the page when a backend failed its crash-restore
// verification, pointing down to the table; "" when none did.
std::string VerificationAlert(const ResultsFile& r,
                              const report::Labels& labels) {
  std::vector<std::string> failed;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    for (const auto& [field, value] :
         report::VerificationFields(r.runs[i].verification)) {
      const char* cls = VerdictClass(value);
      if (field == "verdict" && cls != nullptr &&
          std::string_view(cls) == "bad") {
        failed.push_back(labels[i]);
      }
    }
  }
  if (failed.empty()) return "";
  std::string names;
  for (const std::string& f : failed) {
    names += (names.empty() ? "" : ", ") + HtmlEscape(f);
  }
  return fmt::format(
      "<p class=\"warn\" id=\"verification-alert\"><strong>{} "
      "failed crash-restore verification:</strong> {} &mdash; see <a "
      "href=\"#verification\">Verification</a>.</p>\n",
      failed.size() == 1 ? "1 backend"
                         : fmt::format("{} backends", failed.size()),
      names);
}

std::string RecoveryCell(const RunResult& run, std::string_view kind) {
  auto rec = report::Recovery(run, kind);
  if (!rec) return Num("-");
  std::string text = HtmlEscape(FormatDurationMs(rec->duration_ms.median));
  if (std::string d = report::RecoveryDetail(*rec); !d.empty()) {
    text += " (" + HtmlEscape(d) + ")";
  }
  for (RestoreVerdict v : rec->verdicts) {
    if (report::NotableVerdict(v)) {
      const std::string name(ToString(v));
      text += fmt::format(" <span class=\"badge {}\">{}</span>",
                          VerdictClass(name) ? VerdictClass(name) : "plain",
                          HtmlEscape(name));
    }
  }
  return Td(text, "num");
}

std::string Th(const char* text) {
  return std::string("<th class=\"num\">") + text + "</th>";
}

std::string ThroughputTable(const ResultsFile& r,
                            const report::Labels& labels) {
  std::string out =
      "<div class=\"scroll\"><table><thead><tr><th>backend</th><th>status"
      "</th>" +
      Th("ops/s") + Th("spread") + Th("events/s") + Th("write amp") +
      Th("space amp") + Th("peak RSS") + "</tr></thead><tbody>";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    out += "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i]));
    if (run.status == RunStatus::kUnsupported) {
      out += Td("<span class=\"badge\">unsupported</span>") +
             "<td colspan=\"6\" class=\"failure\">" +
             HtmlEscape(run.failure_reason) + "</td></tr>";
      continue;
    }
    if (run.status != RunStatus::kOk) {
      out += Td("<span class=\"badge bad\">failed</span>") +
             "<td colspan=\"6\" class=\"failure\">in phase <code>" +
             HtmlEscape(run.failure_phase) +
             "</code>: " + HtmlEscape(run.failure_reason) + "</td></tr>";
      continue;
    }
    const MetricSummary* ops = FindMetric(run, "throughput.ops_per_s");
    out += Td(IsSaturated(run) ? "<span class=\"badge bad\">saturated</span>"
                               : "<span class=\"badge good\">ok</span>") +
           Num(ops ? report::FormatSi(ops->median) : "-") +
           Num(ops ? report::FormatSpread(*ops) : "") +
           Median(run, "throughput.events_per_s", report::FormatSi) +
           Median(run, "write_amplification", report::Sig3) +
           Median(run, "space_amplification", report::Sig3) +
           Median(run, "memory.peak_rss_bytes", FormatBytes) + "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string CheckpointTable(const ResultsFile& r,
                            const report::Labels& labels) {
  std::string rows;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    auto [ok, failed] = report::CheckpointCounts(run);
    if (ok + failed == 0 && !report::Recovery(run, "restore") &&
        !report::Recovery(run, "rescale")) {
      continue;
    }
    rows +=
        "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i])) +
        Num(fmt::format("{}/{}", ok, failed)) +
        Num(report::CheckpointTail(run, "end_to_end_ms", FormatDurationMs)) +
        Num(report::OverIntervalCell(run)) +
        Median(run, "checkpoint.median_start_delay_ms", FormatDurationMs) +
        Median(run, "checkpoint.median_sync_ms", FormatDurationMs) +
        Median(run, "checkpoint.median_async_ms", FormatDurationMs) +
        Num(report::CheckpointTail(run, "size_bytes", FormatBytes)) +
        Median(run, "checkpoint.median_full_size_bytes", FormatBytes) +
        RecoveryCell(run, "restore") + RecoveryCell(run, "rescale") + "</tr>";
  }
  if (rows.empty()) return "";
  return "<h3>Checkpoints and recovery</h3><div class=\"scroll\"><table>"
         "<thead><tr><th>backend</th>" +
         Th("ckpts ok/failed") + Th("end-to-end p50 / p90 / max") +
         Th("&gt; interval") + Th("start delay") + Th("sync") + Th("async") +
         Th("size p50 / p90 / max") + Th("full size") + Th("restore") +
         Th("rescale") + "</tr></thead><tbody>" + rows +
         "</tbody></table></div>";
}

std::string SnapshotCodecTable(const ResultsFile& r,
                               const report::Labels& labels) {
  std::string rows;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    auto codecs = report::RunSnapshotCodecs(run);
    if (run.status != RunStatus::kOk || !codecs) continue;
    rows += "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i])) +
            Td(HtmlEscape(codecs->compression)) +
            Td(HtmlEscape(codecs->encryption));
    for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
      rows += Median(run, c.metric, c.format);
    }
    rows += "</tr>";
  }
  if (rows.empty()) return "";
  std::string head = "<th>backend</th><th>compression</th><th>encryption</th>";
  for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
    head += Th(c.heading);
  }
  return "<h3>Checkpoint compression and encryption</h3><p class=\"note\">"
         "Size before and after compression; CPU time spent in the codecs "
         "(median per checkpoint, summed over subtasks).</p><div "
         "class=\"scroll\"><table><thead><tr>" +
         head + "</tr></thead><tbody>" + rows + "</tbody></table></div>";
}

std::string Comparison(const ResultsFile& r, const report::Labels& labels) {
  std::string out =
      "<section id=\"comparison\"><h2>Comparison</h2><p class=\"note\">"
      "Medians over the repetitions; spread is the median absolute deviation "
      "relative to the median.</p>" +
      ThroughputTable(r, labels) + CheckpointTable(r, labels) +
      SnapshotCodecTable(r, labels);
  // Latency: one row per (op kind, run).
  std::string rows;
  for (const std::string& op : report::OpKinds(r)) {
    for (size_t i = 0; i < r.runs.size(); ++i) {
      const RunResult& run = r.runs[i];
      for (bool corrected : {false, true}) {
        std::string p =
            (corrected ? "latency_corrected." : "latency.") + op + ".";
        if (FindMetric(run, p + "p50_ns") == nullptr) continue;
        rows += "<tr>" + Td("<code>" + HtmlEscape(op) + "</code>") +
                Td(Swatch(i) + HtmlEscape(labels[i]) +
                   (corrected ? " <span class=\"note\">(from intended "
                                "start)</span>"
                              : "")) +
                Median(run, p + "p50_ns", FormatDurationNs) +
                Median(run, p + "p90_ns", FormatDurationNs) +
                Median(run, p + "p99_ns", FormatDurationNs) +
                Median(run, p + "p999_ns", FormatDurationNs) +
                Median(run, p + "p9999_ns", FormatDurationNs) +
                Median(run, p + "max_ns", FormatDurationNs) + "</tr>";
      }
    }
  }
  if (!rows.empty()) {
    out += "<h3>Latency</h3><p class=\"note\">" +
           HtmlEscape(std::string(kLatencyDefinition)) +
           ".</p><div class=\"scroll\"><table><thead><tr>"
           "<th>op</th><th>backend</th><th class=\"num\">p50</th>"
           "<th class=\"num\">p90</th><th class=\"num\">p99</th>"
           "<th class=\"num\">p99.9</th><th class=\"num\">p99.99</th>"
           "<th class=\"num\">max</th></tr></thead><tbody>" +
           rows + "</tbody></table></div>";
  }
  return out + "</section>\n";
}

// The configuration as the runs applied it: a value the file leaves to a
// default (0: "Flink's default", "per backend") is shown as the runs
// resolved it, from the runs themselves, so older files read right too.
std::vector<std::pair<std::string, std::string>> EffectiveConfigRows(
    const ResultsFile& r, const report::Labels& labels) {
  auto resolved = [&](auto value_of) {
    std::vector<std::string> values;
    std::string text;
    for (size_t i = 0; i < r.runs.size(); ++i) {
      std::string v = value_of(r.runs[i]);
      if (v.empty()) continue;
      values.push_back(v);
      text += (text.empty() ? "" : ", ") + v + " (" + labels[i] + ")";
    }
    bool same = !values.empty() && std::all_of(values.begin(), values.end(),
                                               [&](const std::string& v) {
                                                 return v == values.front();
                                               });
    return same ? values.front() : text;
  };
  auto rows = report::FlattenScalars(r.config);
  for (auto& [key, value] : rows) {
    if (value != "0") continue;
    std::string v;
    if (key == "max_parallelism") {
      v = resolved([](const RunResult& run) {
        return run.max_parallelism > 0 ? std::to_string(run.max_parallelism)
                                       : std::string();
      });
    } else if (key == "latency_sample_every") {
      v = resolved([](const RunResult& run) {
        return run.latency_sample_every > 0
                   ? std::to_string(run.latency_sample_every)
                   : std::string();
      });
    }
    if (!v.empty()) value = v + " (default)";
  }
  return rows;
}

std::string Charts(const ResultsFile& r, const report::Labels& labels) {
  std::string out = "<section id=\"charts\"><h2>Charts</h2>";
  std::vector<report::ChartFigure> charts = report::BuildCharts(r, labels);
  for (report::ChartFigure& c : report::BuildCurveCharts(r)) {
    charts.push_back(std::move(c));
  }
  for (const report::ChartFigure& c : charts) {
    out += "<figure class=\"chart\" id=\"chart-" + c.id +
           "\"><figcaption><strong>" + HtmlEscape(c.title) + "</strong> " +
           HtmlEscape(c.caption) + "</figcaption>" + c.svg + "</figure>\n";
  }
  return out + "</section>\n";
}

std::string KeyValueTable(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string out = "<div class=\"scroll\"><table class=\"kv\"><tbody>";
  for (const auto& [k, v] : rows) {
    out +=
        "<tr><th>" + HtmlEscape(k) + "</th><td>" + HtmlEscape(v) + "</td></tr>";
  }
  return out + "</tbody></table></div>";
}

std::string RunSettings(const ResultsFile& r, const report::Labels& labels) {
  std::string out =
      "<h3>Per run</h3><div class=\"scroll\"><table><thead><tr><th>backend"
      "</th><th>workload</th><th class=\"num\">parallelism</th><th "
      "class=\"num\">key groups</th><th>checkpoints</th><th>loop</th><th "
      "class=\"num\">latency sampled</th><th>capabilities</th><th>backend "
      "configuration (effective, defaults included)</th></tr></thead><tbody>";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    const CapabilitiesRecord& c = run.capabilities;
    std::string caps;
    for (const auto& [on, name] : {std::pair{c.durable, "durable"},
                                   {c.incremental, "incremental"},
                                   {c.remote, "remote"},
                                   {c.exactly_once, "exactly-once"},
                                   {c.memory_bound, "memory-bound"}}) {
      if (on) caps += (caps.empty() ? "" : ", ") + std::string(name);
    }
    if (!c.rescale_mode.empty()) {
      caps += (caps.empty() ? "" : ", ") + ("rescale: " + c.rescale_mode);
    }
    std::string opts;
    for (const auto& [k, v] : run.backend_options) {
      opts += (opts.empty() ? "" : ", ") + k + "=" + v;
    }
    // Older files lack the effective configuration.
    std::string effective;
    for (const auto& [k, v] : run.effective_config) {
      effective += (effective.empty() ? "" : ", ") + k + "=" + v;
    }
    if (!effective.empty()) {
      opts = (opts.empty() ? "given: none" : "given: " + opts) +
             "; effective: " + effective;
    }
    out += "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i])) +
           Td(HtmlEscape(run.workload)) + Num(std::to_string(run.parallelism)) +
           Num(std::to_string(run.max_parallelism)) +
           Td(HtmlEscape(run.checkpoint_type)) +
           Td(run.open_loop
                  ? HtmlEscape(fmt::format("open, {} ops/s",
                                           report::FormatSi(run.target_rate)))
                  : "closed") +
           Num(fmt::format("1 in {}", run.latency_sample_every)) +
           Td(HtmlEscape(caps)) + Td(HtmlEscape(opts)) + "</tr>";
  }
  return out + "</tbody></table></div>";
}

// Where each run's reads were served and whether its checkpoints survive
// a crash of the server, by the settings the server reported.
std::string ReadsAndDurability(const ResultsFile& r,
                               const report::Labels& labels) {
  if (!report::HasReadsOrDurability(r)) return "";
  std::string out =
      "<h3>Reads served from, durability</h3><div class=\"scroll\"><table>"
      "<thead><tr><th>backend</th><th>reads served from</th><th>durable"
      "</th></tr></thead><tbody>";
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    if (run.status != RunStatus::kOk) continue;
    std::string reads = report::ReadSourcesText(run);
    out += "<tr>" + Td(Swatch(i) + HtmlEscape(labels[i])) +
           Td(HtmlEscape(reads.empty() ? "-" : reads)) +
           Td(HtmlEscape(report::DurabilityText(run))) + "</tr>";
  }
  return out + "</tbody></table></div>";
}

// JSON inside <script>: every '<' becomes \u003c, which stays valid JSON
// and cannot close the element ("</script>") or open a comment ("<!--").
std::string EmbeddedJson(const ResultsFile& r) {
  std::string json = report::DumpJson(ToJson(r), -1);
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

// Links to every section, in page order; the recommendation and the
// verification only when the page has them.
std::string Nav(bool recommendation, bool verification) {
  struct NavLink {
    bool present;
    const char* id;
    const char* name;
  };
  const NavLink nav[] = {{recommendation, "recommendation", "Recommendation"},
                         {true, "comparison", "Comparison"},
                         {true, "charts", "Charts"},
                         {verification, "verification", "Verification"},
                         {true, "environment", "Environment"},
                         {true, "configuration", "Configuration"},
                         {true, "raw", "Raw results"}};
  std::string out = "<nav>";
  for (const NavLink& link : nav) {
    if (link.present) {
      out += fmt::format("<a href=\"#{}\">{}</a>", link.id, link.name);
    }
  }
  return out + "</nav>\n";
}

}  // namespace

std::string RenderHtml(const ResultsFile& results) {
  report::Labels labels = report::RunLabels(results);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
      "'none'; style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light "
      "dark\">\n<title>statebench report · " +
      HtmlEscape(report::Headline(results)) + "</title>\n<style>" +
      std::string(report::kHtmlStyle) + "</style>\n</head>\n<body>\n";
  out += Header(results);
  const std::string recommendation = Recommendation(results);
  const std::string verification = Verification(results, labels);
  out += Nav(!recommendation.empty(), !verification.empty());
  out += "<main>\n";
  out += VerificationAlert(results, labels) + recommendation;
  if (results.runs.empty()) {
    out +=
        "<section id=\"comparison\"><h2>Comparison</h2><p>No runs in this "
        "results file.</p></section>\n";
  } else {
    out += Comparison(results, labels);
  }
  out += Charts(results, labels);
  out += verification;
  std::vector<std::pair<std::string, std::string>> env =
      report::ContextRows(results.context);
  out += "<section id=\"environment\"><h2>Environment</h2>" +
         KeyValueTable(env) + "</section>\n";
  out += "<section id=\"configuration\"><h2>Effective configuration</h2>" +
         KeyValueTable(EffectiveConfigRows(results, labels)) +
         (results.runs.empty() ? ""
                               : RunSettings(results, labels) +
                                     ReadsAndDurability(results, labels)) +
         "</section>\n";
  out +=
      "<section id=\"raw\"><h2>Raw results</h2><p class=\"note\">The complete "
      "results file (schema <code>" +
      HtmlEscape(results.schema) +
      "</code>) is embedded in this page as <code>&lt;script "
      "type=\"application/json\" id=\"statebench-results\"&gt;</code>; save "
      "it with your browser's view-source, or re-create it with "
      "<code>statebench report --format json</code>.</p></section>\n";
  out +=
      "</main>\n<script type=\"application/json\" "
      "id=\"statebench-results\">" +
      EmbeddedJson(results) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace statebench

// Output formats of the regression gate (declared in reports/gate/gate.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "reports/gate/gate.h"
#include "reports/gate/junit.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

using nlohmann::json;

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// Three significant digits for a value already scaled into [1, 1000).
std::string Sig3(double v) {
  const double a = std::fabs(v);
  if (a >= 99.95) return fmt::format("{:.0f}", v);
  if (a >= 9.995) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string Scaled(
    double v,
    const std::vector<std::pair<double, const char*>>& steps /* descending */) {
  for (const auto& [factor, suffix] : steps) {
    if (std::fabs(v) >= factor * 0.9995) return Sig3(v / factor) + suffix;
  }
  return Sig3(v / steps.back().first) + steps.back().second;
}

std::string FormatValue(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "n/a";
  if (unit == "ns") {
    return Scaled(v, {{1e9, " s"}, {1e6, " ms"}, {1e3, " us"}, {1, " ns"}});
  }
  if (unit == "ms") return Scaled(v, {{1e3, " s"}, {1, " ms"}});
  if (unit == "ops/s") {
    return Scaled(v, {{1e6, "M ops/s"}, {1e3, "k ops/s"}, {1, " ops/s"}});
  }
  if (unit == "bytes" || unit == "bytes/s") {
    const char* per = unit == "bytes" ? "" : "/s";
    for (const auto& [f, s] : std::vector<std::pair<double, const char*>>{
             {1024.0 * 1024 * 1024, " GiB"},
             {1024.0 * 1024, " MiB"},
             {1024.0, " KiB"}}) {
      if (std::fabs(v) >= f) return Sig3(v / f) + s + per;
    }
    return fmt::format("{:.0f} B{}", v, per);
  }
  if (v != 0 && std::fabs(v) < 1) return fmt::format("{:.3g}", v);
  return Scaled(v, {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}});
}

std::string FormatChange(const MetricComparison& c) {
  if (!c.change) return "from 0";
  return fmt::format("{:+.1f}%", *c.change * 100);
}

std::string FormatP(const std::optional<double>& p) {
  if (!p) return "-";
  if (*p < 0.001) return "<0.001";
  return fmt::format("{:.3f}", *p);
}

std::string FormatLimit(double limit) {
  return fmt::format("{:+.1f}%", limit * 100);
}

std::string VerdictLabel(Verdict v) {
  return v == Verdict::kRegression ? "REGRESSION" : std::string(VerdictName(v));
}

int Severity(Verdict v) {
  switch (v) {
    case Verdict::kRegression:
      return 0;
    case Verdict::kInconclusive:
      return 1;
    case Verdict::kImprovement:
      return 2;
    case Verdict::kUnchanged:
      return 3;
  }
  return 4;
}

// One sentence about a compared metric, for annotations and JUnit.
std::string Describe(const MetricComparison& c) {
  std::string s =
      fmt::format("{} of {}: {} -> {} ({}, threshold {}, p = {})", c.metric,
                  c.run, FormatValue(c.baseline_median, c.unit),
                  FormatValue(c.current_median, c.unit), FormatChange(c),
                  FormatLimit(c.threshold), FormatP(c.p_value));
  if (!c.note.empty()) s += "; " + c.note;
  return s;
}

std::string Plural(size_t n, const char* noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string Headline(const GateReport& r, const GateRenderOptions& o) {
  const size_t regressions = r.Count(Verdict::kRegression);
  std::vector<std::string> what;
  if (!r.failures.empty()) {
    what.push_back(Plural(r.failures.size(), "measurement failure"));
  }
  if (regressions > 0) what.push_back(Plural(regressions, "regression"));
  if (!r.missing.empty()) {
    what.push_back(Plural(r.missing.size(), "gated metric") +
                   " missing from the current results");
  }
  if (r.comparisons.empty() && r.failures.empty()) {
    what.push_back("nothing was compared");
  }
  if (what.empty()) return "PASSED";
  if (r.failures.empty() && r.Incomplete()) {
    return fmt::format("FAILED: {}", fmt::join(what, ", "));
  }
  const bool passed = r.failures.empty() && o.warn_only;
  return fmt::format("{}: {}", passed ? "PASSED (warn-only)" : "FAILED",
                     fmt::join(what, ", "));
}

// Machine-readable outcome for the JSON report.
std::string Outcome(const GateReport& r, const GateRenderOptions& o) {
  if (!r.failures.empty()) return "measurement_failure";
  if (r.Incomplete()) return "incomplete";
  if (r.Count(Verdict::kRegression) > 0) {
    return o.warn_only ? "regression_warn_only" : "regression";
  }
  return "pass";
}

std::string Counts(const GateReport& r) {
  return fmt::format(
      "{} compared: {} regression, {} improvement, {} unchanged, {} "
      "inconclusive",
      r.comparisons.size(), r.Count(Verdict::kRegression),
      r.Count(Verdict::kImprovement), r.Count(Verdict::kUnchanged),
      r.Count(Verdict::kInconclusive));
}

std::string Method(const GateReport& r) {
  return fmt::format("two-sided Mann-Whitney U ({}), alpha {}",
                     UTestMethodName(r.method), r.alpha);
}

// "statebench 0.1.0 abc123 (Release) on host, 2024-05-01T10:00:00Z".
std::string DescribeContext(const Context& c) {
  std::string s = "statebench";
  if (!c.statebench_version.empty()) s += " " + c.statebench_version;
  if (!c.git_sha.empty()) s += " " + c.git_sha;
  if (!c.build_type.empty()) s += " (" + c.build_type + ")";
  if (!c.host.empty()) s += " on " + c.host;
  if (!c.started_at.empty()) s += ", " + c.started_at;
  return s;
}

std::string Sides(const GateReport& r) {
  return "baseline: " + DescribeContext(r.baseline_context) +
         "; current: " + DescribeContext(r.current_context);
}

json ContextToJson(const Context& c) {
  return {{"statebench_version", c.statebench_version},
          {"git_sha", c.git_sha},
          {"build_type", c.build_type},
          {"host", c.host},
          {"cpu_count", c.cpu_count},
          {"started_at", c.started_at}};
}

// ---- GitHub workflow commands -----------------------------------------------

std::string EscapeCommandData(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%') {
      out += "%25";
    } else if (ch == '\r') {
      out += "%0D";
    } else if (ch == '\n') {
      out += "%0A";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string EscapeCommandProperty(std::string_view s) {
  std::string out;
  for (char ch : EscapeCommandData(s)) {
    if (ch == ':') {
      out += "%3A";
    } else if (ch == ',') {
      out += "%2C";
    } else {
      out += ch;
    }
  }
  return out;
}

std::string Command(const char* kind, std::string_view title,
                    std::string_view message) {
  return fmt::format("::{} title={}::{}\n", kind, EscapeCommandProperty(title),
                     EscapeCommandData(message));
}

// ---- Markdown ---------------------------------------------------------------

std::string MdCell(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string Utf8Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string MdRow(const MetricComparison& c) {
  const char* icon = c.verdict == Verdict::kRegression     ? "\u274C "
                     : c.verdict == Verdict::kInconclusive ? "\u26A0\uFE0F "
                     : c.verdict == Verdict::kImprovement  ? "\U0001F680 "
                                                           : "";
  return fmt::format("| {} | {} | {} | {} | {} | {} | {} | {}{} |\n",
                     MdCell(c.run), report::MarkdownCode(c.metric),
                     FormatValue(c.baseline_median, c.unit),
                     FormatValue(c.current_median, c.unit), FormatChange(c),
                     FormatLimit(c.threshold), FormatP(c.p_value), icon,
                     VerdictName(c.verdict));
}

// Title, counts, sides, failures and the table header: never trimmed
// (only cut hard if they alone exceed the limit).
std::string MarkdownHead(const GateReport& report,
                         const GateRenderOptions& options) {
  const bool ok = report.ExitCode(options.warn_only) == 0;
  std::string head =
      fmt::format("## statebench gate: {} {}\n\n", ok ? "\u2705" : "\u274C",
                  Headline(report, options));
  head += Counts(report) + "; " + Method(report) +
          ". A regression is significant (p < alpha) and beyond its "
          "threshold.\n\n";
  head += MdCell(Sides(report)) + ".\n\n";
  if (!report.failures.empty()) {
    head += "**Measurement failures**\n\n";
    for (const std::string& f : report.failures)
      head += "- " + MdCell(f) + "\n";
    head += "\n";
  }
  if (!report.missing.empty()) {
    head += "**Gated metrics missing from the current results**\n\n";
    for (const std::string& m : report.missing) head += "- " + MdCell(m) + "\n";
    head += "\n";
  }
  head +=
      "| Run | Metric | Baseline | Current | Change | Threshold | p | Verdict "
      "|\n|---|---|---:|---:|---:|---:|---:|---|\n";
  return head;
}

std::vector<const MetricComparison*> BySeverity(const GateReport& report) {
  std::vector<const MetricComparison*> sorted;
  for (const MetricComparison& c : report.comparisons) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return Severity(a->verdict) < Severity(b->verdict);
  });
  return sorted;
}

}  // namespace

std::string RenderGateConsole(const GateReport& report,
                              const GateRenderOptions& options) {
  const std::vector<std::string> header = {"run",     "metric", "baseline",
                                           "current", "change", "limit",
                                           "p",       "verdict"};
  std::vector<std::vector<std::string>> rows;
  for (const MetricComparison& c : report.comparisons) {
    rows.push_back({c.run, c.metric, FormatValue(c.baseline_median, c.unit),
                    FormatValue(c.current_median, c.unit), FormatChange(c),
                    FormatLimit(c.threshold), FormatP(c.p_value),
                    VerdictLabel(c.verdict)});
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      // Text columns left-aligned, numbers right-aligned.
      const bool left = i < 2 || i + 1 == cells.size();
      std::string cell = left ? fmt::format("{:<{}}", cells[i], width[i])
                              : fmt::format("{:>{}}", cells[i], width[i]);
      out += (i ? "  " : "") + cell;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto& row : rows) out += line(row);
  std::string notes;
  for (const MetricComparison& c : report.comparisons) {
    if (!c.note.empty()) {
      notes += "  " + c.run + " " + c.metric + ": " + c.note + "\n";
    }
  }
  if (!notes.empty()) out += "\nnotes:\n" + notes;
  if (!report.warnings.empty()) {
    out += "\nwarnings:\n";
    for (const std::string& w : report.warnings) out += "  " + w + "\n";
  }
  if (!report.missing.empty()) {
    out += "\ngated metrics missing from the current results:\n";
    for (const std::string& m : report.missing) out += "  " + m + "\n";
  }
  if (!report.failures.empty()) {
    out += "\nmeasurement failures:\n";
    for (const std::string& f : report.failures) out += "  " + f + "\n";
  }
  out += "\n" + Sides(report) + "\n";
  out += fmt::format("gate {} ({}; {})\n", Headline(report, options),
                     Counts(report), Method(report));
  return out;
}

std::string RenderGateMarkdown(const GateReport& report,
                               const GateRenderOptions& options,
                               size_t max_bytes) {
  const std::string head = MarkdownHead(report, options);
  const std::vector<const MetricComparison*> sorted = BySeverity(report);
  constexpr size_t kOmissionReserve = 256;
  const size_t budget = max_bytes == 0 ? SIZE_MAX : max_bytes;
  std::string out = Utf8Prefix(
      head, budget > kOmissionReserve ? budget - kOmissionReserve : 0);
  size_t omitted_rows = 0, omitted_warnings = 0;
  for (const MetricComparison* c : sorted) {
    std::string row = MdRow(*c);
    if (out.size() + row.size() + kOmissionReserve > budget) {
      ++omitted_rows;
    } else {
      out += row;
    }
  }
  std::string notes;
  for (const MetricComparison* c : sorted) {
    if (c->verdict != Verdict::kUnchanged && !c->note.empty()) {
      std::string n = "- " + MdCell(c->run) + " " +
                      report::MarkdownCode(c->metric) + ": " + MdCell(c->note) +
                      "\n";
      if (out.size() + notes.size() + n.size() + kOmissionReserve <= budget) {
        notes += n;
      }
    }
  }
  if (!notes.empty()) out += "\n" + notes;
  if (!report.warnings.empty()) {
    std::string warnings = "\n**Warnings**\n\n";
    for (const std::string& w : report.warnings) {
      std::string item = "- " + MdCell(w) + "\n";
      if (out.size() + warnings.size() + item.size() + kOmissionReserve >
          budget) {
        ++omitted_warnings;
      } else {
        warnings += item;
      }
    }
    out += warnings;
  }
  if (omitted_rows > 0 || omitted_warnings > 0) {
    out += fmt::format(
        "\n_{} rows and {} warnings omitted to stay within the size limit; "
        "the JSON and JUnit outputs have everything._\n",
        omitted_rows, omitted_warnings);
  }
  return out;
}

std::string RenderGateAnnotations(const GateReport& report,
                                  const GateRenderOptions& options) {
  std::string out;
  for (const std::string& f : report.failures) {
    out += Command("error", "statebench gate: measurement failure", f);
  }
  for (const MetricComparison& c : report.comparisons) {
    if (c.verdict == Verdict::kRegression) {
      out += Command(options.warn_only ? "warning" : "error",
                     "Performance regression: " + c.run + " " + c.metric,
                     Describe(c));
    } else if (c.verdict == Verdict::kInconclusive) {
      out += Command("warning", "Inconclusive: " + c.run + " " + c.metric,
                     Describe(c));
    }
  }
  for (const std::string& m : report.missing) {
    out += Command("error", "statebench gate: missing metric", m);
  }
  for (const std::string& w : report.warnings) {
    out += Command("warning", "statebench gate", w);
  }
  return out;
}

std::string RenderGateJUnit(const GateReport& report,
                            const GateRenderOptions& options) {
  std::vector<JUnitSuite> suites;
  std::map<std::string, size_t> by_run;
  const std::vector<std::pair<std::string, std::string>> properties = {
      {"alpha", fmt::format("{}", report.alpha)},
      {"test", "mann-whitney-u-two-sided"},
      {"method", std::string(UTestMethodName(report.method))},
      {"warn_only", options.warn_only ? "true" : "false"}};
  if (!report.failures.empty()) {
    JUnitSuite s{"measurement", properties, {}};
    for (const std::string& f : report.failures) {
      JUnitCase t;
      t.name = f.substr(0, f.find(':'));
      t.classname = "statebench.gate.measurement";
      t.outcome = JUnitCase::Outcome::kError;
      t.message = "measurement failure";
      t.type = "measurement_failure";
      t.detail = f;
      s.cases.push_back(std::move(t));
    }
    suites.push_back(std::move(s));
  }
  if (!report.missing.empty()) {
    JUnitSuite s{"missing", properties, {}};
    for (const std::string& m : report.missing) {
      JUnitCase t;
      t.name = m.substr(0, m.find(' '));
      t.classname = "statebench.gate.missing";
      t.outcome = JUnitCase::Outcome::kError;
      t.message = m;
      t.type = "missing_metric";
      s.cases.push_back(std::move(t));
    }
    suites.push_back(std::move(s));
  }
  for (const MetricComparison& c : report.comparisons) {
    auto [it, added] = by_run.emplace(c.run, suites.size());
    if (added) suites.push_back({c.run, properties, {}});
    JUnitCase t;
    t.name = c.metric;
    t.classname = "statebench.gate." + c.backend + "." + c.workload;
    t.system_out = Describe(c);
    if (c.verdict == Verdict::kRegression) {
      t.outcome = options.warn_only ? JUnitCase::Outcome::kPassed
                                    : JUnitCase::Outcome::kFailure;
      t.message = Describe(c);
      t.type = "regression";
      t.detail = fmt::format("{}\nbaseline samples: {}\ncurrent samples: {}",
                             Describe(c), fmt::join(c.baseline_samples, ", "),
                             fmt::join(c.current_samples, ", "));
    } else if (c.verdict == Verdict::kInconclusive) {
      t.outcome = JUnitCase::Outcome::kSkipped;
      t.message = c.note.empty() ? "inconclusive" : c.note;
    }
    suites[it->second].cases.push_back(std::move(t));
  }
  return RenderJUnit("statebench gate", suites);
}

json GateReportToJson(const GateReport& report,
                      const GateRenderOptions& options) {
  json comparisons = json::array();
  for (const MetricComparison& c : report.comparisons) {
    json base = json::array(), cur = json::array();
    for (double v : c.baseline_samples) base.push_back(Num(v));
    for (double v : c.current_samples) cur.push_back(Num(v));
    comparisons.push_back(
        {{"run", c.run},
         {"backend", c.backend},
         {"workload", c.workload},
         {"metric", c.metric},
         {"unit", c.unit},
         {"threshold", Num(c.threshold)},
         {"threshold_source", c.threshold_source},
         {"baseline", {{"median", Num(c.baseline_median)}, {"samples", base}}},
         {"current", {{"median", Num(c.current_median)}, {"samples", cur}}},
         {"change", c.change ? Num(*c.change) : json(nullptr)},
         {"p_value", c.p_value ? Num(*c.p_value) : json(nullptr)},
         {"test", c.test},
         {"verdict", VerdictName(c.verdict)},
         {"note", c.note}});
  }
  return {{"schema", "statebench.gate/1"},
          {"outcome", Outcome(report, options)},
          {"summary", Headline(report, options)},
          {"exit_code", report.ExitCode(options.warn_only)},
          {"alpha", Num(report.alpha)},
          {"method", UTestMethodName(report.method)},
          {"warn_only", options.warn_only},
          {"counts",
           {{"regression", report.Count(Verdict::kRegression)},
            {"improvement", report.Count(Verdict::kImprovement)},
            {"unchanged", report.Count(Verdict::kUnchanged)},
            {"inconclusive", report.Count(Verdict::kInconclusive)}}},
          {"failures", report.failures},
          {"missing", report.missing},
          {"warnings", report.warnings},
          {"context_mismatches", report.context_mismatches},
          {"baseline", ContextToJson(report.baseline_context)},
          {"current", ContextToJson(report.current_context)},
          {"comparisons", comparisons}};
}

}  // namespace statebench

// `statebench report results.json [more.json ...] --format FORMAT
// [--output FILE]`: renders one or more results files (merged into one
// comparison) as console tables, Markdown, HTML, JSON or any export format.
// Works offline: it reads results files only.
#include <CLI/CLI.hpp>
#include <ostream>

#include "base/file_util.h"
#include "bench/cli/commands.h"
#include "bench/cli/output_paths.h"
#include "reports/report.h"

namespace statebench {
namespace {

struct ReportOptions {
  std::vector<std::string> inputs;
  std::string format = "console";
  std::string output;  // stdout when empty or "-"; a directory for hgrm
  std::vector<OutputPath> outputs;  // filled after parsing
};

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int Fail(CliContext& ctx, const Status& s) {
  *ctx.err << "statebench report: " << s.message() << "\n";
  return ExitCodeFor(s);
}

int RunReport(const ReportOptions& opts, CliContext& ctx) {
  if (Status s = CheckOutputPaths(opts.outputs); !s.ok()) return Fail(ctx, s);
  std::vector<ResultsFile> files;
  for (const std::string& path : opts.inputs) {
    Result<ResultsFile> r = LoadResultsFile(path);
    if (!r.ok()) return Fail(ctx, r.status());
    files.push_back(std::move(r).value());
  }
  Result<ResultsFile> merged =
      MergeResultsForReport(std::move(files), opts.inputs);
  if (!merged.ok()) return Fail(ctx, merged.status());
  if (opts.format == "hgrm" || (!opts.output.empty() && opts.output != "-")) {
    if (opts.format == "hgrm" && opts.output.empty()) {
      return Fail(ctx, Status::InvalidArgument(
                           "--format hgrm writes one file per run and op "
                           "kind: give a directory with --output DIR"));
    }
    Status s = ExportAll(*merged, {{opts.format, opts.output}});
    if (!s.ok()) return Fail(ctx, s);
    return kExitOk;
  }
  Result<std::string> text = RenderReport(opts.format, *merged);
  if (!text.ok()) return Fail(ctx, text.status());
  *ctx.out << *text;
  return kExitOk;
}

}  // namespace

void SetupReportCommand(CLI::App& app, CliContext* ctx) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Render results files (several are merged into one comparison)");
  sub->add_option("results", opts->inputs, "Results files (JSON)")
      ->required()
      ->check(CLI::ExistingFile)
      ->check(RegularInputFile());
  std::string help = "Output format:";
  for (const ReportFormatInfo& f : ReportFormats()) {
    help += "\n  " + f.name + ": " + f.description;
  }
  sub->add_option("-f,--format", opts->format, help)
      ->check(CLI::IsMember(ReportFormatNames()))
      ->capture_default_str();
  sub->add_option("-o,--output", opts->output,
                  "Write here instead of stdout ('-'): a file atomically, a "
                  "device or FIFO in place; a directory for hgrm");
  sub->callback([opts, ctx, sub] {
    opts->outputs.clear();
    AddOutputIfGiven(sub, "--output", opts->output, &opts->outputs);
    if (!opts->outputs.empty())
      opts->outputs[0].directory = opts->format == "hgrm";
    ctx->action = [opts, ctx] { return RunReport(*opts, *ctx); };
  });
}

}  // namespace statebench

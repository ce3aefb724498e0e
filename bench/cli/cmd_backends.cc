// `statebench backends`: what is compiled in, with capabilities and options.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ostream>

#include "backends/registry.h"
#include "bench/cli/commands.h"

namespace statebench {
namespace {

struct BackendsOptions {
  bool verbose = false;
};

const char* YesNo(bool b) { return b ? "yes" : "no"; }

int RunBackends(const BackendsOptions& opts, CliContext& ctx) {
  std::ostream& out = *ctx.out;
  out << fmt::format("{:<10} {:<8} {:<11} {:<7} {:<12} {:<12} {:<18} {}\n",
                     "backend", "durable", "incremental", "remote",
                     "exactly-once", "memory-bound", "rescale",
                     "Flink analogue");
  for (const BackendInfo& b : BackendRegistry::Default().List()) {
    const Capabilities& c = b.capabilities;
    out << fmt::format(
        "{:<10} {:<8} {:<11} {:<7} {:<12} {:<12} {:<18} {}\n", b.name,
        // A server's durability is its persistence settings',
        // which runs read from the server and record.
        c.remote ? "server" : YesNo(c.durable), YesNo(c.incremental),
        YesNo(c.remote), YesNo(c.exactly_once), YesNo(c.memory_bound),
        RescaleModeName(c.rescale_mode), b.flink_analogue);
    if (opts.verbose) {
      out << "    " << b.description << "\n";
      for (const BackendOptionInfo& o : b.options) {
        out << fmt::format("    --backend-opt {}.{}=<{}>  {}\n", b.name, o.name,
                           o.default_value, o.help);
      }
    }
  }
  for (const std::string& missing : CompiledOutBackends()) {
    out << "not compiled in: " << missing << "\n";
  }
  return kExitOk;
}

}  // namespace

void SetupBackendsCommand(CLI::App& app, CliContext* ctx) {
  auto opts = std::make_shared<BackendsOptions>();
  CLI::App* sub = app.add_subcommand(
      "backends", "List the state backends with their capabilities");
  sub->add_flag("-v,--verbose", opts->verbose,
                "Also show each backend's description and options");
  sub->callback([opts, ctx] {
    ctx->action = [opts, ctx] { return RunBackends(*opts, *ctx); };
  });
}

}  // namespace statebench

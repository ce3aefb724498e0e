#include "bench/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "bench/commands.h"

namespace statebench {

int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err) {
  CLI::App app{
      "statebench: which state backend should this streaming job use, and "
      "what will it cost?",
      "statebench"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("statebench ") +
#ifdef STATEBENCH_VERSION
                                        STATEBENCH_VERSION
#else
                                        "dev"
#endif
  );
  CliContext ctx;
  ctx.out = &out;
  ctx.err = &err;
  ctx.stderr_is_tty = &err == &std::cerr && isatty(STDERR_FILENO);
  ctx.argc = argc;
  ctx.argv = argv;
  SetupBackendsCommand(app, &ctx);
  SetupRunCommands(app, &ctx);
  SetupReportCommand(app, &ctx);
  SetupAdviseCommand(app, &ctx);
  SetupGateCommand(app, &ctx);
  SetupVerifyCommand(app, &ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // One clear line: what is wrong, and where to look.
    err << "statebench: " << e.what() << "\n";
    err << "Run 'statebench --help' (or 'statebench <command> --help') for "
           "usage.\n";
    return kExitUsage;
  }
  if (!ctx.action) {
    err << "statebench: no command given\n";
    return kExitUsage;
  }
  return ctx.action();
}

int RunCli(int argc, const char* const* argv) {
  return RunCli(argc, argv, std::cout, std::cerr);
}

}  // namespace statebench

// PLACEHOLDER: the 'report' subcommand arrives with its issue.
#include "bench/commands.h"

namespace statebench {

void SetupReportCommand(CLI::App& app, CliContext* ctx) {}

}  // namespace statebench

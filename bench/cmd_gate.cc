// PLACEHOLDER: the 'gate' subcommand arrives with its issue.
#include "bench/commands.h"

namespace statebench {

void SetupGateCommand(CLI::App& app, CliContext* ctx) {}

}  // namespace statebench

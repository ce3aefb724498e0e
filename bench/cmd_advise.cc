// PLACEHOLDER: the 'advise' subcommand arrives with its issue.
#include "bench/commands.h"

namespace statebench {

void SetupAdviseCommand(CLI::App& app, CliContext* ctx) {}

}  // namespace statebench

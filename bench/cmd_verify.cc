// PLACEHOLDER: the 'verify' subcommand arrives with its issue.
#include "bench/commands.h"

namespace statebench {

void SetupVerifyCommand(CLI::App& app, CliContext* ctx) {}

}  // namespace statebench

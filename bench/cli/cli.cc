#include "bench/cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include "base/spawn.h"
#include "base/text_check.h"
#include "bench/cli/commands.h"
#include "bench/harness/interrupt.h"

namespace statebench {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The known name closest to `word`, when it is close enough to be a typo.
std::string Closest(std::string_view word,
                    const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const std::string& k : known) {
    const size_t d = EditDistance(word, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  return best;
}

// CLI11 reads whole numbers with strtoull/strtoll in base 0 and floats with
// strtold: "-1" wraps to 2^64-1 in an unsigned flag, an overflow saturates,
// "010" is octal, and "nan" or "inf" pass every range check. These checks
// run before conversion on every numeric flag of every command.
std::string CheckWholeNumber(std::string& s, bool allow_sign) {
  std::string digits = s;
  if (allow_sign && !digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    digits.erase(0, 1);
  }
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return "'" + s + "' is not a whole number" +
           (allow_sign ? std::string() : std::string(" >= 0"));
  }
  errno = 0;
  if (allow_sign) {
    (void)std::strtoll(s.c_str(), nullptr, 10);
  } else {
    (void)std::strtoull(s.c_str(), nullptr, 10);
  }
  if (errno == ERANGE) return "'" + s + "' is too large";
  // Decimal, whatever leading zeros it has.
  const size_t sign = s.size() - digits.size();
  const size_t first = digits.find_first_not_of('0');
  s = s.substr(0, sign) +
      (first == std::string::npos ? "0" : digits.substr(first));
  return "";
}

std::string CheckFinite(std::string& s) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) {
    return "'" + s + "' is not a number";
  }
  if (!std::isfinite(v) || errno == ERANGE) {
    return "'" + s + "' is not a finite number";
  }
  return "";
}

void GuardNumericOptions(CLI::App* app) {
  static const CLI::Validator kUnsigned(
      [](std::string& s) { return CheckWholeNumber(s, false); }, "");
  static const CLI::Validator kSigned(
      [](std::string& s) { return CheckWholeNumber(s, true); }, "");
  static const CLI::Validator kFinite(CheckFinite, "");
  for (CLI::Option* opt : app->get_options()) {
    // The type name carries the descriptions of earlier checks after a
    // colon ("FLOAT:[0.1 - 86400]").
    const std::string type = opt->get_type_name();
    const std::string base = type.substr(0, type.find(':'));
    if (base == "UINT") {
      opt->check(kUnsigned);
    } else if (base == "INT") {
      opt->check(kSigned);
    } else if (base == "FLOAT") {
      opt->check(kFinite);
    }
  }
  for (CLI::App* sub : app->get_subcommands({})) GuardNumericOptions(sub);
}

// "did you mean ..." lines for a mistyped subcommand or long flag.
std::string Suggestions(CLI::App& app, int argc, const char* const* argv) {
  std::vector<std::string> commands;
  CLI::App* command = nullptr;
  for (CLI::App* sub : app.get_subcommands({})) {
    commands.push_back(sub->get_name());
  }
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (command == nullptr && !arg.starts_with("-")) {
      for (CLI::App* sub : app.get_subcommands({})) {
        if (sub->get_name() == arg) command = sub;
      }
      if (command == nullptr) {
        const std::string guess = Closest(arg, commands);
        if (!guess.empty()) {
          out += "statebench: unknown command '" + std::string(arg) +
                 "'; did you mean '" + guess + "'?\n";
        }
        break;
      }
      continue;
    }
    if (!arg.starts_with("--") || arg.size() < 3) continue;
    const std::string name(arg.substr(2, arg.find('=') == std::string::npos
                                             ? std::string::npos
                                             : arg.find('=') - 2));
    std::vector<std::string> flags;
    for (const CLI::App* scope : {&app, command}) {
      if (scope == nullptr) continue;
      for (const CLI::Option* opt : scope->get_options()) {
        for (const std::string& l : opt->get_lnames()) flags.push_back(l);
      }
    }
    if (std::find(flags.begin(), flags.end(), name) != flags.end()) continue;
    const std::string guess = Closest(name, flags);
    if (!guess.empty()) {
      out += "statebench: unknown flag '--" + name + "'; did you mean '--" +
             guess + "'?\n";
    }
  }
  return out;
}

// Every argument may end up in a results file (the context records argv,
// and paths and values are echoed in the config), which is JSON and so
// UTF-8; and no flag needs a value longer than a path. Checked before
// anything runs, naming the flag.
std::string CheckArguments(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string flag;
    if (arg.starts_with("-") && arg.find('=') != std::string_view::npos) {
      flag = std::string(arg.substr(0, arg.find('=')));
    } else if (arg.starts_with("-")) {
      flag = std::string(arg);
    } else if (i > 1 && std::string_view(argv[i - 1]).starts_with("-")) {
      flag = argv[i - 1];
    }
    if (FirstInvalidUtf8(flag)) flag.clear();
    const std::string what =
        flag.empty()
            ? "argument " + std::to_string(i)
            : "the value of " + flag + " (argument " + std::to_string(i) + ")";
    if (arg.size() > kMaxInputStringBytes) {
      return what + " is " + std::to_string(arg.size()) +
             " bytes long; an argument is at most " +
             std::to_string(kMaxInputStringBytes) + " bytes";
    }
    if (std::optional<size_t> bad = FirstInvalidUtf8(arg)) {
      char byte[8];
      std::snprintf(
          byte, sizeof byte, "0x%02X",
          static_cast<unsigned>(static_cast<unsigned char>(arg[*bad])));
      return what + " is not valid UTF-8 (byte " + byte + " at offset " +
             std::to_string(*bad) +
             "); results are JSON, so names and paths must be UTF-8";
    }
  }
  return "";
}

}  // namespace

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
  SetupSweepCommand(app, &ctx);
  GuardNumericOptions(&app);
  if (std::string bad = CheckArguments(argc, argv); !bad.empty()) {
    err << "statebench: " << bad << "\n";
    return kExitUsage;
  }
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
    err << Suggestions(app, argc, argv);
    err << "Run 'statebench --help' (or 'statebench <command> --help') for "
           "usage.\n";
    return kExitUsage;
  }
  if (!ctx.action) {
    err << "statebench: no command given\n";
    return kExitUsage;
  }
  // Every command stops its servers and removes its temporary files on
  // SIGINT/SIGTERM; the measuring ones stop between steps (InterruptScope).
  InstallSpawnSignalHandlers();
  ClearInterrupt();
  const int code = ctx.action();
  if (InterruptRequested()) {
    err << "statebench: interrupted\n";
    return kExitInterrupted;
  }
  return code;
}

int RunCli(int argc, const char* const* argv) {
  return RunCli(argc, argv, std::cout, std::cerr);
}

}  // namespace statebench

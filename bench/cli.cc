#include "bench/cli.h"

#include <iostream>

namespace statebench {

int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err) {
  err << "statebench: not implemented yet\n";
  return 2;
}

int RunCli(int argc, const char* const* argv) {
  return RunCli(argc, argv, std::cout, std::cerr);
}

}  // namespace statebench

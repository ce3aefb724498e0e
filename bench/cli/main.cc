#include "bench/cli/cli.h"
#include "bench/harness/interrupt.h"

int main(int argc, char** argv) {
  const int code = statebench::RunCli(argc, argv);
  // An interrupted command ends by its signal, as it would without a
  // handler, so that a calling shell or CI runner sees "killed by SIGINT".
  statebench::ReraiseIfInterrupted();
  return code;
}

#include "bench/cli.h"

int main(int argc, char** argv) { return statebench::RunCli(argc, argv); }

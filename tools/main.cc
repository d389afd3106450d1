#include "base/clock.h"
#include "tools/cli.h"

int main(int argc, char** argv) {
  kasane::SystemClock clock;
  return kasane::tools::RunCli(argc, argv, clock);
}

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "base/clock.h"
#include "tools/cli.h"

int main(int argc, char** argv) {
  // Log lines are diagnostics: stderr, never mixed into a command's results (JSON on stdout).
  spdlog::set_default_logger(spdlog::stderr_color_mt("kasane"));
  kasane::SystemClock clock;
  return kasane::tools::RunCli(argc, argv, clock);
}

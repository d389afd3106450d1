// `kasane serve` and `kasane bench http`: placeholder registration until api/server lands.
#include "tools/cli.h"

namespace kasane::tools {
void AddServerCommands(CLI::App&, CliContext&) {}
}  // namespace kasane::tools

// `kasane token issue|revoke|list`: placeholder registration until api/tokens lands.
#include "tools/cli.h"

namespace kasane::tools {
void AddTokenCommands(CLI::App&, CliContext&) {}
}  // namespace kasane::tools

// `kasane openapi`: placeholder registration until api/openapi lands.
#include "tools/cli.h"

namespace kasane::tools {
void AddOpenApiCommand(CLI::App&, CliContext&) {}
}  // namespace kasane::tools

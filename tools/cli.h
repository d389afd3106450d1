// The `kasane` command line: one CLI11 app with a subcommand per task. main() builds the real
// clock and runs it; tests run the binary itself.
//
// Output contract: results go to stdout (JSON where the command says so), progress and errors
// to stderr; exit 0 on success, 1 when the command's check failed (e.g. verify), 2 on bad usage
// or an error. Nothing personal is ever printed outside a payload the caller asked for.
#pragma once

#include <CLI/CLI.hpp>

#include "base/clock.h"

namespace kasane::tools {

// Shared by every command.
struct CliContext {
  const Clock* clock = nullptr;  // must outlive the app
  int exit_code = 0;             // set by the command that ran
};

// Registers `kasane log ...`, `kasane verify`, `kasane audit-bundle`, `kasane verify-bundle`.
void AddLogCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane bench ...`.
void AddBenchCommands(CLI::App& app, CliContext& ctx);

// Runs the command line; returns the process exit code.
int RunCli(int argc, char** argv, const Clock& clock);

}  // namespace kasane::tools

// The `kasane` command line: one CLI11 app with a subcommand per task. main() builds the real
// clock and runs it; tests run the binary itself.
//
// Output contract: results go to stdout (JSON where the command says so), progress and errors
// to stderr; exit 0 on success, 1 when the command's check failed (e.g. verify), 2 on bad usage
// or an error. Nothing personal is ever printed outside a payload the caller asked for.
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "eventstore/event_log.h"

namespace kasane::tools {

// Shared by every command.
struct CliContext {
  const Clock* clock = nullptr;  // must outlive the app
  int exit_code = 0;             // set by the command that ran
};

// The flags of every command that opens a data folder: --data, --origin, --master-key-file.
struct DataFlags {
  std::string dir = "./data";
  std::string origin = "kasane.local/log";
  std::string master_key_file;  // empty: $KASANE_MASTER_KEY, else dir/master.key
};
void AddDataFlags(CLI::App* cmd, DataFlags& flags);

// Opens the log in flags.dir. The master key comes from --master-key-file (a file holding 64 hex
// digits), else the environment variable KASANE_MASTER_KEY (64 hex digits), else the store's
// own dir/master.key. kInvalidArgument for a malformed key.
Result<std::unique_ptr<eventstore::EventLog>> OpenLog(const CliContext& ctx, const DataFlags& flags,
                                                      bool create);
// The master key from --master-key-file (a file holding 64 hex digits), else the environment
// variable KASANE_MASTER_KEY, else none (the store's own dir/master.key).
Result<std::optional<std::array<uint8_t, 32>>> ResolveMasterKey(const std::string& file);
// Prints `s` to stderr and sets exit code 2.
void Fail(CliContext& ctx, const Status& s);

// The message of a command line that does not parse (CLI11's failure_message): names the command
// ("kasane log append: --type is required"), lists the commands of a group given none or an
// unknown one, and points at that command's --help.
std::string CliFailureMessage(const CLI::App* app, const CLI::Error& e);

// Sets the "Examples:" section at the end of `cmd --help`: `lines` are shell lines, each
// optionally preceded by a "# what it does" comment line; they are indented under the heading.
// Every command has one (tests/tools/help_test.cc walks the command tree and checks). Set as a
// footer callback, which CLI11 does not copy into subcommands added later.
void SetExamples(CLI::App* cmd, const std::vector<std::string>& lines);

// Progress of a long scan, for stderr, in the style of `kasane rebuild`: "<prefix>: done/total
// <unit>" on the first call, then at most once a second, and on the call where done reaches
// total. Never personal content: counts only.
std::function<void(uint64_t, uint64_t)> ProgressPrinter(std::string prefix, std::string unit);

// Registers `kasane log ...`, `kasane verify`, `kasane audit-bundle`, `kasane verify-bundle`.
void AddLogCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane erase`, `kasane backup`, `kasane restore` (docs/erasure.md).
void AddDataCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane bench ...`.
void AddBenchCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane rebuild`, `kasane projections status` and `kasane bench rebuild` (after
// AddBenchCommands, whose `bench` it extends).
void AddProjectionCommands(CLI::App& app, CliContext& ctx);

// Registers `kasane serve` (server_commands.cc).
void AddServerCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane bench http` (after AddBenchCommands) (http_bench_command.cc).
void AddHttpBenchCommand(CLI::App& app, CliContext& ctx);
// Registers `kasane token issue|revoke|list` (token_commands.cc).
void AddTokenCommands(CLI::App& app, CliContext& ctx);
// Registers `kasane openapi` (openapi_command.cc).
void AddOpenApiCommand(CLI::App& app, CliContext& ctx);
// Registers `kasane import` (import_command.cc; docs/import.md).
void AddImportCommand(CLI::App& app, CliContext& ctx);
// Registers `kasane demo` (demo_command.cc; docs/import.md, "The demo").
void AddDemoCommand(CLI::App& app, CliContext& ctx);
// Registers `kasane export` (export_command.cc, docs/export.md).
void AddExportCommand(CLI::App& app, CliContext& ctx);
// Registers `kasane init`, `kasane agency add`, `kasane staff add|deactivate`
// (admin_commands.cc).
void AddAdminCommands(CLI::App& app, CliContext& ctx);

// Runs the command line; returns the process exit code.
int RunCli(int argc, char** argv, const Clock& clock);

}  // namespace kasane::tools

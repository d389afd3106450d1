#include "tools/cli.h"

#include <iostream>

namespace kasane::tools {

int RunCli(int argc, char** argv, const Clock& clock) {
  CLI::App app{"kasane: the event-sourced system of record for the multi-layered support system"};
  app.require_subcommand(1);
  app.failure_message(CliFailureMessage);
  CliContext ctx;
  ctx.clock = &clock;
  AddLogCommands(app, ctx);
  AddDataCommands(app, ctx);
  AddBenchCommands(app, ctx);
  AddProjectionCommands(app, ctx);
  AddServerCommands(app, ctx);
  AddHttpBenchCommand(app, ctx);
  AddTokenCommands(app, ctx);
  AddOpenApiCommand(app, ctx);
  AddImportCommand(app, ctx);
  AddDemoCommand(app, ctx);
  AddExportCommand(app, ctx);
  AddAdminCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // A bug, not an expected outcome: report it plainly (never personal content: commands print
    // only ids and paths) rather than abort.
    std::cerr << "kasane: internal error: " << e.what() << "\n";
    return 2;
  }
  return ctx.exit_code;
}

}  // namespace kasane::tools

// `kasane import FILE|-`: JSON lines of API commands, run in process through the HTTP command
// code path (tools/importer.h; the line format and its decisions are in docs/import.md).
//
// The data folder is locked by whoever has it open: run it while the server is stopped.
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/server.h"
#include "tools/cli.h"
#include "tools/importer.h"

namespace kasane::tools {

namespace {

void AddImport(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "import", "run JSON lines of API commands (docs/import.md) through the command routes");
  auto data = std::make_shared<DataFlags>();
  auto file = std::make_shared<std::string>();
  auto every = std::make_shared<uint64_t>(1000);
  AddDataFlags(cmd, *data);
  cmd->add_option("file", *file, "the JSON lines file, or - for standard input")->required();
  cmd->add_option("--progress-every", *every,
                  "print progress every N command lines (0: only "
                  "at the end)")
      ->capture_default_str();
  cmd->footer(
      "One line per command, the method always POST (docs/import.md):\n"
      "  {\"as\": {\"staff\": \"st-cm\", \"agency\": \"ag-kyotaku\", \"role\": \"caseworker\"},\n"
      "   \"path\": \"/v1/cases/c-1/consents\", \"body\": {..., \"eventId\": \"<32 hex>\", "
      "\"occurredAt\": <ns>},\n"
      "   \"expectRefusal\": \"tax_consent\"}   (optional)\n"
      "Idempotent: lines already in the log are replayed, not written again. Stops at the first\n"
      "unexpected outcome (exit 1: a rule decided otherwise; exit 2: bad input or an error).\n"
      "Summary JSON on stdout; progress on stderr. Stop the server first (the folder is locked).\n"
      "Examples:\n"
      "  kasane import records.jsonl --data ./data\n"
      "  gunzip -c records.jsonl.gz | kasane import - --data ./data");
  cmd->callback([&ctx, data, file, every] {
    std::ifstream in_file;
    std::stringstream in_memory;  // standard input, read whole so it can be checked first
    std::istream* in = &in_file;
    if (*file != "-") {
      in_file.open(*file, std::ios::binary);
      if (!in_file) return Fail(ctx, NotFound("cannot read " + *file));
    } else {
      in_memory << std::cin.rdbuf();
      in = &in_memory;
    }
    // Every line parses before the folder is opened: malformed input changes nothing.
    auto total = CheckCommandLines(*in);
    if (!total.ok()) return Fail(ctx, total.status());
    auto server = OpenForImport(ctx, *data);
    if (!server.ok()) return Fail(ctx, server.status());
    ImportOptions options;
    options.clock = ctx.clock;
    options.progress = &std::cerr;
    options.progress_every = *every;
    options.total = *total;
    auto summary = ImportJsonLines(**server, *in, options);
    if (!summary.ok()) return Fail(ctx, summary.status());
    std::cout << SummaryJson(*summary) << "\n";
    if (summary->stop) {
      std::cerr << "kasane: import stopped: " << summary->stop->message
                << "; nothing after it was written\n";
      ctx.exit_code = summary->stop->exit_code;
    }
  });
}

}  // namespace

void AddImportCommand(CLI::App& app, CliContext& ctx) { AddImport(app, ctx); }

}  // namespace kasane::tools

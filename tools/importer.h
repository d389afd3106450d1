// The importer behind `kasane import` and `kasane demo` (docs/import.md): JSON lines of API
// commands, each run in process through api::ApiServer::Call, i.e. through exactly the code the
// HTTP command routes run (routing, body checks, the command service, the domain rules, the
// records of refusals).
//
// One line, one command (the method is always POST):
//   {"as": {"staff": "st-cm", "agency": "ag-kyotaku", "role": "caseworker"},
//    "path": "/v1/cases/c-1/consents",
//    "body": {... as in docs/api.md "Command bodies", with "eventId" and "occurredAt" ...},
//    "expectRefusal": "tax_consent"}            (optional)
// Empty lines and lines whose first non-blank character is `#` are skipped.
//
// Decisions written down here:
// - Every line needs a body "eventId": retries of the whole file are then safe (a line already
//   in the log answers 200 replayed and writes nothing). A line without one is bad input.
// - A command is decided as of min(occurredAt, now) (LocalRequest::decide_at), so past records
//   are judged by the rules (consent validity, due dates) as they stood; without occurredAt it
//   is decided now and recorded at now.
// - Outcomes are counted from what the log did, not from the status code alone: the log's size
//   before and after the call says whether the line wrote anything. `written`: accepted and
//   appended; `refusedAsExpected`: refused by the expected rule and its refusal recorded now;
//   `replayed`: already in the log (an accepted command, or an expected refusal recorded by an
//   earlier run). lines = written + replayed + refusedAsExpected.
// - A refused disclosure is recorded in its case under the command's event id, so the command
//   service answers its retry from the log. Every other refusal is a log-level command.refused
//   record with a random id of its own (api/records.h), which a retry would append again; so an
//   expected refusal whose event id already has a command.refused record with that rule (stream
//   `refusals`, read once when the import starts) is counted as replayed without being sent.
// - kasane import parses every line first (CheckCommandLines) and opens the data folder only when
//   all parse: malformed input changes nothing.
// - The import stops at the first unexpected outcome and writes nothing after that line: a
//   refusal not expected or by another rule, an expected refusal that was accepted (it is then
//   recorded: the domain accepted it), any other 4xx/5xx, malformed JSON, a line that is not the
//   shape above, a path that is no command route. The message names the line and the problem's
//   type, title, detail and rule, never a body's value (the API's details carry only ids, rules
//   and JSON Pointers).
//
// Not thread-safe: one import at a time per ApiServer.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "api/server.h"
#include "base/clock.h"
#include "base/status.h"
#include "tools/cli.h"

namespace kasane::tools {

struct ImportOptions {
  const Clock* clock = nullptr;  // "now" for decide_at; null: the system clock
  // Progress lines ("kasane import: N/T lines ...") every `progress_every` command lines and at
  // the end; null: none.
  std::ostream* progress = nullptr;
  uint64_t progress_every = 1000;
  // The number of command lines, when known in advance (progress shows N/T); else N only.
  std::optional<uint64_t> total;
  std::string label = "import";  // the progress prefix ("kasane <label>: ...")
};

// Where and why the import stopped.
struct ImportStop {
  uint64_t line = 0;    // 1-based physical line of the input
  int exit_code = 2;    // 1: a domain rule decided otherwise than the line expected; 2: bad input
  std::string message;  // "line N: ..." (ids, rules, problem types; never body values)
};

struct ImportSummary {
  uint64_t lines = 0;  // command lines done (written + replayed + refused_as_expected)
  uint64_t written = 0;
  uint64_t replayed = 0;
  uint64_t refused_as_expected = 0;
  std::optional<ImportStop> stop;  // set when the import stopped early
};

// {"lines", "written", "replayed", "refusedAsExpected"} (+ "stoppedAtLine" when stopped).
std::string SummaryJson(const ImportSummary& summary);

// Parses every command line of `in` (skipping empty and `#` lines) without running any, and
// rewinds it: the number of command lines, or InvalidArgument "line N: ..." for the first
// malformed one, so that malformed input is refused before the data folder is opened (bad input
// changes nothing). `in` must be seekable (kasane import reads standard input into memory).
Result<uint64_t> CheckCommandLines(std::istream& in);

// Runs every command line of `in` through `server`. The Result fails only when the import could
// not run at all (reading the log); a line that stops it is reported in ImportSummary::stop.
Result<ImportSummary> ImportJsonLines(api::ApiServer& server, std::istream& in,
                                      const ImportOptions& options);

// Appends " (the data folder is locked: is `kasane serve` running? stop it first)" to an open
// failure that is a lock error; returns `s` unchanged otherwise.
Status ExplainLock(const Status& s);

// Opens the data folder as `kasane serve` would (creating it when missing), without listening:
// the import and demo commands run their commands through it. A lock error says that a server
// (or another command) probably holds the folder.
Result<std::unique_ptr<api::ApiServer>> OpenForImport(const CliContext& ctx, const DataFlags& data);

}  // namespace kasane::tools

// The formats of `kasane export` (tools/export_command.cc, docs/export.md): a case timeline as
// one principal was shown it, rendered as JSON, CSV or a printable HTML report.
//
// These functions only format what the API already answered (GET /v1/cases/{id}/timeline, the
// signed checkpoint, the verifier key): they never read the log and never decide what may be
// shown. An entry the scope policy redacted stays redacted (its "redacted" reason is rendered,
// its metadata-only payload is all there is).
//
// Thread-safety: pure functions of their arguments.
//
//   CaseExport x{.case_id = "c-1", ...};
//   std::string csv = ExportCsv(x);  // BOM, header, one CRLF row per entry
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace kasane::tools {

// What one export read, and for whom.
struct CaseExport {
  std::string case_id;
  // The principal the export was made for (`--as`): staff id, agency id, role name.
  std::string staff;
  std::string agency;
  std::string role;
  UnixNanos exported_at = 0;
  // The timeline is the log as it stood with this many events (positions below it).
  uint64_t as_of_position = 0;
  std::string checkpoint;    // the signed note (C2SP), as GET /v1/log/checkpoint answers it
  std::string verifier_key;  // as GET /v1/log/verifier-key answers it, without the newline
  nlohmann::json entries = nlohmann::json::array();  // the timeline entries, as the API answers
};

// The format's stable name ("kasane-case-export/1"), the JSON document's "format" member.
inline constexpr std::string_view kExportFormat = "kasane-case-export/1";

// ISO 8601 in Japan Standard Time, to the second: "2024-01-15T09:00:00+09:00".
std::string FormatJst(UnixNanos t);
// The text with &, <, >, " and ' replaced by character references (safe in element content
// and in quoted attribute values).
std::string HtmlEscape(std::string_view text);
// One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled). A field
// that a spreadsheet would run as a formula (starting with =, +, -, @, TAB or CR) is prefixed
// with an apostrophe first.
std::string CsvField(std::string_view text);
// The checkpoint note's first three lines: origin, tree size, base64 root (empty when missing).
struct CheckpointHead {
  std::string origin;
  uint64_t tree_size = 0;
  std::string root_base64;
};
CheckpointHead ParseCheckpointHead(std::string_view note);

// {"format", "caseId", "exportedBy": {staff, agency, role}, "exportedAt", "exportedAtJst",
//  "asOfPosition", "checkpoint": {note, origin, treeSize, rootHash}, "verifierKey", "entries"}.
nlohmann::json ExportJson(const CaseExport& x);
// UTF-8 with a byte-order mark, CRLF line ends, a header row, one row per entry (docs/export.md
// lists the columns; the payload is one column of compact JSON).
std::string ExportCsv(const CaseExport& x);
// A self-contained printable HTML document (lang="ja", inline CSS, no external resources).
std::string ExportHtml(const CaseExport& x);

}  // namespace kasane::tools

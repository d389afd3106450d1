#include "tools/export.h"

#include <ctime>

namespace kasane::tools {
namespace {

using nlohmann::json;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kJstOffsetSeconds = 9 * 3600;

// Compact JSON that never throws: invalid UTF-8 (which the API never sends) becomes U+FFFD.
std::string Compact(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The member `key` of `j` as text: "" when missing or null, a string as is, anything else as
// compact JSON (numbers as their digits).
std::string Text(const json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return Compact(*it);
}

int64_t Nanos(const json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

// An array of strings joined with `sep` ("" when missing).
std::string Joined(const json& j, std::string_view key, std::string_view sep) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return "";
  std::string out;
  for (const json& v : *it) {
    if (!out.empty()) out += sep;
    out += v.is_string() ? v.get<std::string>() : Compact(v);
  }
  return out;
}

// The redaction reason of an entry, "" when it was shown in full.
std::string RedactedReason(const json& entry) {
  auto it = entry.find("redacted");
  if (it == entry.end() || !it->is_object()) return "";
  return Text(*it, "reason");
}

// The basis (legal basis, meeting, rule) as "kind; consent cn-1; meeting m-1; rule r".
std::string BasisText(const json& entry) {
  auto it = entry.find("basis");
  if (it == entry.end() || !it->is_object()) return "";
  std::string out;
  for (std::string_view key : {"kind", "consent", "meeting", "rule"}) {
    const std::string v = Text(*it, key);
    if (v.empty()) continue;
    if (!out.empty()) out += "; ";
    out += key == "kind" ? v : std::string(key) + " " + v;
  }
  return out;
}

// A payload as indented "key: value" lines for reading on paper: strings unquoted (a line
// break continues on an indented line), nested objects and arrays indented below their key,
// array items marked "- ". The JSON and CSV formats carry the exact JSON.
void Readable(const json& j, int indent, std::string* out);

std::string Scalar(const json& v, int indent) {
  if (v.is_null()) return "(none)";
  if (!v.is_string()) return Compact(v);
  std::string s = v.get<std::string>();
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += std::string(indent + 2, ' ');
  }
  return out;
}

// Payload times are Unix nanoseconds under keys such as "validFrom", "dueAt", "validUntil".
bool IsTimeKey(std::string_view k) {
  for (std::string_view suffix : {"At", "From", "Until"}) {
    if (k.size() > suffix.size() && k.ends_with(suffix)) return true;
  }
  return false;
}

bool Nested(const json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void Readable(const json& j, int indent, std::string* out) {
  const std::string pad(indent, ' ');
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (Nested(v)) {
        *out += pad + k + ":\n";
        Readable(v, indent + 2, out);
      } else {
        std::string text = v.is_array() ? "[]" : v.is_object() ? "{}" : Scalar(v, indent);
        if (v.is_number_integer() && IsTimeKey(k)) {
          text = FormatJst(v.get<int64_t>()) + " (" + text + ")";
        }
        *out += pad + k + ":" + (text.empty() ? "" : " " + text) + "\n";
      }
    }
  } else if (j.is_array()) {
    for (const json& v : j) {
      if (Nested(v)) {
        std::string item;
        Readable(v, indent + 2, &item);
        item.replace(0, indent + 2, pad + "- ");
        *out += item;
      } else {
        *out += pad + "- " + Scalar(v, indent) + "\n";
      }
    }
  } else {
    *out += pad + Scalar(j, indent) + "\n";
  }
}

const char kCss[] = R"css(
body { font-family: "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "Noto Sans CJK JP", sans-serif;
       font-size: 10.5pt; line-height: 1.45; margin: 1.5em; color: #000; background: #fff; }
h1 { font-size: 16pt; margin: .2em 0 .6em; }
h2 { font-size: 13pt; border-bottom: 1px solid #000; margin-top: 1.4em; }
.notice { border: 2px solid #000; padding: .4em .8em; font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #666; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; }
table.meta { width: auto; }
table.meta th { white-space: nowrap; }
td.pos { text-align: right; white-space: nowrap; }
td.when { white-space: nowrap; }
.small { font-size: 8pt; color: #444; word-break: break-all; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; font-family: "Menlo", "Consolas", monospace;
      font-size: 9pt; }
pre.block { border: 1px solid #666; padding: .5em; }
.redacted { font-style: italic; }
code { font-family: "Menlo", "Consolas", monospace; font-size: 9pt; word-break: break-all; }
ol li { margin-bottom: .5em; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 9pt; }
  thead { display: table-header-group; }
  tr, pre.block, li { break-inside: avoid; page-break-inside: avoid; }
  section.proof { break-before: page; page-break-before: always; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

}  // namespace

std::string FormatJst(UnixNanos t) {
  int64_t secs = t / kNanosPerSecond;
  if (t % kNanosPerSecond < 0) --secs;  // floor for times before 1970
  const std::time_t local = static_cast<std::time_t>(secs + kJstOffsetSeconds);
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S+09:00", &tm);
  return buf;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string CsvField(std::string_view text) {
  std::string s(text);
  if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CheckpointHead ParseCheckpointHead(std::string_view note) {
  CheckpointHead head;
  std::string_view lines[3];
  for (std::string_view& line : lines) {
    const size_t nl = note.find('\n');
    if (nl == std::string_view::npos) return head;
    line = note.substr(0, nl);
    note.remove_prefix(nl + 1);
  }
  head.origin = std::string(lines[0]);
  for (char c : lines[1]) {
    if (c < '0' || c > '9') return CheckpointHead{head.origin, 0, ""};
    head.tree_size = head.tree_size * 10 + static_cast<uint64_t>(c - '0');
  }
  head.root_base64 = std::string(lines[2]);
  return head;
}

json ExportJson(const CaseExport& x) {
  const CheckpointHead head = ParseCheckpointHead(x.checkpoint);
  return json{
      {"format", kExportFormat},
      {"caseId", x.case_id},
      {"exportedBy", {{"staff", x.staff}, {"agency", x.agency}, {"role", x.role}}},
      {"exportedAt", x.exported_at},
      {"exportedAtJst", FormatJst(x.exported_at)},
      {"asOfPosition", x.as_of_position},
      {"checkpoint",
       {{"note", x.checkpoint},
        {"origin", head.origin},
        {"treeSize", head.tree_size},
        {"rootHash", head.root_base64}}},
      {"verifierKey", x.verifier_key},
      {"entries", x.entries},
  };
}

std::string ExportCsv(const CaseExport& x) {
  static constexpr std::string_view kColumns[] = {
      "position", "seq",     "occurredAt", "occurredAtNanos", "recordedAt", "recordedAtNanos",
      "type",     "eventId", "actorStaff", "actorAgency",     "actorRole",  "subject",
      "kinds",    "basis",   "redacted",   "erased",          "payload"};
  std::string out = "\xEF\xBB\xBF";
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    out += (i ? "," : "") + std::string(kColumns[i]);
  }
  out += "\r\n";
  for (const json& e : x.entries) {
    const json actor = e.value("actor", json::object());
    const json payload = e.value("payload", json());
    const std::string fields[] = {
        Text(e, "position"),
        Text(e, "seq"),
        FormatJst(Nanos(e, "occurredAt")),
        Text(e, "occurredAt"),
        FormatJst(Nanos(e, "recordedAt")),
        Text(e, "recordedAt"),
        Text(e, "type"),
        Text(e, "eventId"),
        Text(actor, "staff"),
        Text(actor, "agency"),
        Text(actor, "role"),
        Text(e, "subject"),
        Joined(e, "kinds", ";"),
        e.contains("basis") && !e["basis"].is_null() ? Compact(e["basis"]) : "",
        RedactedReason(e),
        Joined(e, "erased", ";"),
        payload.is_null() ? "" : Compact(payload),
    };
    for (size_t i = 0; i < std::size(fields); ++i) {
      out += (i ? "," : "") + CsvField(fields[i]);
    }
    out += "\r\n";
  }
  return out;
}

std::string ExportHtml(const CaseExport& x) {
  const CheckpointHead head = ParseCheckpointHead(x.checkpoint);
  const std::string id = HtmlEscape(x.case_id);
  const std::string stream = HtmlEscape("case-" + x.case_id);
  const std::string key = HtmlEscape(x.verifier_key);  // shown for comparison only
  size_t redacted = 0;
  for (const json& e : x.entries) redacted += RedactedReason(e).empty() ? 0 : 1;

  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>経過記録 " + id + " (kasane export)</title>\n";
  h += "<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";

  // An access record is written when content was shown in full (api/records.h): not for a
  // reader who saw metadata only (an auditor's export, say).
  const bool recorded = redacted < x.entries.size();
  h += "<header>\n<p class=\"notice\">取扱注意 — 守秘義務の対象です。";
  h += recorded ? "個人情報を含みます。この出力は閲覧記録に記録されています。 (Confidential: "
                  "contains personal information; this export was recorded as an access.)"
                : "内容は表示されていません。 (Confidential: metadata only; no content was shown, "
                  "so no access record was needed.)";
  h += "</p>\n";
  h += "<h1>経過記録 (case timeline) — <span class=\"case\">" + id + "</span></h1>\n";
  h += "<table class=\"meta\">\n";
  h += "<tr><th>ケース (case)</th><td>" + id + "</td></tr>\n";
  h += "<tr><th>出力者 (exported by)</th><td>" + HtmlEscape(x.staff) + " (" + HtmlEscape(x.agency) +
       ", " + HtmlEscape(x.role) + ")</td></tr>\n";
  h += "<tr><th>出力日時 (exported at)</th><td>" + HtmlEscape(FormatJst(x.exported_at)) +
       "</td></tr>\n";
  h += "<tr><th>時点 (as of)</th><td>記録の先頭 " + std::to_string(x.as_of_position) +
       " 件まで (the log's first " + std::to_string(x.as_of_position) + " events)</td></tr>\n";
  h += "<tr><th>件数 (entries)</th><td>" + std::to_string(x.entries.size()) + " (うち非表示 " +
       std::to_string(redacted) + " 件 redacted)</td></tr>\n";
  h += "</table>\n</header>\n";

  h += "<section class=\"timeline\">\n<h2>経過 (timeline)</h2>\n";
  if (x.entries.empty()) {
    h += "<p>記録はありません (no entries).</p>\n";
  } else {
    h += "<table class=\"timeline\">\n<thead><tr><th>位置 (position)</th>"
         "<th>発生日時 (occurred, JST)</th><th>種別 (type)</th><th>記録者 (actor)</th>"
         "<th>対象者 (subject)</th><th>情報の種類 (kinds)</th><th>根拠 (basis)</th>"
         "<th>内容 (content)</th></tr></thead>\n<tbody>\n";
    for (const json& e : x.entries) {
      const json actor = e.value("actor", json::object());
      const std::string reason = RedactedReason(e);
      h += "<tr><td class=\"pos\">" + HtmlEscape(Text(e, "position")) + "<div class=\"small\">" +
           HtmlEscape(Text(e, "eventId")) + "</div></td>";
      h += "<td class=\"when\">" + HtmlEscape(FormatJst(Nanos(e, "occurredAt"))) + "</td>";
      h += "<td>" + HtmlEscape(Text(e, "type")) + "</td>";
      h += "<td>" + HtmlEscape(Text(actor, "staff")) + "<div class=\"small\">" +
           HtmlEscape(Text(actor, "agency")) + ", " + HtmlEscape(Text(actor, "role")) +
           "</div></td>";
      h += "<td>" + HtmlEscape(Text(e, "subject")) + "</td>";
      h += "<td>" + HtmlEscape(Joined(e, "kinds", ", ")) + "</td>";
      h += "<td>" + HtmlEscape(BasisText(e)) + "</td>";
      h += "<td>";
      if (!reason.empty()) {
        h += "<p class=\"redacted\">非表示 (redacted): " + HtmlEscape(reason) + "</p>";
      }
      const std::string erased = Joined(e, "erased", ", ");
      if (!erased.empty()) {
        h += "<p class=\"redacted\">消去済み (erased): " + HtmlEscape(erased) + "</p>";
      }
      auto payload = e.find("payload");
      if (payload != e.end() && !payload->is_null() && !payload->empty()) {
        std::string text;
        Readable(*payload, 0, &text);
        if (!text.empty() && text.back() == '\n') text.pop_back();
        h += "<pre>" + HtmlEscape(text) + "</pre>";
      }
      h += "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "</section>\n";

  h += "<section class=\"proof\">\n<h2>署名付きチェックポイント (signed checkpoint)</h2>\n";
  h += "<p>読み出しの直後に署名された木頭 (tree head); 上の記録はすべてこの木に含まれます "
       "(signed right after the read; every entry above is in this tree): origin <code>" +
       HtmlEscape(head.origin) + "</code>, tree size <code>" + std::to_string(head.tree_size) +
       "</code>, root <code>" + HtmlEscape(head.root_base64) + "</code>.</p>\n";
  h += "<pre class=\"block checkpoint\">" + HtmlEscape(x.checkpoint) + "</pre>\n";
  h += "<h2>検証鍵 (verifier key)</h2>\n<pre class=\"block key\">" + key + "</pre>\n";
  h += "<p>この鍵は照合用です。検証には、市の公開した鍵を別の経路で入手して使ってください "
       "(the key printed here is for comparison only: obtain the log's verifier key out of "
       "band, e.g. <code>kasane log verifier-key --data DIR</code>, and check it matches).</p>\n";

  h += "<h2>検証の手順 (how an auditor verifies this report)</h2>\n<ol>\n";
  h += "<li>検証鍵を別の経路で入手します (obtain the verifier key out of band): "
       "<code>kasane log verifier-key --data DIR &gt; log.vkey</code>, or the key the "
       "municipality publishes; it must equal the key above.</li>\n";
  h += "<li>ケースの監査バンドルを取得します (fetch the case's audit bundle): "
       "<code>kasane audit-bundle --data DIR --stream " +
       stream + " &gt; " + stream + ".json</code>, or over the API <code>GET /v1/cases/" + id +
       "/audit-bundle</code> (auditors and the secretariat).</li>\n";
  h += "<li>バンドルを検証します (verify it offline): <code>kasane verify-bundle " + stream +
       ".json --key &quot;$(cat log.vkey)&quot;</code>, or independently <code>python3 "
       "tools/verify_bundle.py " +
       stream +
       ".json --key-file log.vkey</code>. Both exit 0 only when every event is included in a "
       "tree head the key signed.</li>\n";
  h += "<li>照合します (compare): every position and event id in the table above must be an event "
       "of the verified bundle (the bundle holds each event's envelope; sealed personal content "
       "stays ciphertext in it, so the bundle proves the record, this report shows its "
       "content).</li>\n";
  h += "<li>木頭の一貫性 (consistency): if the bundle's tree size is larger than " +
       std::to_string(head.tree_size) +
       ", ask for a consistency proof <code>GET "
       "/v1/log/consistency?from=" +
       std::to_string(head.tree_size) +
       "&amp;to=SIZE</code>: it shows the log only grew since this report's checkpoint.</li>\n";
  h += "</ol>\n</section>\n";
  h += "<footer><p class=\"small\">kasane export (" + std::string(kExportFormat) + ")";
  if (recorded) {
    h += ": この出力は " + HtmlEscape(x.agency) + " の閲覧記録 (access record, stream access-" +
         HtmlEscape(x.agency) + ") に記録されています。";
  }
  h += "</p></footer>\n";
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace kasane::tools

#include "tools/importer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "api/records.h"
#include "api/routes.h"
#include "api/tokens.h"
#include "domain/enum_names.h"
#include "domain/ids.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

using nlohmann::json;

// Splits "/v1/cases/c-1" into {"v1", "cases", "c-1"} (empty segments kept, so "//" never
// matches a template).
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// True when `path` is a POST command route of api/routes.h (a case or an admin command).
bool IsCommandPath(std::string_view path) {
  const std::vector<std::string_view> got = Segments(path);
  if (got.empty()) return false;
  for (const api::RouteSpec& r : api::Routes()) {
    if (r.method != "POST") continue;
    if (r.kind != api::RouteKind::kCommand && r.kind != api::RouteKind::kAdminCommand) continue;
    const std::vector<std::string_view> want = Segments(r.path);
    if (want.size() != got.size()) continue;
    bool match = true;
    for (size_t i = 0; i < want.size() && match; ++i) {
      const bool param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
      match = param ? !got[i].empty() : want[i] == got[i];
    }
    if (match) return true;
  }
  return false;
}

bool IsCommentOrBlank(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

// A parsed line, or the reason it is bad input.
struct Line {
  domain::Principal principal;
  std::string path;
  json body;
  std::string event_id;
  std::optional<UnixNanos> occurred_at;
  std::optional<std::string> expect_refusal;
};

std::string TypeName(const json& v) { return v.type_name(); }

Result<Line> ParseLine(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("malformed JSON");
  if (!j.is_object()) return InvalidArgument("expected a JSON object, got " + TypeName(j));
  for (const auto& [key, value] : j.items()) {
    if (key != "as" && key != "path" && key != "body" && key != "expectRefusal") {
      return InvalidArgument("unknown field '" + key +
                             "' (known: as, path, body, expectRefusal; the method is always POST)");
    }
  }
  Line line;
  // as: the principal the command is issued as.
  if (!j.contains("as") || !j["as"].is_object()) {
    return InvalidArgument("\"as\" must be an object {staff, agency, role}");
  }
  const json& as = j["as"];
  for (const auto& [key, value] : as.items()) {
    if (key != "staff" && key != "agency" && key != "role") {
      return InvalidArgument("/as: unknown field '" + key + "' (known: staff, agency, role)");
    }
    if (!value.is_string()) return InvalidArgument("/as/" + key + ": expected a string");
  }
  for (const char* key : {"staff", "agency", "role"}) {
    if (!as.contains(key)) return InvalidArgument(std::string("/as/") + key + ": required");
  }
  auto role = domain::ParseEnum<domain::Role>(as["role"].get<std::string>());
  if (!role.ok() || *role == domain::Role::kApp) {
    return InvalidArgument(
        "/as/role: not a staff role (caseworker, coordinator, secretariat, "
        "auditor)");
  }
  line.principal.role = *role;
  line.principal.staff = domain::StaffId(as["staff"].get<std::string>());
  line.principal.agency = domain::AgencyId(as["agency"].get<std::string>());
  if (Status s = api::ValidateTokenPrincipal(line.principal); !s.ok()) {
    return InvalidArgument("/as: " + s.message());
  }
  // path
  if (!j.contains("path") || !j["path"].is_string()) {
    return InvalidArgument("\"path\" must be a string");
  }
  line.path = j["path"].get<std::string>();
  if (!IsCommandPath(line.path)) {
    return InvalidArgument("unknown command path (not a POST command route of docs/api.md)");
  }
  // body
  if (!j.contains("body") || !j["body"].is_object()) {
    return InvalidArgument("\"body\" must be an object");
  }
  line.body = std::move(j["body"]);
  if (!line.body.contains("eventId")) {
    return InvalidArgument(
        "/body/eventId: required (32 hex digits; it makes the import safe "
        "to run again)");
  }
  if (!line.body["eventId"].is_string()) {
    return InvalidArgument("/body/eventId: expected a string of 32 hex digits");
  }
  auto id = domain::EventId::FromHex(line.body["eventId"].get<std::string>());
  if (!id.ok()) return InvalidArgument("/body/eventId: event id must be 32 hex digits");
  line.event_id = id->ToHex();  // as command.refused records it
  if (line.body.contains("occurredAt")) {
    const json& t = line.body["occurredAt"];
    if (!t.is_number_integer()) {
      return InvalidArgument("/body/occurredAt: expected an integer (Unix nanoseconds)");
    }
    line.occurred_at = t.get<int64_t>();
  }
  if (j.contains("expectRefusal")) {
    if (!j["expectRefusal"].is_string() || j["expectRefusal"].get<std::string>().empty()) {
      return InvalidArgument("\"expectRefusal\" must be a rule name, e.g. \"tax_consent\"");
    }
    line.expect_refusal = j["expectRefusal"].get<std::string>();
  }
  return line;
}

// The command ids (hex) of the log's command.refused records, with their rules.
Result<std::set<std::pair<std::string, std::string>>> RecordedRefusals(eventstore::EventLog& log) {
  std::set<std::pair<std::string, std::string>> out;
  const std::string stream(api::kRefusalStream);
  eventstore::Version from = 0;
  while (true) {
    auto page = log.ReadStream(stream, from, eventstore::Direction::kForward, 1000);
    if (!page.ok()) {
      if (page.status().code() == StatusCode::kNotFound) return out;
      return page.status();
    }
    if (page->empty()) return out;
    for (const eventstore::RecordedEvent& e : *page) {
      from = e.version + 1;
      if (e.type != api::kCommandRefusedType) continue;
      json p = json::parse(e.payload, nullptr, false);
      if (!p.is_object()) continue;
      out.emplace(p.value("eventId", ""), p.value("rule", ""));
    }
  }
}

// "422 urn:kasane:problem:rule-refused: A rule refused the command (detail) rule plan_meeting".
std::string DescribeProblem(const api::LocalResponse& r) {
  std::string out = std::to_string(r.status);
  json p = json::parse(r.body, nullptr, false);
  if (!p.is_object()) return out;
  if (p.contains("type") && p["type"].is_string()) out += " " + p["type"].get<std::string>();
  if (p.contains("title") && p["title"].is_string()) out += ": " + p["title"].get<std::string>();
  if (p.contains("detail") && p["detail"].is_string()) {
    out += " (" + p["detail"].get<std::string>() + ")";
  }
  if (p.contains("rule") && p["rule"].is_string()) out += ", rule " + p["rule"].get<std::string>();
  return out;
}

std::string RuleOf(const api::LocalResponse& r) {
  json p = json::parse(r.body, nullptr, false);
  if (!p.is_object() || !p.contains("rule") || !p["rule"].is_string()) return "";
  return p["rule"].get<std::string>();
}

void Progress(const ImportOptions& o, const ImportSummary& s) {
  if (o.progress == nullptr) return;
  *o.progress << "kasane " << o.label << ": " << s.lines;
  if (o.total) *o.progress << "/" << *o.total;
  *o.progress << " lines (written " << s.written << ", replayed " << s.replayed
              << ", refused as expected " << s.refused_as_expected << ")\n";
}

}  // namespace

std::string SummaryJson(const ImportSummary& s) {
  nlohmann::ordered_json out{{"lines", s.lines},
                             {"written", s.written},
                             {"replayed", s.replayed},
                             {"refusedAsExpected", s.refused_as_expected}};
  if (s.stop) out["stoppedAtLine"] = s.stop->line;
  return out.dump();
}

Result<uint64_t> CheckCommandLines(std::istream& in) {
  const std::istream::pos_type start = in.tellg();
  if (start == std::istream::pos_type(-1)) return InvalidArgument("the input cannot be rewound");
  uint64_t n = 0, number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (IsCommentOrBlank(line)) continue;
    Result<Line> parsed = ParseLine(line);
    if (!parsed.ok()) {
      return InvalidArgument("line " + std::to_string(number) + ": " + parsed.status().message());
    }
    ++n;
  }
  if (in.bad()) return IoError("reading the input failed after line " + std::to_string(number));
  in.clear();
  in.seekg(start);
  if (!in) return IoError("the input cannot be rewound");
  return n;
}

Result<ImportSummary> ImportJsonLines(api::ApiServer& server, std::istream& in,
                                      const ImportOptions& options) {
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  eventstore::EventLog& log = server.log();
  KASANE_ASSIGN_OR_RETURN(auto refusals, RecordedRefusals(log));

  ImportSummary s;
  uint64_t number = 0;
  std::string text;
  auto stop = [&](int code, std::string why) {
    s.stop = ImportStop{number, code, "line " + std::to_string(number) + ": " + std::move(why)};
  };
  while (std::getline(in, text)) {
    ++number;
    if (number == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 BOM
    if (IsCommentOrBlank(text)) continue;
    Result<Line> parsed = ParseLine(text);
    if (!parsed.ok()) {
      stop(2, parsed.status().message());
      break;
    }
    Line& line = *parsed;
    const std::string& expected = line.expect_refusal.value_or("");
    if (line.expect_refusal && refusals.contains({line.event_id, expected})) {
      ++s.replayed;  // recorded as command.refused by an earlier run (see the header)
    } else {
      api::LocalRequest req;
      req.principal = line.principal;
      req.method = "POST";
      req.channel = "kasane import";
      req.target = line.path;
      req.body = line.body.dump();
      if (line.occurred_at) req.decide_at = std::min(*line.occurred_at, clock.Now());
      const uint64_t before = log.Size();
      const api::LocalResponse r = server.Call(req);
      const bool wrote = log.Size() != before;
      const std::string rule = r.status >= 400 ? RuleOf(r) : "";
      if (r.status == 200 || r.status == 201) {
        if (line.expect_refusal) {
          stop(1, "expected a refusal by rule " + expected + ", but the command was accepted" +
                      (wrote ? " (and recorded)" : " (it was already recorded)"));
          break;
        }
        ++(wrote ? s.written : s.replayed);
      } else if ((r.status == 403 || r.status == 422) && !rule.empty()) {
        if (!line.expect_refusal) {
          stop(1, "refused: " + DescribeProblem(r));
          break;
        }
        if (rule != expected) {
          stop(1, "expected a refusal by rule " + expected + ", got: " + DescribeProblem(r));
          break;
        }
        ++(wrote ? s.refused_as_expected : s.replayed);
      } else {
        stop(2, DescribeProblem(r));
        break;
      }
    }
    ++s.lines;
    if (options.progress_every > 0 && s.lines % options.progress_every == 0) {
      Progress(options, s);
    }
  }
  if (!s.stop && in.bad())
    return IoError("reading the input failed after line " + std::to_string(number));
  if (s.stop || options.progress_every == 0 || s.lines % options.progress_every != 0) {
    Progress(options, s);
  }
  return s;
}

// Opens the data folder as the server would (without listening) for the import and demo
// commands; a lock error says that a server probably holds the folder.
Result<std::unique_ptr<api::ApiServer>> OpenForImport(const CliContext& ctx,
                                                      const DataFlags& data) {
  KASANE_ASSIGN_OR_RETURN(auto key, ResolveMasterKey(data.master_key_file));
  api::ServerOptions options;
  options.data_dir = data.dir;
  options.origin = data.origin;
  options.master_key = key;
  options.clock = ctx.clock;
  options.threads = 1;
  auto server = api::ApiServer::Open(options);
  if (options.master_key) options.master_key->fill(0);
  if (!server.ok()) return ExplainLock(server.status());
  return server;
}

Status ExplainLock(const Status& s) {
  if (s.ok()) return s;
  std::string lower = s.message();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.find("lock") == std::string::npos) return s;
  return Status(s.code(), s.message() +
                              " (the data folder is locked: is `kasane serve` or another kasane "
                              "command running on it? stop it first)");
}

}  // namespace kasane::tools

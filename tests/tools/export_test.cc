// `kasane export`, run as a user would: the real binary on a data folder built in process (the
// 8050 household's story driven through api::ApiServer::Call, the server then closed), exported
// as different staff members. The export is a read through the API's scope policy and access
// records: two staff members' exports differ as the policy says, reading content writes the
// access record, and bad input exits 2 and writes nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "api/server.h"
#include "eventstore/event_log.h"
#include "projections/event_codec.h"
#include "tests/api/api_fixture.h"
#include "tests/domain/worked_examples.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

// The case summary (personal, of the main person) carries markup, an ampersand, a quote, a comma
// and a line break: the HTML must escape it, the CSV must quote it, the JSON must keep it.
const std::string kHostile = "<script>alert(\"x\")</script> & 父の入院, 息子\n二行目";

class ExportTest : public ::testing::Test {
 protected:
  // One data folder for the suite: the 8050 household's case c-1 (every command through
  // ApiServer::Call as its actor, at its time), and st-water deactivated.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    FakeClock clock(domain::testing::kStart);
    api::ServerOptions options;
    options.data_dir = dir_->Sub("data");
    options.clock = &clock;
    auto opened = api::ApiServer::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<api::ApiServer> server = std::move(opened).value();
    domain::testing::World w;
    domain::testing::Build8050Household(w);
    ASSERT_FALSE(w.log.empty());
    std::get<domain::CaseOpened>(w.log.front().payload).summary = kHostile;

    auto call = [&](const domain::Principal& p, const std::string& target, const json& body) {
      api::LocalRequest r;
      r.principal = p;
      r.method = "POST";
      r.target = target;
      r.body = body.dump();
      return server->Call(r);
    };
    // Bootstrap: the secretariat registers its agency and itself, then everyone else.
    const domain::Principal sec = w.PrincipalOf("st-sec");
    const auto& dir = w.directory;
    auto agency = [&](const domain::AgencyInfo& a) {
      api::LocalResponse r = call(sec, "/v1/agencies",
                                  {{"agency", a.id.value},
                                   {"name", a.name},
                                   {"kind", std::string(domain::EnumName(a.kind))},
                                   {"fields", json::array()},
                                   {"programmeParts", json::array()}});
      EXPECT_EQ(r.status, 201) << r.body;
    };
    auto staff = [&](const domain::StaffInfo& s) {
      json roles = json::array();
      for (domain::Role role : s.roles) roles.push_back(std::string(domain::EnumName(role)));
      api::LocalResponse r = call(
          sec, "/v1/staff", {{"staff", s.id.value}, {"agency", s.agency.value}, {"roles", roles}});
      EXPECT_EQ(r.status, 201) << r.body;
    };
    agency(dir.agencies.at(domain::AgencyId("ag-fukushi")));
    staff(dir.staff.at(domain::StaffId("st-sec")));
    for (const auto& [id, a] : dir.agencies) {
      if (id.value != "ag-fukushi") agency(a);
    }
    for (const auto& [id, s] : dir.staff) {
      if (id.value != "st-sec") staff(s);
    }
    // A staff member of the lead agency who holds two roles.
    staff(domain::StaffInfo{domain::StaffId("st-multi"),
                            domain::AgencyId("ag-takikan"),
                            {domain::Role::kCaseworker, domain::Role::kCoordinator},
                            true});
    // The story (its refused disclosure is the API's to refuse; it is not replayed).
    for (const domain::DomainEvent& e : w.log) {
      if (std::holds_alternative<domain::DisclosureRefused>(e.payload)) continue;
      clock.Set(e.occurred_at);
      api::LocalResponse r =
          call(domain::Principal{e.actor.staff, e.actor.agency, e.actor.role, std::nullopt},
               api::testing::ApiWorld::PathFor(e, "c-1"), api::testing::ApiWorld::BodyFor(e));
      EXPECT_EQ(r.status, 201) << domain::TypeOf(e.payload) << ": " << r.body;
    }
    clock.Set(w.now);
    api::LocalResponse deactivated = call(sec, "/v1/staff/st-water/deactivation", json::object());
    EXPECT_EQ(deactivated.status, 201) << deactivated.body;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string DataDir() { return dir_->Sub("data"); }
  static std::string Data() { return "--data '" + DataDir() + "'"; }
  static Outcome Kasane(const std::string& args) { return Sh(kKasane + " " + args); }
  static Outcome Export(const std::string& args) { return Kasane("export " + Data() + " " + args); }

  // The log, opened in process (the binary has exited).
  static std::unique_ptr<eventstore::EventLog> OpenLog() {
    eventstore::EventLogOptions options;
    options.dir = DataDir();
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  static uint64_t LogSize() {
    auto log = OpenLog();
    return log ? log->Size() : 0;
  }
  static std::vector<eventstore::RecordedEvent> Stream(const std::string& name) {
    auto log = OpenLog();
    if (!log) return {};
    auto events = log->ReadStream(name, 0, eventstore::Direction::kForward, 100000);
    if (!events.ok() && events.status().code() == StatusCode::kNotFound)
      return {};  // no stream yet
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<eventstore::RecordedEvent>{};
  }

  static json ExportJson(const std::string& staff, const std::string& extra = "") {
    Outcome o = Export("--case c-1 --as " + staff + " " + extra);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    json j = json::parse(o.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << o.out;
    return j;
  }
  // The entry at `position`, or null.
  static json At(const json& entries, uint64_t position) {
    for (const json& e : entries) {
      if (e["position"] == position) return e;
    }
    return nullptr;
  }

  static TempDir* dir_;
};

TempDir* ExportTest::dir_ = nullptr;

// RFC 4180 records (CRLF line ends; quoted fields may hold commas, quotes, CR and LF). Fails
// the test on a bare LF outside quotes or an unterminated quote.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        i += 2;
      } else if (c == '"') {
        quoted = false;
        ++i;
      } else {
        field += c;
        ++i;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      ++i;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      i += 2;
    } else {
      EXPECT_NE(c, '\n') << "a bare LF at byte " << i;
      field += c;
      ++i;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  EXPECT_TRUE(field.empty() && row.empty()) << "the last record has no CRLF";
  return rows;
}

TEST_F(ExportTest, JsonIsTheTimelineTheApiShowsWithTheCheckpointAndKey) {
  const json x = ExportJson("st-cm");
  EXPECT_EQ(x["format"], "kasane-case-export/1");
  EXPECT_EQ(x["caseId"], "c-1");
  EXPECT_EQ(x["exportedBy"],
            (json{{"staff", "st-cm"}, {"agency", "ag-kyotaku"}, {"role", "caseworker"}}));
  EXPECT_GT(x["exportedAt"].get<int64_t>(), 0);
  EXPECT_TRUE(std::regex_match(x["exportedAtJst"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00)")));
  const json& entries = x["entries"];
  ASSERT_TRUE(entries.is_array());
  ASSERT_GT(entries.size(), 10u);
  const uint64_t as_of = x["asOfPosition"];
  const uint64_t tree = x["checkpoint"]["treeSize"];
  uint64_t previous = 0;
  for (const json& e : entries) {
    const uint64_t p = e["position"];
    EXPECT_TRUE(previous == 0 || p > previous);
    EXPECT_LT(p, as_of);
    previous = p;
  }
  // The checkpoint is signed after the read: its tree holds every entry and the access record.
  EXPECT_GT(tree, as_of);
  const std::string note = x["checkpoint"]["note"];
  const std::string head = x["checkpoint"]["origin"].get<std::string>() + "\n" +
                           std::to_string(tree) + "\n" +
                           x["checkpoint"]["rootHash"].get<std::string>() + "\n";
  EXPECT_EQ(note.rfind(head, 0), 0u) << note;
  EXPECT_NE(note.find("\n\n\u2014 "), std::string::npos) << note;
  const std::string key = x["verifierKey"];
  EXPECT_EQ(key.find('\n'), std::string::npos);
  EXPECT_EQ(key, Kasane("log verifier-key " + Data()).out.substr(0, key.size()));

  // The case's opening, with the summary the intake agency recorded, in full for st-cm.
  const json& first = entries.front();
  EXPECT_EQ(first["type"], "case.opened");
  EXPECT_FALSE(first.contains("redacted")) << first.dump();
  EXPECT_EQ(first["payload"]["summary"], kHostile);

  // The same entries as the API answers the same principal in process.
  FakeClock clock(x["exportedAt"].get<int64_t>());
  api::ServerOptions options;
  options.data_dir = DataDir();
  options.clock = &clock;
  auto server = api::ApiServer::Open(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  api::LocalRequest r;
  r.principal = domain::Principal{domain::StaffId("st-cm"), domain::AgencyId("ag-kyotaku"),
                                  domain::Role::kCaseworker, std::nullopt};
  r.target = "/v1/cases/c-1/timeline?as_of_position=" + std::to_string(as_of);
  api::LocalResponse api_answer = (*server)->Call(r);
  ASSERT_EQ(api_answer.status, 200) << api_answer.body;
  EXPECT_EQ(json::parse(api_answer.body)["entries"], entries);
  server->reset();

  // The key verifies the case's audit bundle, as the report's instructions say.
  TempDir tmp;
  Outcome bundle = Kasane("audit-bundle " + Data() + " --stream case-c-1");
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  std::ofstream(tmp.Sub("b.json")) << bundle.out;
  Outcome verified = Kasane("verify-bundle '" + tmp.Sub("b.json") + "' --key '" + key + "'");
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_F(ExportTest, TwoStaffMembersSeeWhatTheScopePolicyGrantsEach) {
  const json cm = ExportJson("st-cm");
  const json sec = ExportJson("st-sec");
  const json helper = ExportJson("st-helper");
  ASSERT_EQ(sec["exportedBy"],
            (json{{"staff", "st-sec"}, {"agency", "ag-fukushi"}, {"role", "secretariat"}}));
  // The case's opening: the intake care manager sees the household's profiles and the summary;
  // the secretariat (which runs the meetings) sees it as metadata only, with the policy's reason.
  const json& opened_cm = cm["entries"].front();
  ASSERT_EQ(opened_cm["type"], "case.opened");
  EXPECT_NE(opened_cm["payload"]["members"].dump().find("氏名 p-father"), std::string::npos)
      << opened_cm.dump();
  const json opened_sec = At(sec["entries"], opened_cm["position"]);
  ASSERT_FALSE(opened_sec.is_null()) << sec.dump();
  ASSERT_TRUE(opened_sec.contains("redacted")) << opened_sec.dump();
  EXPECT_EQ(opened_sec["redacted"]["reason"], "secretariat");
  EXPECT_FALSE(opened_sec["payload"].contains("summary")) << opened_sec.dump();
  EXPECT_EQ(opened_sec["payload"].dump().find("氏名"), std::string::npos)
      << "no profile in a redacted entry";
  for (const json& e : sec["entries"]) EXPECT_TRUE(e.contains("redacted")) << e.dump();

  // The home-help provider sees only what the policy grants it (its own acknowledgement, the
  // discharge outlook disclosed to the plan meeting, the meeting's conclusion), in full, and
  // nothing else: the other entries are absent, not redacted.
  ASSERT_FALSE(helper["entries"].empty());
  EXPECT_LT(helper["entries"].size(), cm["entries"].size());
  EXPECT_TRUE(At(helper["entries"], opened_cm["position"]).is_null());
  for (const json& e : helper["entries"]) {
    EXPECT_FALSE(e.contains("redacted")) << e.dump();
    const json same = At(cm["entries"], e["position"]);
    if (!same.is_null()) {
      EXPECT_EQ(same, e);
    }
  }
  bool discharge = false;
  for (const json& e : helper["entries"]) {
    discharge = discharge || (e["type"] == "disclosure.made" && e["subject"] == "p-father");
  }
  EXPECT_TRUE(discharge) << helper.dump();
  for (const json* other : {&sec, &helper}) {
    EXPECT_EQ(other->dump().find("script"), std::string::npos) << "the summary leaked";
  }
}

TEST_F(ExportTest, ReadingContentWritesTheAccessRecordAndMetadataOnlyDoesNot) {
  const size_t before = Stream("access-ag-kyotaku").size();
  const uint64_t size = LogSize();
  Outcome o = Export("--case c-1 --as st-cm --format csv");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::vector<eventstore::RecordedEvent> records = Stream("access-ag-kyotaku");
  ASSERT_EQ(records.size(), before + 1);
  const eventstore::RecordedEvent& record = records.back();
  EXPECT_EQ(record.type, "access.recorded");
  EXPECT_EQ(record.actor.staff, "st-cm");
  EXPECT_EQ(record.actor.agency, "ag-kyotaku");
  EXPECT_TRUE(record.correlation_id.has_value()) << "the request id";
  // The record says the read was an export on st-cm's behalf, not st-cm's own read.
  auto decoded = projections::DecodeWithoutContent(record);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const auto* access = std::get_if<domain::AccessRecorded>(&decoded->event.payload);
  ASSERT_NE(access, nullptr);
  EXPECT_EQ(access->channel, "kasane export");
  EXPECT_EQ(access->staff.value, "st-cm");
  EXPECT_EQ(LogSize(), size + 1) << "one page, one record; nothing else is appended";
  EXPECT_TRUE(o.err.empty()) << "nothing is logged: " << o.err;

  // An auditor is related to every case, metadata only: every entry redacted, no record.
  const size_t audit_before = Stream("access-ag-audit").size();
  const json audit = ExportJson("st-audit");
  ASSERT_FALSE(audit["entries"].empty());
  for (const json& e : audit["entries"]) {
    EXPECT_TRUE(e.contains("redacted")) << e.dump();
  }
  EXPECT_EQ(audit.dump().find("<script>"), std::string::npos);
  EXPECT_EQ(Stream("access-ag-audit").size(), audit_before);
}

TEST_F(ExportTest, CsvIsUtf8WithBomCrlfAndOneRowPerEntry) {
  const json x = ExportJson("st-cm");
  Outcome o = Export("--case c-1 --as st-cm --format csv");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  ASSERT_GE(o.out.size(), 3u);
  EXPECT_EQ(o.out.substr(0, 3), "\xEF\xBB\xBF");
  const auto rows = ParseCsv(o.out.substr(3));
  ASSERT_FALSE(rows.empty());
  const std::vector<std::string> header = {
      "position", "seq",     "occurredAt", "occurredAtNanos", "recordedAt", "recordedAtNanos",
      "type",     "eventId", "actorStaff", "actorAgency",     "actorRole",  "subject",
      "kinds",    "basis",   "redacted",   "erased",          "payload"};
  EXPECT_EQ(rows[0], header);
  ASSERT_EQ(rows.size(), x["entries"].size() + 1);
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const json& e = x["entries"][i - 1];
    ASSERT_EQ(row.size(), header.size()) << i;
    EXPECT_EQ(row[0], std::to_string(e["position"].get<uint64_t>()));
    EXPECT_EQ(row[3], std::to_string(e["occurredAt"].get<int64_t>()));
    EXPECT_TRUE(std::regex_match(row[2], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00)")))
        << row[2];
    EXPECT_EQ(row[6], e["type"]);
    EXPECT_EQ(row[7], e["eventId"]);
    EXPECT_EQ(row[8], e["actor"]["staff"]);
    EXPECT_EQ(row[14], e.contains("redacted") ? e["redacted"]["reason"].get<std::string>() : "");
    EXPECT_EQ(json::parse(row[16]), e["payload"]) << row[16];
  }
  // The story starts on 2024-01-15 at midnight in Japan.
  EXPECT_EQ(rows[1][2], "2024-01-15T00:00:00+09:00");
  EXPECT_EQ(rows[1][6], "case.opened");
  // The summary, with its comma, quote and line break, survives quoting inside the JSON column.
  EXPECT_EQ(json::parse(rows[1][16])["summary"], kHostile);

  // Another staff member's CSV carries the policy's reason in the redacted column.
  Outcome h = Export("--case c-1 --as st-sec --format csv");
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const auto sec_rows = ParseCsv(h.out.substr(3));
  ASSERT_GT(sec_rows.size(), 1u);
  EXPECT_EQ(sec_rows[1][6], "case.opened");
  EXPECT_EQ(sec_rows[1][14], "secretariat");
  EXPECT_EQ(h.out.find("<script>"), std::string::npos);
}

TEST_F(ExportTest, HtmlIsASelfContainedPrintableReportWithEveryValueEscaped) {
  const json x = ExportJson("st-cm");
  Outcome o = Export("--case c-1 --as st-cm --format html");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string& h = o.out;
  EXPECT_EQ(h.rfind("<!DOCTYPE html>\n<html lang=\"ja\">", 0), 0u) << h.substr(0, 80);
  EXPECT_NE(h.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(h.find("<title>経過記録 c-1 (kasane export)</title>"), std::string::npos);
  EXPECT_NE(h.find("@media print"), std::string::npos);
  EXPECT_NE(h.find("</html>"), std::string::npos);
  // No external resources and no script.
  for (const char* bad :
       {"<script", "<link", "src=", "href=", "url(", "@import", "http://", "https://"}) {
    EXPECT_EQ(h.find(bad), std::string::npos) << bad;
  }
  // The hostile summary, escaped (the payload is shown as "key: value" lines; a line break in
  // a value continues on an indented line).
  EXPECT_NE(h.find("summary: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 父の入院, "
                   "息子\n  二行目"),
            std::string::npos);
  EXPECT_NE(h.find("members:\n  - person: p-father\n    profile:\n"), std::string::npos);
  // Payload times in Japan time, with the raw nanoseconds.
  EXPECT_NE(h.find("validFrom: 2024-01-14T00:00:00+09:00 (1705158000000000000)"),
            std::string::npos);
  // One table row per entry (plus the header row of the timeline).
  size_t rows = 0;
  const size_t tbody = h.find("<tbody>");
  ASSERT_NE(tbody, std::string::npos);
  for (size_t at = h.find("<tr>", tbody); at != std::string::npos && at < h.find("</tbody>");
       at = h.find("<tr>", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, x["entries"].size());
  // The checkpoint note in a <pre> (a later one than the JSON export's: that export's access
  // record came after it), the verifier key, and the verification instructions.
  const std::string pre = "<pre class=\"block checkpoint\">";
  const size_t note_at = h.find(pre);
  ASSERT_NE(note_at, std::string::npos);
  const std::string note =
      h.substr(note_at + pre.size(), h.find("</pre>", note_at) - note_at - pre.size());
  const uint64_t tree = x["checkpoint"]["treeSize"].get<uint64_t>() + 1;
  EXPECT_EQ(note.rfind("kasane.local/log\n" + std::to_string(tree) + "\n", 0), 0u) << note;
  EXPECT_NE(note.find("\n\n\u2014 kasane.local/log "), std::string::npos) << note;
  EXPECT_NE(h.find("tree size <code>" + std::to_string(tree) + "</code>"), std::string::npos);
  EXPECT_NE(h.find(x["verifierKey"].get<std::string>()), std::string::npos);
  EXPECT_NE(h.find("kasane audit-bundle --data DIR --stream case-c-1"), std::string::npos);
  EXPECT_NE(h.find("GET /v1/cases/c-1/audit-bundle"), std::string::npos);
  EXPECT_NE(h.find("kasane log verifier-key --data DIR &gt; log.vkey"), std::string::npos);
  EXPECT_NE(h.find("kasane verify-bundle case-c-1.json --key &quot;$(cat log.vkey)&quot;"),
            std::string::npos);
  EXPECT_NE(h.find("python3 tools/verify_bundle.py case-c-1.json --key-file log.vkey"),
            std::string::npos);
  EXPECT_NE(h.find("閲覧記録"), std::string::npos);

  // The secretariat's report marks the redacted entries with the reason, and says no access
  // record was needed.
  Outcome sec = Export("--case c-1 --as st-sec --format html");
  ASSERT_EQ(sec.exit_code, 0) << sec.err;
  EXPECT_NE(sec.out.find("非表示 (redacted): secretariat"), std::string::npos);
  EXPECT_NE(sec.out.find("no access record was needed"), std::string::npos);
  EXPECT_EQ(sec.out.find("父の入院"), std::string::npos);
  EXPECT_EQ(sec.out.find("氏名"), std::string::npos);
}

TEST_F(ExportTest, OutWritesAPrivateFileAndNothingToStdout) {
  TempDir tmp;
  const std::string file = tmp.Sub("c-1.html");
  Outcome o = Export("--case c-1 --as st-cm --format html --out '" + file + "'");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(o.out.empty());
  EXPECT_NE(o.err.find("exported case c-1"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("父"), std::string::npos) << "no content on stderr";
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::stringstream content;
  content << std::ifstream(file).rdbuf();
  EXPECT_EQ(content.str().rfind("<!DOCTYPE html>", 0), 0u);
  // Only the file: no temporary file left beside it.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  // An existing file is replaced and made private.
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  ASSERT_EQ(Export("--case c-1 --as st-cm --format csv --out '" + file + "'").exit_code, 0);
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST_F(ExportTest, AsOfGivesTheTimelineAsTheLogStoodThen) {
  const json all = ExportJson("st-cm");
  ASSERT_GT(all["entries"].size(), 4u);
  const uint64_t cut = all["entries"][3]["position"];
  const json then = ExportJson("st-cm", "--as-of " + std::to_string(cut));
  EXPECT_EQ(then["asOfPosition"], cut);
  ASSERT_EQ(then["entries"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(then["entries"][i], all["entries"][i]);
}

TEST_F(ExportTest, BadInputExitsTwoWithAClearMessageAndWritesNothing) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"--case c-1 --as st-cm --format xml", "unknown format 'xml'"},
      {"--as st-cm", "--case is required"},
      {"--case c-1", "--as is required"},
      {"--case '../c-1' --as st-cm", "is not a case id"},
      {"--case c-1 --as st-nobody", "no staff member 'st-nobody'"},
      {"--case c-1 --as st-water", "'st-water' is deactivated"},
      {"--case c-1 --as st-cm --role coordinator", "does not hold role 'coordinator'"},
      // A case the staff member has no relation to is answered as one that does not exist.
      {"--case c-1 --as st-tax", "case 'c-1' not found"},
      {"--case c-404 --as st-cm", "case 'c-404' not found"},
      {"--case c-1 --as st-cm --as-of 99999999", "past the log's head"},
  };
  TempDir tmp;
  const std::string out = tmp.Sub("export.out");
  const uint64_t size = LogSize();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    Outcome o = Export(c.args + " --out '" + out + "'");
    EXPECT_EQ(o.exit_code, 2) << o.out << o.err;
    EXPECT_NE(o.err.find(c.message), std::string::npos) << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "no temporary file left";
    EXPECT_EQ(LogSize(), size) << "no access record, nothing appended";
  }
  // Not-found says the same thing for an unrelated case as for a missing one.
  Outcome unrelated = Export("--case c-1 --as st-tax");
  Outcome missing = Export("--case c-404 --as st-tax");
  std::string a = unrelated.err, b = missing.err;
  a.replace(a.find("c-1"), 3, "ID");
  b.replace(b.find("c-404"), 5, "ID");
  EXPECT_EQ(a, b);

  // A data folder that does not exist is not created.
  const std::string nowhere = tmp.Sub("no-such-data");
  Outcome o = Kasane("export --data '" + nowhere + "' --case c-1 --as st-cm");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("no data folder at " + nowhere), std::string::npos) << o.err;
  EXPECT_FALSE(std::filesystem::exists(nowhere));
  // Nor is an empty folder filled.
  std::filesystem::create_directory(nowhere);
  o = Kasane("export --data '" + nowhere + "' --case c-1 --as st-cm");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("no kasane data in " + nowhere), std::string::npos) << o.err;
  EXPECT_TRUE(std::filesystem::is_empty(nowhere));
  // A folder another process has open (a running server) is locked: said so, not "no data".
  {
    std::unique_ptr<eventstore::EventLog> held = OpenLog();
    ASSERT_NE(held, nullptr);
    o = Export("--case c-1 --as st-cm");
    EXPECT_EQ(o.exit_code, 2);
    EXPECT_NE(o.err.find("is in use"), std::string::npos) << o.err;
  }
  // An --out in a folder that does not exist: refused before anything is read.
  o = Export("--case c-1 --as st-cm --out '" + tmp.Sub("missing/x.json") + "'");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--out: cannot create a file in"), std::string::npos) << o.err;
  EXPECT_EQ(LogSize(), size);
}

TEST_F(ExportTest, AStaffMemberWithSeveralRolesNamesTheOneTheyActIn) {
  Outcome o = Export("--case c-1 --as st-multi");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("holds several roles (caseworker, coordinator)"), std::string::npos)
      << o.err;
  const json x = ExportJson("st-multi", "--role coordinator");
  EXPECT_EQ(x["exportedBy"],
            (json{{"staff", "st-multi"}, {"agency", "ag-takikan"}, {"role", "coordinator"}}));
  EXPECT_FALSE(x["entries"].empty());
}

TEST_F(ExportTest, HelpHasExamples) {
  Outcome o = Kasane("export --help");
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("Examples:"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("--as"), std::string::npos);
}

}  // namespace
}  // namespace kasane::tools

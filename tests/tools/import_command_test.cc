// `kasane import` run as a user would: the real binary on a real data folder, the input built
// from the committed demo dataset (tools/demo/demo.jsonl), the log then read in process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "api/records.h"
#include "domain/ids.h"
#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

// The lines of the committed demo dataset.
std::vector<std::string> DemoLines() {
  std::ifstream in(std::string(KASANE_SOURCE_DIR) + "/tools/demo/demo.jsonl");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The lines up to and including the first one whose text contains `needle`, 1-based index.
size_t LineOf(const std::vector<std::string>& lines, const std::string& needle) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return i + 1;
  }
  return 0;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

class ImportCommandTest : public ::testing::Test {
 protected:
  std::string Data() const { return "--data '" + dir_.Sub("data") + "'"; }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  Outcome Import(const std::string& file) {
    return Sh(kKasane + " import '" + file + "' " + Data());
  }

  // The data folder's log, opened after the binary exited.
  std::unique_ptr<eventstore::EventLog> OpenLog() {
    return testing::OpenExistingLog(dir_.Sub("data"));
  }
  uint64_t LogSize() {
    auto log = OpenLog();
    return log ? log->Size() : 0;
  }
  // True when the line's body eventId is in the log.
  bool Recorded(eventstore::EventLog& log, const std::string& line) {
    json j = json::parse(line);
    auto id = domain::EventId::FromHex(j["body"]["eventId"].get<std::string>());
    EXPECT_TRUE(id.ok());
    return log.ReadById(api::LogEventId(*id)).ok();
  }

  TempDir dir_;
  const std::vector<std::string> demo_ = DemoLines();
};

TEST_F(ImportCommandTest, ImportsEveryLineAndASecondRunWritesNothing) {
  ASSERT_GT(demo_.size(), 100u);
  const std::string file = Write("demo.jsonl", Join(demo_));
  Outcome first = Sh(kKasane + " import '" + file + "' --progress-every 50 " + Data());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  json s = json::parse(first.out);
  const uint64_t commands = s["lines"];
  EXPECT_NE(first.err.find("kasane import: 50/" + std::to_string(commands) + " lines"),
            std::string::npos)
      << first.err;
  EXPECT_EQ(s["refusedAsExpected"], 4);
  EXPECT_EQ(s["replayed"], 0);
  EXPECT_EQ(s["written"].get<uint64_t>() + 4, commands);
  EXPECT_FALSE(s.contains("stoppedAtLine"));
  // Progress on stderr with the total.
  EXPECT_NE(first.err.find("kasane import: " + std::to_string(commands) + "/" +
                           std::to_string(commands) + " lines"),
            std::string::npos)
      << first.err;
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    for (const std::string& l : demo_) {
      if (l.empty() || l[0] == '#') continue;
      EXPECT_TRUE(Recorded(*log, l)) << l.substr(0, 200);
    }
    for (const char* stream : {"case-c-8050", "case-c-yonin", "case-c-shienkaigi"}) {
      EXPECT_TRUE(log->GetStreamHead(stream).ok()) << stream;
    }
  }
  const uint64_t size = LogSize();

  // Again, from standard input: everything replays, nothing is written.
  Outcome second = Sh(kKasane + " import - " + Data(), Join(demo_));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json t = json::parse(second.out);
  EXPECT_EQ(t["lines"], commands);
  EXPECT_EQ(t["written"], 0);
  EXPECT_EQ(t["refusedAsExpected"], 0);
  EXPECT_EQ(t["replayed"], commands);
  EXPECT_EQ(LogSize(), size);
}

TEST_F(ImportCommandTest, ExpectedRefusalsAreRecordedAsTheApiRecordsThem) {
  const size_t tax = LineOf(demo_, "\"expectRefusal\":\"tax_consent\"");
  ASSERT_GT(tax, 0u);
  std::vector<std::string> lines(demo_.begin(), demo_.begin() + tax);
  // A refusal that is not a disclosure's (recorded as command.refused): a 重層的支援会議 about a
  // person who gave no consent.
  json meeting = json::parse(demo_[LineOf(demo_, "\"kind\":\"support_meeting\"") - 1]);
  meeting["body"]["meeting"] = "m-import-ml";
  meeting["body"]["kind"] = "multi_layered_support_meeting";
  meeting["body"]["purpose"] = "plan_creation";
  meeting["body"]["eventId"] = "0123456789abcdef0123456789abcdef";
  meeting["expectRefusal"] = "meeting_consent";
  lines.push_back(meeting.dump());
  const std::string file = Write("in.jsonl", Join(lines));
  Outcome first = Import(file);
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  json s = json::parse(first.out);
  EXPECT_EQ(s["refusedAsExpected"], 5);  // disclosures: 8050 1, four people 2, tax 1; meeting 1
  {
    auto log = OpenLog();
    ASSERT_NE(log, nullptr);
    // The tax disclosure's refusal is in its case, under the command's event id.
    json line = json::parse(lines[tax - 1]);
    auto id = domain::EventId::FromHex(line["body"]["eventId"].get<std::string>());
    auto refusal = log->ReadById(api::LogEventId(*id));
    ASSERT_TRUE(refusal.ok()) << refusal.status().ToString();
    EXPECT_EQ(refusal->type, "disclosure.refused");
    EXPECT_EQ(refusal->stream, "case-c-shienkaigi");
    // The meeting's refusal is a command.refused record naming the command id and rule.
    auto refusals = log->ReadStream("refusals", 0, eventstore::Direction::kForward, 100);
    ASSERT_TRUE(refusals.ok());
    ASSERT_EQ(refusals->size(), 1u);
    json r = json::parse(refusals->front().payload);
    EXPECT_EQ(r["eventId"], "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(r["rule"], "meeting_consent");
  }
  const uint64_t size = LogSize();
  Outcome second = Import(file);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json t = json::parse(second.out);
  EXPECT_EQ(t["written"], 0);
  EXPECT_EQ(t["refusedAsExpected"], 0);
  EXPECT_EQ(t["replayed"], s["lines"]);
  EXPECT_EQ(LogSize(), size) << "an expected refusal is not recorded twice";
}

TEST_F(ImportCommandTest, StopsAtTheFirstUnexpectedRefusalAndWritesNothingAfterIt) {
  const size_t refused = LineOf(demo_, "\"expectRefusal\":\"consent_scope\"");
  ASSERT_GT(refused, 0u);
  std::vector<std::string> lines = demo_;
  json j = json::parse(lines[refused - 1]);
  j.erase("expectRefusal");
  lines[refused - 1] = j.dump();
  Outcome r = Import(Write("in.jsonl", Join(lines)));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("line " + std::to_string(refused) + ": refused: 422"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("rule consent_scope"), std::string::npos) << r.err;
  json s = json::parse(r.out);
  EXPECT_EQ(s["stoppedAtLine"], refused);
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  // The refusal itself is recorded, as the API records it; nothing after it.
  EXPECT_TRUE(Recorded(*log, lines[refused - 1]));
  for (size_t i = refused; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') continue;
    EXPECT_FALSE(Recorded(*log, lines[i])) << "line " << i + 1;
  }
}

TEST_F(ImportCommandTest, AnExpectedRefusalThatIsAcceptedStops) {
  const size_t opened = LineOf(demo_, "\"path\":\"/v1/cases\"");
  ASSERT_GT(opened, 0u);
  std::vector<std::string> lines(demo_.begin(), demo_.begin() + opened + 1);
  json j = json::parse(lines[opened - 1]);
  j["expectRefusal"] = "consent_scope";
  lines[opened - 1] = j.dump();
  Outcome r = Import(Write("in.jsonl", Join(lines)));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("line " + std::to_string(opened) +
                       ": expected a refusal by rule consent_scope, but the command was accepted"),
            std::string::npos)
      << r.err;
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(Recorded(*log, lines[opened]));
}

TEST_F(ImportCommandTest, BadInputExitsTwoWithTheLineNumberAndWritesNothingAfterIt) {
  // The directory, then the bad line, then a good one (the story's first command).
  const size_t story = LineOf(demo_, "# Story 1");
  ASSERT_GT(story, 0u);
  const std::vector<std::string> head(demo_.begin(), demo_.begin() + story - 1);
  const std::string good = demo_[LineOf(demo_, "\"path\":\"/v1/cases\"") - 1];
  const std::string secret = "秘密の氏名";  // must never be printed
  json opened = json::parse(demo_[LineOf(demo_, "\"path\":\"/v1/cases\"") - 1]);
  opened["body"]["summary"] = secret;
  json no_id = opened;
  no_id["body"].erase("eventId");
  json bad_id = opened;
  bad_id["body"]["eventId"] = "xyz";
  json unknown_path = opened;
  unknown_path["path"] = "/v1/nothing";
  json view_path = opened;
  view_path["path"] = "/v1/cases/c-8050/timeline";
  json unknown_field = opened;
  unknown_field["method"] = "GET";
  json bad_role = opened;
  bad_role["as"]["role"] = "boss";
  json invalid_body = opened;
  invalid_body["body"]["nickname"] = secret;
  json unknown_case = json::parse(demo_[LineOf(demo_, "cn-8050-father") - 1]);
  unknown_case["path"] = "/v1/cases/c-nowhere/consents";
  struct Case {
    std::string line;
    std::string message;
    // A line that does not parse is found before the data folder is opened: the whole input is
    // refused and nothing is written (not even the lines before it). A line that parses but
    // that the API refuses stops the import there.
    bool refused_before_opening;
  };
  const std::vector<Case> cases = {
      {"{\"as\": " + secret, "malformed JSON", true},
      {"[1, 2]", "expected a JSON object", true},
      {no_id.dump(), "/body/eventId: required", true},
      {bad_id.dump(), "/body/eventId: event id must be 32 hex digits", true},
      {unknown_path.dump(), "unknown command path", true},
      {view_path.dump(), "unknown command path", true},
      {unknown_field.dump(), "unknown field 'method'", true},
      {bad_role.dump(), "/as/role", true},
      {invalid_body.dump(), "422 urn:kasane:problem:validation", false},
      {unknown_case.dump(), "404 urn:kasane:problem:not-found", false},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    std::vector<std::string> lines = head;
    lines.push_back("");
    lines.push_back("# a comment");
    lines.push_back(c.line);
    lines.push_back(good);
    const std::string data = dir_.Sub("data" + std::to_string(++n));
    Outcome r = Sh(kKasane + " import '" + Write("in" + std::to_string(n), Join(lines)) +
                   "' --data '" + data + "'");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("line " + std::to_string(head.size() + 3) + ": "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
    if (c.refused_before_opening) {
      EXPECT_EQ(r.out, "");
      EXPECT_FALSE(std::filesystem::exists(data)) << "the data folder was created";
      continue;
    }
    json s = json::parse(r.out, nullptr, false);
    EXPECT_EQ(s["stoppedAtLine"], head.size() + 3) << r.out;
    eventstore::EventLogOptions options;
    options.dir = data;
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_FALSE(Recorded(**log, good)) << "nothing after the bad line";
  }
}

TEST_F(ImportCommandTest, AByteOrderMarkAndCrlfLineEndsAreAccepted) {
  const size_t story = LineOf(demo_, "# Story 1");
  ASSERT_GT(story, 0u);
  std::string text = "\xEF\xBB\xBF";
  for (size_t i = 0; i + 1 < story; ++i) text += demo_[i] + "\r\n";
  Outcome r = Import(Write("bom.jsonl", text));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json s = json::parse(r.out);
  EXPECT_EQ(s["written"], s["lines"]);
  EXPECT_EQ(s["lines"], 34);  // 17 agencies, 17 staff
  EXPECT_NE(r.err.find("34/34 lines"), std::string::npos) << r.err;
}

TEST_F(ImportCommandTest, AMissingFileIsBadInput) {
  Outcome r = Sh(kKasane + " import '" + dir_.Sub("absent.jsonl") + "' " + Data());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
  Outcome help = Sh(kKasane + " import --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace kasane::tools

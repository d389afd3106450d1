// `kasane init`, `kasane agency add`, `kasane staff add|deactivate` (tools/admin_commands.cc),
// run as a user would: the real binary on a real data folder, the log then read in-process.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/tokens.h"
#include "eventstore/event_log.h"
#include "projections/event_codec.h"
#include "projections/event_json.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

constexpr char kInit[] =
    "--agency city --agency-name 'Example City welfare division' --agency-kind "
    "municipal_division --staff sec-1 --token-label 'test laptop'";

class AdminCommandsTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args) { return Sh(kKasane + " " + args); }
  std::string Dir() const { return dir_.Sub("data"); }
  std::string Data() const { return "--data '" + Dir() + "'"; }

  json Init() {
    Outcome o = Kasane("init " + Data() + " " + kInit);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return json::parse(o.out, nullptr, false);
  }

  std::unique_ptr<eventstore::EventLog> OpenLog() {
    eventstore::EventLogOptions options;
    options.dir = Dir();
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(*log) : nullptr;
  }
  // The stream's events (empty when it does not exist).
  std::vector<eventstore::RecordedEvent> Stream(const std::string& name) {
    auto log = OpenLog();
    if (!log) return {};
    auto events = log->ReadStream(name, 0, eventstore::Direction::kForward, 1000);
    return events.ok() ? *events : std::vector<eventstore::RecordedEvent>{};
  }
  uint64_t LogSize() {
    auto log = OpenLog();
    return log ? log->Size() : 0;
  }

  TempDir dir_;
};

// An admin event's payload as the views render it (admin payloads hold nothing personal).
json PayloadOf(const eventstore::RecordedEvent& e) {
  auto decoded = projections::DecodeWithoutContent(e);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? projections::PayloadJson(decoded->event.payload, false) : json();
}

TEST_F(AdminCommandsTest, InitRegistersAgencyAndSecretariatAndIssuesToken) {
  Outcome o = Kasane("init " + Data() + " " + kInit);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  json out = json::parse(o.out);
  ASSERT_TRUE(out.contains("token")) << o.out;
  const std::string token = out["token"];
  EXPECT_EQ(token.rfind("ksn_", 0), 0u);
  EXPECT_EQ(out["agency"]["eventId"].get<std::string>().size(), 32u);
  EXPECT_EQ(out["staff"]["eventId"].get<std::string>().size(), 32u);
  EXPECT_GT(out["staff"]["position"].get<uint64_t>(), out["agency"]["position"].get<uint64_t>());
  EXPECT_EQ(o.out.find("Example City"), std::string::npos) << "no names on stdout";
  EXPECT_EQ(o.err.find(token), std::string::npos) << "the token goes to stdout only";

  std::vector<eventstore::RecordedEvent> admin = Stream("admin");
  ASSERT_EQ(admin.size(), 2u);
  EXPECT_EQ(admin[0].type, "agency.registered");
  EXPECT_EQ(admin[0].position, out["agency"]["position"].get<uint64_t>());
  EXPECT_EQ(admin[1].type, "staff.registered");
  EXPECT_EQ(admin[1].actor.staff, "sec-1");
  EXPECT_EQ(PayloadOf(admin[1])["roles"], json::array({"secretariat"}));

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  auto tokens = api::TokenStore::Open(*log);
  ASSERT_TRUE(tokens.ok());
  std::optional<api::TokenInfo> who = (*tokens)->Authenticate(token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->principal.staff.value, "sec-1");
  EXPECT_EQ(who->principal.agency.value, "city");
  EXPECT_EQ(who->principal.role, domain::Role::kSecretariat);
  EXPECT_EQ(who->label, "test laptop");
}

TEST_F(AdminCommandsTest, SecondInitIsRefusedAndWritesNothing) {
  Init();
  const uint64_t size = LogSize();
  Outcome again = Kasane("init " + Data() +
                         " --agency other --agency-name Other --agency-kind other --staff sec-2");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already initialized"), std::string::npos) << again.err;
  EXPECT_TRUE(again.out.empty()) << again.out;
  EXPECT_EQ(LogSize(), size);
  EXPECT_EQ(Stream("admin").size(), 2u);
}

TEST_F(AdminCommandsTest, InitIntoAnEmptyFolderWorksAndIntoAForeignOneDoesNot) {
  std::filesystem::create_directories(Dir());
  EXPECT_EQ(Kasane("init " + Data() + " " + kInit).exit_code, 0);
  const std::string other = dir_.Sub("other");
  std::filesystem::create_directories(other);
  std::ofstream(other + "/notes.txt") << "x";
  Outcome o = Kasane("init --data '" + other + "' " + kInit);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("not empty"), std::string::npos) << o.err;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(other),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(AdminCommandsTest, InitBadInputWritesNothing) {
  Outcome kind = Kasane("init " + Data() +
                        " --agency city --agency-name City --agency-kind town_hall --staff sec-1");
  EXPECT_EQ(kind.exit_code, 2);
  EXPECT_NE(kind.err.find("town_hall"), std::string::npos) << kind.err;
  EXPECT_NE(kind.err.find("municipal_division"), std::string::npos) << "lists the kinds";
  EXPECT_NE(kind.err.find("community_general_support_center"), std::string::npos);

  Outcome missing = Kasane("init " + Data() + " --agency city --agency-kind other --staff s");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--agency-name"), std::string::npos) << missing.err;

  Outcome bad_id = Kasane("init " + Data() +
                          " --agency 'city hall' --agency-name City --agency-kind other --staff s");
  EXPECT_EQ(bad_id.exit_code, 2);

  Outcome label = Kasane("init " + Data() +
                         " --agency city --agency-name City --agency-kind "
                         "other --staff s --token-label " +
                         std::string(201, 'x'));
  EXPECT_EQ(label.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(Dir())) << "nothing was created";
}

TEST_F(AdminCommandsTest, AgencyAndStaffAddAndDeactivate) {
  Init();
  Outcome agency = Kasane("agency add " + Data() +
                          " --id csw --name 'Social welfare council' --kind social_welfare_council"
                          " --field poverty --field other");
  ASSERT_EQ(agency.exit_code, 0) << agency.err;
  json a = json::parse(agency.out);
  EXPECT_EQ(a["eventId"].get<std::string>().size(), 32u);
  EXPECT_EQ(a["replayed"], false);
  EXPECT_EQ(agency.out.find("Social welfare"), std::string::npos) << "no names on stdout";

  Outcome staff = Kasane("staff add " + Data() +
                         " --as sec-1 --id cw-1 --agency csw --role caseworker --role coordinator");
  ASSERT_EQ(staff.exit_code, 0) << staff.err;
  json s = json::parse(staff.out);
  EXPECT_GT(s["position"].get<uint64_t>(), a["position"].get<uint64_t>());

  Outcome off = Kasane("staff deactivate " + Data() + " --id cw-1 --reason transferred");
  ASSERT_EQ(off.exit_code, 0) << off.err;

  std::vector<eventstore::RecordedEvent> admin = Stream("admin");
  ASSERT_EQ(admin.size(), 5u);
  EXPECT_EQ(admin[2].type, "agency.registered");
  EXPECT_EQ(PayloadOf(admin[2])["fields"], json::array({"poverty", "other"}));
  EXPECT_EQ(admin[2].actor.staff, "sec-1");
  EXPECT_EQ(admin[2].actor.role, "secretariat");
  EXPECT_EQ(admin[3].type, "staff.registered");
  EXPECT_EQ(admin[4].type, "staff.deactivated");
  EXPECT_EQ(PayloadOf(admin[4])["staff"], "cw-1");

  // Deactivating again is refused by the rule `state`, and the refusal is recorded.
  Outcome twice = Kasane("staff deactivate " + Data() + " --id cw-1");
  EXPECT_EQ(twice.exit_code, 1) << twice.err;
  EXPECT_NE(twice.err.find("'state'"), std::string::npos) << twice.err;
  std::vector<eventstore::RecordedEvent> refusals = Stream("refusals");
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(json::parse(refusals[0].payload)["rule"], "state");
  EXPECT_EQ(Stream("admin").size(), 5u);
}

TEST_F(AdminCommandsTest, ACaseworkerActingIsRefusedByTheRoleRuleAndRecorded) {
  Init();
  ASSERT_EQ(Kasane("staff add " + Data() + " --id cw-1 --agency city --role caseworker").exit_code,
            0);
  const size_t admin = Stream("admin").size();
  Outcome o = Kasane("agency add " + Data() + " --as cw-1 --id x --name X --kind other");
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("'role'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("403"), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty());
  EXPECT_EQ(Stream("admin").size(), admin);
  std::vector<eventstore::RecordedEvent> refusals = Stream("refusals");
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0].type, "command.refused");
  EXPECT_EQ(refusals[0].actor.staff, "cw-1");
  json r = json::parse(refusals[0].payload);
  EXPECT_EQ(r["rule"], "role");
  EXPECT_EQ(r["type"], "agency.registered");
}

TEST_F(AdminCommandsTest, ADeactivatedStaffMemberCannotAct) {
  Init();
  ASSERT_EQ(
      Kasane("staff add " + Data() + " --id sec-2 --agency city --role secretariat").exit_code, 0);
  ASSERT_EQ(Kasane("staff deactivate " + Data() + " --as sec-2 --id sec-1").exit_code, 0);
  Outcome o = Kasane("agency add " + Data() + " --as sec-1 --id x --name X --kind other");
  // The domain refuses a deactivated secretariat (only active secretariat staff maintain the
  // directory), and the refusal is recorded.
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("only active secretariat staff"), std::string::npos) << o.err;
  // The default --as is now the only active secretariat.
  EXPECT_EQ(Kasane("agency add " + Data() + " --id x --name X --kind other").exit_code, 0);
}

TEST_F(AdminCommandsTest, DefaultActorNeedsExactlyOneActiveSecretariat) {
  Init();
  ASSERT_EQ(
      Kasane("staff add " + Data() + " --id sec-2 --agency city --role secretariat").exit_code, 0);
  const uint64_t size = LogSize();
  Outcome o = Kasane("agency add " + Data() + " --id x --name X --kind other");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--as"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("sec-1, sec-2"), std::string::npos) << o.err;
  Outcome unknown = Kasane("agency add " + Data() + " --as nobody --id x --name X --kind other");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(LogSize(), size);
  EXPECT_EQ(Kasane("agency add " + Data() + " --as sec-2 --id x --name X --kind other").exit_code,
            0);
}

TEST_F(AdminCommandsTest, BadInputIsExit2AndWritesNothing) {
  Init();
  const uint64_t size = LogSize();
  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"agency add --id x --name X --kind castle", "accepted: community_general_support_center"},
      {"agency add --id x --name X --kind other --field gardening", "unknown field 'gardening'"},
      {"agency add --id x --kind other", "--name"},
      {"agency add --id city --name X --kind other --event-id 123", "--event-id"},
      {"staff add --id s --agency city --role chef", "accepted: caseworker"},
      {"staff add --id s --agency city --role app", "unknown role 'app'"},
      {"staff add --id s --agency city", "--role"},
      {"staff add --id s --agency nowhere --role caseworker", "unknown agency"},
      {"staff add --id 'a b' --agency city --role caseworker", "--id"},
      {"staff deactivate --id nobody", "unknown staff"},
      {"staff deactivate", "--id"},
  };
  for (const Case& c : cases) {
    Outcome o = Kasane(c.args + " " + Data());
    EXPECT_EQ(o.exit_code, 2) << c.args << "\n" << o.err;
    EXPECT_NE(o.err.find(c.says), std::string::npos) << c.args << "\n" << o.err;
    EXPECT_TRUE(o.out.empty()) << c.args;
  }
  EXPECT_EQ(LogSize(), size);
  EXPECT_TRUE(Stream("refusals").empty());

  Outcome no_folder =
      Kasane("agency add --data '" + dir_.Sub("none") + "' --id x --name X --kind other");
  EXPECT_EQ(no_folder.exit_code, 2);
  EXPECT_NE(no_folder.err.find("kasane init"), std::string::npos) << no_folder.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("none")));
}

TEST_F(AdminCommandsTest, EventIdMakesARetryIdempotent) {
  Init();
  const std::string id = "00112233445566778899aabbccddeeff";
  Outcome first = Kasane("agency add " + Data() + " --id x --name X --kind other --event-id " + id);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Outcome retry = Kasane("agency add " + Data() + " --id x --name X --kind other --event-id " + id);
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  json a = json::parse(first.out), b = json::parse(retry.out);
  EXPECT_EQ(a["eventId"], id);
  EXPECT_EQ(b["eventId"], id);
  EXPECT_EQ(a["position"], b["position"]);
  EXPECT_EQ(b["replayed"], true);
  const uint64_t size = LogSize();
  Outcome other = Kasane("agency add " + Data() + " --id y --name Y --kind other --event-id " + id);
  EXPECT_EQ(other.exit_code, 2) << other.err;
  EXPECT_NE(other.err.find("409"), std::string::npos) << other.err;
  EXPECT_EQ(LogSize(), size);
  EXPECT_EQ(Stream("admin").size(), 3u);
}

TEST_F(AdminCommandsTest, HelpHasExamples) {
  for (const std::string cmd : {"init", "agency add", "staff add", "staff deactivate"}) {
    Outcome o = Kasane(cmd + " --help");
    EXPECT_EQ(o.exit_code, 0) << cmd;
    EXPECT_NE(o.out.find("Examples:"), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace kasane::tools

// `kasane token issue|revoke|list`, run as a user would: the real binary on a real data folder,
// its tokens then checked in-process with api::TokenStore.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/tokens.h"
#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

class TokenCommandsTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args) { return Sh(kKasane + " " + args); }
  std::string Data() const { return "--data '" + dir_.Sub("data") + "'"; }

  // Authenticates `token` against the folder's tokens, in-process (the binary has exited).
  std::optional<api::TokenInfo> Authenticate(const std::string& token) {
    eventstore::EventLogOptions options;
    options.dir = dir_.Sub("data");
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return std::nullopt;
    auto store = api::TokenStore::Open(**log);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return std::nullopt;
    return (*store)->Authenticate(token);
  }

  TempDir dir_;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST_F(TokenCommandsTest, IssueListRevokeRoundTrip) {
  Outcome issued = Kasane("token issue " + Data() +
                          " --staff st-1 --agency ag-1 --role caseworker --label 'front desk'");
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string token = Trim(issued.out);
  ASSERT_EQ(token.size(), 60u) << issued.out;
  ASSERT_EQ(token.substr(0, 4), "ksn_");
  const std::string id = token.substr(4, 12);
  EXPECT_NE(issued.err.find("token " + id + " issued"), std::string::npos) << issued.err;
  EXPECT_EQ(issued.err.find(token), std::string::npos) << "the token goes to stdout only";

  std::optional<api::TokenInfo> who = Authenticate(token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->principal.staff.value, "st-1");
  EXPECT_EQ(who->principal.agency.value, "ag-1");
  EXPECT_EQ(who->principal.role, domain::Role::kCaseworker);
  EXPECT_EQ(who->label, "front desk");

  Outcome list = Kasane("token list " + Data());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(id + "  caseworker  staff=st-1  agency=ag-1"), std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("active"), std::string::npos);
  EXPECT_NE(list.out.find("label=\"front desk\""), std::string::npos);
  EXPECT_EQ(list.out.find(token.substr(17)), std::string::npos) << "no secret in the list";

  Outcome revoked = Kasane("token revoke " + Data() + " " + id);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  auto r = nlohmann::json::parse(revoked.out);
  EXPECT_EQ(r["id"], id);
  EXPECT_EQ(r["already_revoked"], false);
  EXPECT_GT(r["revoked_at"].get<int64_t>(), 0);
  EXPECT_FALSE(Authenticate(token).has_value());

  // Revoking again is idempotent and says so.
  Outcome again = Kasane("token revoke " + Data() + " " + id);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto a = nlohmann::json::parse(again.out);
  EXPECT_EQ(a["already_revoked"], true);
  EXPECT_EQ(a["revoked_at"], r["revoked_at"]);

  Outcome after = Kasane("token list " + Data());
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_NE(after.out.find("revoked="), std::string::npos) << after.out;
  EXPECT_EQ(after.out.find("active"), std::string::npos) << after.out;
}

TEST_F(TokenCommandsTest, IssueJsonAndListJsonForAnApp) {
  Outcome issued = Kasane("token issue --json " + Data() +
                          " --agency ag-stats --role app --app-case c-1 --app-case c-2"
                          " --app-kinds health,care --app-content --label 'stats app'");
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  auto j = nlohmann::json::parse(issued.out);
  const std::string token = j["token"];
  const std::string id = j["id"];
  EXPECT_EQ(token.substr(4, 12), id);
  EXPECT_EQ(j["principal"]["role"], "app");
  EXPECT_EQ(j["principal"]["agency"], "ag-stats");
  EXPECT_EQ(j["principal"]["app_scope"]["cases"], nlohmann::json::array({"c-1", "c-2"}));
  EXPECT_EQ(j["principal"]["app_scope"]["kinds"], nlohmann::json::array({"health", "care"}));
  EXPECT_EQ(j["principal"]["app_scope"]["content"], true);

  std::optional<api::TokenInfo> who = Authenticate(token);
  ASSERT_TRUE(who.has_value());
  ASSERT_TRUE(who->principal.app_scope.has_value());
  EXPECT_EQ(who->principal.app_scope->cases.size(), 2u);
  EXPECT_TRUE(who->principal.app_scope->content);

  Outcome second =
      Kasane("token issue --json " + Data() + " --staff au-1 --agency city-audit --role auditor");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::string second_token = nlohmann::json::parse(second.out)["token"];

  Outcome list = Kasane("token list --json " + Data());
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto l = nlohmann::json::parse(list.out);
  ASSERT_TRUE(l.is_array());
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]["id"], id);
  EXPECT_EQ(l[0]["label"], "stats app");
  EXPECT_EQ(l[0]["revoked"], false);
  EXPECT_EQ(l[1]["principal"]["role"], "auditor");
  for (const auto& t : l) {
    EXPECT_FALSE(t.contains("token"));
    EXPECT_FALSE(t.contains("hash"));
  }
  for (const std::string& secret : {token.substr(17), second_token.substr(17)}) {
    EXPECT_EQ(list.out.find(secret), std::string::npos);
  }
}

TEST_F(TokenCommandsTest, BadInputExitsTwoWithAClearMessageAndWritesNothing) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"--staff st-1 --agency ag-1 --role boss", "unknown role 'boss'"},
      {"--agency ag-1 --role caseworker", "needs --staff"},
      {"--agency ag-1 --role coordinator", "needs --staff"},
      {"--agency ag-1 --role app", "an app token needs a scope"},
      {"--agency ag-1 --role app --app-case c-1", "an app token needs a scope"},
      {"--staff st-1 --agency ag-1 --role app --app-kinds health", "no --staff"},
      {"--agency ag-1 --role app --app-kinds health,salary", "unknown kind of information"},
      {"--agency ag-1 --role app --app-kinds health --app-case 'c 1'", "case id"},
      {"--staff st-1 --agency ag-1 --role caseworker --app-kinds health", "only to --role app"},
      {"--staff st-1 --agency 'ag/1' --role caseworker", "agency id"},
      {"--staff 'st 1' --agency ag-1 --role caseworker", "staff id"},
      {"--staff st-1 --role caseworker", "--agency"},
  };
  for (const Case& c : cases) {
    Outcome r = Kasane("token issue " + Data() + " " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data"))) << "bad input creates no data folder";

  // Revoking an unknown id, in a folder that has tokens.
  Outcome issued =
      Kasane("token issue " + Data() + " --staff st-1 --agency ag-1 --role secretariat");
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  Outcome unknown = Kasane("token revoke " + Data() + " 0123456789ab");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no token has id '0123456789ab'"), std::string::npos) << unknown.err;
  Outcome missing = Kasane("token revoke " + Data());
  EXPECT_EQ(missing.exit_code, 2);
  // Listing a folder that does not exist.
  Outcome absent = Kasane("token list --data '" + dir_.Sub("absent") + "'");
  EXPECT_EQ(absent.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("absent")));
}

TEST_F(TokenCommandsTest, MoreBadInputExitsTwoAndChangesNothing) {
  Outcome issued =
      Kasane("token issue " + Data() + " --staff st-1 --agency ag-1 --role coordinator");
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string before = Kasane("token list --json " + Data()).out;
  std::filesystem::create_directories(dir_.Sub("empty"));
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"token issue " + Data() + " --staff st-1 --agency ag-1 --role caseworker --label '" +
           std::string(201, 'x') + "'",
       "at most 200 bytes"},
      {"token issue " + Data() + " --staff st-1 --agency ag-1 --role caseworker --expires 1d",
       "--expires"},
      {"token revoke " + Data() + " not-an-id", "no token has id 'not-an-id'"},
      {"token revoke " + Data() + " 0123456789ab 0123456789ac", "0123456789ac"},
      {"token revoke --data '" + dir_.Sub("nowhere") + "' 0123456789ab", "does not exist"},
      {"token list --data '" + dir_.Sub("empty") + "'", "holds no log"},
      {"token list " + Data() + " --all", "--all"},
      {"token", "kasane token: a command is required (one of: issue, revoke, list)"},
      {"token rotate " + Data(), "unknown command 'rotate'"},
  };
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(Kasane("token list --json " + Data()).out, before);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nowhere")));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.Sub("empty")));
}

}  // namespace
}  // namespace kasane::tools

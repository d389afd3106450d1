// `kasane demo` run as a user would: the real binary on a temporary data folder; the folder's
// log and tokens then checked in process.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

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

class DemoCommandTest : public ::testing::Test {
 protected:
  std::string DataDir() const { return dir_.Sub("data"); }
  Outcome Demo() { return Sh(kKasane + " demo --data '" + DataDir() + "'"); }
  std::string TokensFile() const { return DataDir() + "/demo-tokens.env"; }
  std::string ReadTokensFile() const {
    std::ifstream in(TokensFile());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // NAME -> token, from the file.
  std::map<std::string, std::string> Tokens() const {
    std::map<std::string, std::string> out;
    std::stringstream in(ReadTokensFile());
    std::string line;
    const std::string prefix = "export KASANE_TOKEN_";
    while (std::getline(in, line)) {
      if (line.rfind(prefix, 0) != 0) continue;
      const size_t eq = line.find('=');
      out[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
    }
    return out;
  }
  std::unique_ptr<eventstore::EventLog> OpenLog() { return testing::OpenExistingLog(DataDir()); }
  uint64_t LogSize() {
    auto log = OpenLog();
    return log ? log->Size() : 0;
  }

  TempDir dir_;
};

TEST_F(DemoCommandTest, ImportsTheCasesAndIssuesATokenPerRole) {
  Outcome r = Demo();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("The demo data is in " + DataDir()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("source " + TokensFile()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("curl -s -H \"Authorization: Bearer $KASANE_TOKEN_CM\" "
                       "http://127.0.0.1:8080/v1/cases/c-8050/timeline"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("kasane demo: "), std::string::npos) << r.err;  // progress

  struct stat st {};
  ASSERT_EQ(::stat(TokensFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::map<std::string, std::string> tokens = Tokens();
  const std::map<std::string, std::pair<std::string, domain::Role>> want = {
      {"SEC", {"st-sec", domain::Role::kSecretariat}},
      {"COORD", {"st-coord", domain::Role::kCoordinator}},
      {"CM", {"st-cm", domain::Role::kCaseworker}},
      {"HELPER", {"st-helper", domain::Role::kCaseworker}},
      {"MSW", {"st-msw", domain::Role::kCaseworker}},
      {"TEACHER", {"st-teacher", domain::Role::kCaseworker}},
      {"TAX", {"st-tax", domain::Role::kCaseworker}},
      {"AUDIT", {"st-audit", domain::Role::kAuditor}},
      {"APP", {"", domain::Role::kApp}},
  };
  ASSERT_EQ(tokens.size(), want.size()) << ReadTokensFile();
  for (const auto& [name, token] : tokens) {
    EXPECT_EQ(r.out.find(token), std::string::npos) << "token text is printed only to the file";
    EXPECT_NE(r.out.find("$KASANE_TOKEN_" + name), std::string::npos) << name;
  }

  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (const char* stream : {"case-c-8050", "case-c-yonin", "case-c-shienkaigi"}) {
    auto head = log->GetStreamHead(stream);
    ASSERT_TRUE(head.ok()) << stream << " " << head.status().ToString();
  }
  auto store = api::TokenStore::Open(*log);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& [name, w] : want) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(tokens.contains(name));
    std::optional<api::TokenInfo> who = (*store)->Authenticate(tokens.at(name));
    ASSERT_TRUE(who.has_value());
    EXPECT_EQ(who->principal.staff.value, w.first);
    EXPECT_EQ(who->principal.role, w.second);
    EXPECT_NE(r.out.find("token id " + who->id), std::string::npos);
  }
  EXPECT_EQ((*store)->List().size(), want.size());
}

TEST_F(DemoCommandTest, RunningItTwiceChangesNothing) {
  Outcome first = Demo();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const uint64_t size = LogSize();
  const std::string file = ReadTokensFile();
  Outcome second = Demo();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(LogSize(), size);
  EXPECT_EQ(ReadTokensFile(), file);
  EXPECT_EQ(second.out, first.out);
  EXPECT_NE(second.err.find("no token issued"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("written 0,"), std::string::npos) << second.err;
}

TEST_F(DemoCommandTest, ARevokedTokenIsIssuedAgain) {
  ASSERT_EQ(Demo().exit_code, 0);
  const std::map<std::string, std::string> before = Tokens();
  const std::string cm_id = before.at("CM").substr(4, 12);
  Outcome revoked = Sh(kKasane + " token revoke --data '" + DataDir() + "' " + cm_id);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  Outcome again = Demo();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("1 token(s) issued"), std::string::npos) << again.err;
  const std::map<std::string, std::string> after = Tokens();
  for (const auto& [name, token] : before) {
    if (name == "CM") {
      EXPECT_NE(after.at(name), token);
    } else {
      EXPECT_EQ(after.at(name), token) << name;
    }
  }
}

TEST_F(DemoCommandTest, ALockedFolderSaysToStopTheServer) {
  ASSERT_EQ(Demo().exit_code, 0);
  auto held = OpenLog();  // this process holds the folder, as a running server would
  ASSERT_NE(held, nullptr);
  Outcome r = Demo();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("kasane serve"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  Outcome help = Sh(kKasane + " demo --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace kasane::tools

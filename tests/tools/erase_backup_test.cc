// `kasane erase`, `kasane backup`, `kasane restore`, run as an operator would: the real binary
// on real data folders, with sealed content written through the store's own API.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::EventLog;
using eventstore::SealedPart;
using eventstore::testing::IdFrom;
using eventstore::testing::MakeEvent;
using eventstore::testing::TempDir;

namespace fs = std::filesystem;

using testing::kKasane;
using testing::Outcome;
using testing::Sh;

class EraseBackupTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args, const std::string& input = "") {
    return Sh(kKasane + " " + args, input);
  }
  std::string Folder(const std::string& name) const { return dir_.Sub(name); }
  std::string Data(const std::string& name = "data") const {
    return "--data '" + Folder(name) + "'";
  }

  std::unique_ptr<EventLog> Open(const std::string& name = "data") {
    eventstore::EventLogOptions options;
    options.dir = Folder(name);
    auto log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // A store (with its own master.key) holding events 1..n, each sealed for one of two people.
  std::vector<SealedPart> Seed(int n) {
    auto log = Open();
    std::vector<SealedPart> parts;
    for (int i = 1; i <= n; ++i) {
      eventstore::NewEvent e = MakeEvent(i);
      auto part = log->Seal(e.id, i % 2 ? "person-1" : "person-2", "person.name",
                            "name " + std::to_string(i));
      EXPECT_TRUE(part.ok());
      e.sealed.push_back(*part);
      parts.push_back(*part);
      EXPECT_TRUE(log->Append("case-1", eventstore::ExpectedVersion::Any(), {e}).ok());
    }
    EXPECT_TRUE(log->Checkpoint().ok());
    return parts;
  }

  TempDir dir_;
};

TEST_F(EraseBackupTest, EraseWithAWrongConfirmationChangesNothing) {
  auto parts = Seed(4);
  for (std::string typed : {"person-2\n", "\n", "", "person-1 \n"}) {
    Outcome r = Kasane("erase " + Data() + " --subject person-1", typed);
    EXPECT_EQ(r.exit_code, 2) << typed;
    EXPECT_NE(r.err.find("Type the subject id to confirm"), std::string::npos);
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos);
    EXPECT_EQ(r.out, "");
  }
  EXPECT_FALSE(fs::exists(Folder("data") + "/erasure.ledger"));
  auto log = Open();
  EXPECT_FALSE(log->IsErased("person-1"));
  EXPECT_EQ(log->Size(), 4u);
  EXPECT_EQ(log->Unseal(IdFrom(1), parts[0])->value_or(""), "name 1");
}

TEST_F(EraseBackupTest, EraseAfterTypingTheIdOrWithYesDestroysTheContent) {
  auto parts = Seed(4);
  Outcome typed = Kasane("erase " + Data() + " --subject person-1", "person-1\n");
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  auto j = nlohmann::json::parse(typed.out);
  EXPECT_EQ(j["subject"], "person-1");
  EXPECT_EQ(j["position"], 4);
  // Again, with --yes: idempotent, the same erasure event.
  Outcome again = Kasane("erase " + Data() + " --subject person-1 --yes");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["position"], 4);
  Outcome other = Kasane("erase " + Data() + " --subject person-9 --yes");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(nlohmann::json::parse(other.out)["position"], 5);

  Outcome read = Kasane("log read " + Data() + " --stream erasure");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  auto event = nlohmann::json::parse(read.out.substr(0, read.out.find('\n')));
  EXPECT_EQ(event["type"], "subject.erased");
  EXPECT_EQ(nlohmann::json::parse(event["payload"].get<std::string>()),
            nlohmann::json({{"subject", "person-1"}}));

  Outcome verify = Kasane("verify " + Data());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  auto log = Open();
  EXPECT_TRUE(log->IsErased("person-1"));
  EXPECT_FALSE(log->Unseal(IdFrom(1), parts[0])->has_value());
  EXPECT_EQ(log->Unseal(IdFrom(2), parts[1])->value_or(""), "name 2");
}

TEST_F(EraseBackupTest, EraseOfAMissingFolderIsAnErrorAndCreatesNothing) {
  Outcome r = Kasane("erase " + Data() + " --subject person-1 --yes");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(Folder("data")));
}

TEST_F(EraseBackupTest, BackupAndRestoreRoundTrip) {
  auto parts = Seed(6);
  Outcome backup = Kasane("backup " + Data() + " --to '" + Folder("backup") + "'");
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  auto j = nlohmann::json::parse(backup.out);
  EXPECT_EQ(j["events"], 6);
  EXPECT_EQ(j["master_key_included"], true);
  EXPECT_NE(backup.err.find("master.key"), std::string::npos);
  for (const char* f : {"log", "signing.key", "master.key"}) {
    EXPECT_TRUE(fs::exists(Folder("backup") + "/" + f)) << f;
  }
  // A second backup into the same folder is refused.
  EXPECT_EQ(Kasane("backup " + Data() + " --to '" + Folder("backup") + "'").exit_code, 2);

  Outcome restore = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored"));
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  auto r = nlohmann::json::parse(restore.out);
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["events"], 6);
  EXPECT_NE(restore.err.find("no --ledger"), std::string::npos);
  EXPECT_EQ(Kasane("log read " + Data("restored")).out, Kasane("log read " + Data()).out);
  {
    auto log = Open("restored");
    EXPECT_EQ(log->Unseal(IdFrom(3), parts[2])->value_or(""), "name 3");
  }
  // Restoring into a folder that holds anything is refused, and changes nothing.
  Outcome again = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored"));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("not empty"), std::string::npos);
  EXPECT_EQ(Kasane("verify " + Data("restored")).exit_code, 0);
}

TEST_F(EraseBackupTest, RestoreOfABackupTakenBeforeAnErasureKeepsItErased) {
  auto parts = Seed(4);
  ASSERT_EQ(Kasane("backup " + Data() + " --to '" + Folder("backup") + "'").exit_code, 0);
  ASSERT_EQ(Kasane("erase " + Data() + " --subject person-1 --yes").exit_code, 0);
  Outcome restore = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored") +
                           " --ledger '" + Folder("data") + "/erasure.ledger'");
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(nlohmann::json::parse(restore.out)["ok"], true);
  auto log = Open("restored");
  EXPECT_TRUE(log->IsErased("person-1"));
  EXPECT_FALSE(log->Unseal(IdFrom(1), parts[0])->has_value());
  EXPECT_EQ(log->Unseal(IdFrom(2), parts[1])->value_or(""), "name 2");
  auto stored = log->TEST_StoredSubjectKey("person-1");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
}

// The views are derived from the log: a restore over a folder whose database was lost removes
// them (they are rebuilt from the restored log), while anything else still makes it refuse.
TEST_F(EraseBackupTest, RestoreRemovesTheViewsOfTheReplacedDatabase) {
  Seed(2);
  ASSERT_EQ(Kasane("backup " + Data() + " --to '" + Folder("backup") + "'").exit_code, 0);
  std::filesystem::create_directories(Folder("restored") + "/views");
  std::ofstream(Folder("restored") + "/views/CURRENT") << "stale";
  Outcome restore = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored"));
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_NE(restore.err.find("removed"), std::string::npos) << restore.err;
  EXPECT_FALSE(std::filesystem::exists(Folder("restored") + "/views"));
  EXPECT_EQ(Kasane("log read " + Data("restored")).out, Kasane("log read " + Data()).out);
}

TEST_F(EraseBackupTest, RestoreFailsWhenTheRestoredLogDoesNotVerify) {
  Seed(3);  // signs a checkpoint
  ASSERT_EQ(Kasane("backup " + Data() + " --to '" + Folder("backup") + "'").exit_code, 0);
  // A backup whose signing key was swapped: its stored checkpoint no longer verifies.
  {
    eventstore::EventLogOptions options;
    options.dir = Folder("other");
    ASSERT_TRUE(EventLog::Open(options).ok());
  }
  fs::remove(Folder("backup") + "/signing.key");
  fs::copy_file(Folder("other") + "/signing.key", Folder("backup") + "/signing.key");
  Outcome restore = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored"));
  EXPECT_EQ(restore.exit_code, 1) << restore.err;
  EXPECT_EQ(nlohmann::json::parse(restore.out)["ok"], false);
  EXPECT_NE(restore.err.find("does not verify"), std::string::npos);
}

// Every file under `dir` with its size, to tell that a refused command changed nothing.
std::map<std::string, uintmax_t> Listing(const std::string& dir) {
  std::map<std::string, uintmax_t> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out[e.path().string()] = e.is_regular_file() ? e.file_size() : 0;
  }
  return out;
}

TEST_F(EraseBackupTest, EraseRefusesBadInputBeforeAskingAndChangesNothing) {
  auto parts = Seed(3);
  struct Case {
    std::string args;
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"erase " + Data() + " --yes", "", "--subject is required"},
      {"erase " + Data() + " --subject person-1 --force", "", "--force"},
      {"erase " + Data() + " --subject '' --yes", "", "a subject id must be 1..256 bytes"},
      {"erase " + Data() + " --subject \"$(printf 'a\\tb')\" --yes", "",
       "must not hold control characters"},
      // No confirmation at all on stdin (a script that forgot --yes).
      {"erase " + Data() + " --subject person-1", "", "no confirmation on stdin"},
      {"erase --data '" + Folder("empty") + "' --subject person-1 --yes", "", "holds no log"},
  };
  fs::create_directories(Folder("empty"));
  // (Opening a database rewrites its files: what must not change is what the log holds.)
  const std::string before = Kasane("log read " + Data()).out;
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args, c.input);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(Kasane("log read " + Data()).out, before);
  EXPECT_FALSE(fs::exists(Folder("data") + "/erasure.ledger"));
  EXPECT_TRUE(fs::is_empty(Folder("empty")));
  auto log = Open();
  EXPECT_FALSE(log->IsErased("person-1"));
  EXPECT_EQ(log->Size(), 3u);
  EXPECT_EQ(log->Unseal(IdFrom(1), parts[0])->value_or(""), "name 1");
}

TEST_F(EraseBackupTest, BackupRefusesBadInputAndChangesNothing) {
  Seed(2);
  fs::create_directories(Folder("full"));
  std::ofstream(Folder("full") + "/keep.txt") << "mine";
  std::ofstream(Folder("a-file")) << "mine";
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"backup " + Data(), "--to is required"},
      {"backup " + Data() + " --to '" + Folder("full") + "'", "is not empty"},
      {"backup " + Data() + " --to '" + Folder("a-file") + "'", "is a file"},
      {"backup --data '" + Folder("nowhere") + "' --to '" + Folder("bk") + "'", "does not exist"},
      {"backup " + Data() + " --to '" + Folder("bk") + "' --compress", "--compress"},
  };
  const std::string data = Kasane("log read " + Data()).out;
  const auto full = Listing(Folder("full"));
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(Kasane("log read " + Data()).out, data);
  EXPECT_EQ(Listing(Folder("full")), full);
  EXPECT_FALSE(fs::exists(Folder("bk")));
  EXPECT_FALSE(fs::exists(Folder("nowhere")));
}

TEST_F(EraseBackupTest, BackupAndRestoreSayWhatTheyAreDoing) {
  Seed(5);
  Outcome backup = Kasane("backup " + Data() + " --to '" + Folder("backup") + "'");
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.err.find("backup: copying"), std::string::npos) << backup.err;
  EXPECT_NE(backup.err.find("(5 events)"), std::string::npos) << backup.err;
  Outcome restore = Kasane("restore --from '" + Folder("backup") + "' " + Data("restored"));
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  size_t copying = restore.err.find("restore: copying");
  size_t verifying = restore.err.find("restore: verifying the restored log");
  size_t done = restore.err.find("restore: verify: 5/5 events");
  ASSERT_NE(copying, std::string::npos) << restore.err;
  ASSERT_NE(verifying, std::string::npos) << restore.err;
  ASSERT_NE(done, std::string::npos) << restore.err;
  EXPECT_LT(copying, verifying);
  EXPECT_LT(verifying, done);
  EXPECT_EQ(nlohmann::json::parse(restore.out)["events"], 5);  // stdout: the result alone
}

TEST_F(EraseBackupTest, RestoreRefusesBadInputAndChangesNothing) {
  Seed(2);
  ASSERT_EQ(Kasane("backup " + Data() + " --to '" + Folder("backup") + "'").exit_code, 0);
  // A folder whose database was lost, with stale views and something restore does not know:
  // refused, and the views are still there afterwards.
  fs::create_directories(Folder("damaged") + "/views");
  std::ofstream(Folder("damaged") + "/views/CURRENT") << "stale";
  std::ofstream(Folder("damaged") + "/notes.txt") << "mine";
  fs::create_directories(Folder("not-a-backup"));
  std::ofstream(Folder("not-a-backup") + "/x") << "x";
  struct Case {
    std::string args;
    std::string message;
  };
  const std::string from = " --from '" + Folder("backup") + "'";
  const std::vector<Case> cases = {
      {"restore " + Data("target"), "--from is required"},
      {"restore --from '" + Folder("nowhere") + "' " + Data("target"), "is not a kasane backup"},
      {"restore --from '" + Folder("not-a-backup") + "' " + Data("target"),
       "is not a kasane backup"},
      {"restore" + from + " " + Data("target") + " --ledger '" + Folder("no.ledger") + "'",
       "the erasure ledger " + Folder("no.ledger") + " does not exist"},
      {"restore" + from + " " + Data(), "is not empty"},  // the live folder
      {"restore" + from + " " + Data("damaged"), "is not empty (it holds notes.txt)"},
      {"restore" + from + " " + Data("target") + " --force", "--force"},
  };
  const std::string data = Kasane("log read " + Data()).out;
  const auto damaged = Listing(Folder("damaged"));
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_FALSE(fs::exists(Folder("target")));
  EXPECT_EQ(Kasane("log read " + Data()).out, data);
  EXPECT_EQ(Listing(Folder("damaged")), damaged);
}

TEST_F(EraseBackupTest, MasterKeyFromAFileOrTheEnvironment) {
  std::string hex(64, '3');
  std::ofstream(Folder("master.hex")) << hex << "\n";
  std::string key_flag = " --master-key-file '" + Folder("master.hex") + "'";
  Outcome append = Kasane("log append " + Data() + key_flag + " --stream s --type t.noted", "{}");
  ASSERT_EQ(append.exit_code, 0) << append.err;
  EXPECT_FALSE(fs::exists(Folder("data") + "/master.key"));  // kept elsewhere
  EXPECT_EQ(Kasane("verify " + Data() + key_flag).exit_code, 0);
  EXPECT_EQ(Sh("KASANE_MASTER_KEY=" + hex + " " + kKasane + " verify " + Data()).exit_code, 0);
  Outcome missing = Kasane("verify " + Data());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("master key"), std::string::npos);
  Outcome wrong =
      Sh("KASANE_MASTER_KEY=" + std::string(64, '4') + " " + kKasane + " verify " + Data());
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not the one"), std::string::npos);
  Outcome malformed = Sh("KASANE_MASTER_KEY=xyz " + kKasane + " verify " + Data());
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("64 hex digits"), std::string::npos);
  EXPECT_EQ(malformed.err.find("xyz"), std::string::npos);  // a key is never echoed
}

}  // namespace
}  // namespace kasane::tools

// `kasane backup` while `kasane serve` runs on the folder, through the real binaries: the server
// makes the copy through its control socket (tools/control_socket.h) while writers keep
// committing; the copy restores, verifies, and holds every command answered before the backup
// began. Refusals change nothing; a crashed server's stale socket does not get in the way.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/serve_process.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using testing::kKasane;
using testing::Outcome;
using testing::ServeProcess;
using testing::Sh;

class OnlineBackupTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args, const std::string& cwd = "") {
    // The test's own KASANE_* variables never leak into the command.
    return Sh((cwd.empty() ? "" : "cd '" + cwd + "' && ") +
              "env -u KASANE_DATA -u KASANE_MASTER_KEY_FILE -u KASANE_ORIGIN " + kKasane + " " +
              args);
  }
  std::string Dir() const { return dir_.Sub("data"); }
  std::string Data() const { return "--data '" + Dir() + "'"; }
  std::string Socket() const { return Dir() + "/control.sock"; }

  // `kasane init` (a secretariat sec-1 of agency city and its token), then `kasane serve`.
  void StartServing() {
    Outcome o = Kasane("init " + Data() +
                       " --agency city --agency-name City --agency-kind municipal_division "
                       "--staff sec-1");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    token_ = json::parse(o.out).value("token", "");
    ASSERT_FALSE(token_.empty());
    Serve();
  }
  void Serve() {
    serve_ = std::make_unique<ServeProcess>(
        std::vector<std::string>{"serve", "--data", Dir(), "--listen", "127.0.0.1:0", "--threads",
                                 "16"},
        std::map<std::string, std::string>{}, dir_.path());
    ASSERT_TRUE(serve_->started());
    port_ = serve_->WaitListening();
    ASSERT_TRUE(port_.has_value()) << serve_->Err();
  }

  // Registers staff members `prefix`-0, -1, ... until `stop`; each answered position is kept.
  void Write(const std::string& prefix, const std::atomic<bool>& stop) {
    httplib::Client c("127.0.0.1", *port_);
    httplib::Headers auth = {{"Authorization", "Bearer " + token_}};
    for (int i = 0; !stop; ++i) {
      auto r = c.Post("/v1/staff", auth,
                      json{{"staff", prefix + "-" + std::to_string(i)},
                           {"agency", "city"},
                           {"roles", json::array({"caseworker"})}}
                          .dump(),
                      "application/json");
      if (!r || r->status != 201) return;
      std::lock_guard lock(mu_);
      acked_.push_back(json::parse(r->body)["position"].get<uint64_t>());
    }
  }
  std::vector<uint64_t> Acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }

  TempDir dir_;
  std::string token_;
  std::unique_ptr<ServeProcess> serve_;
  std::optional<int> port_;
  std::mutex mu_;
  std::vector<uint64_t> acked_;  // GUARDED_BY(mu_)
};

TEST_F(OnlineBackupTest, BackupWhileServingUnderLoadRestoresAndVerifies) {
  StartServing();
  struct stat st {};
  ASSERT_EQ(::lstat(Socket().c_str(), &st), 0) << serve_->Err();
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] { Write("cw-" + std::to_string(w), stop); });
  }
  // (The bound only keeps a broken server from wedging the test.)
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (Acked().size() < 60 && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::vector<uint64_t> before = Acked();
  ASSERT_GE(before.size(), 60u) << serve_->Err();

  const std::string backup = dir_.Sub("backup");
  Outcome b = Kasane("backup " + Data() + " --to '" + backup + "'");
  stop = true;
  for (std::thread& t : writers) t.join();
  ASSERT_EQ(b.exit_code, 0) << b.err << serve_->Err();
  json out = json::parse(b.out);
  EXPECT_EQ(out["through_server"], true) << b.out;
  EXPECT_EQ(out["backup"], backup);
  EXPECT_GE(out["events"].get<uint64_t>(), before.size()) << b.out;
  EXPECT_NE(b.err.find("running `kasane serve`"), std::string::npos) << b.err;

  // The server goes on after the backup, stops cleanly, and removes its socket.
  EXPECT_EQ(serve_->Stop(SIGTERM), 0) << serve_->Err();
  EXPECT_FALSE(std::filesystem::exists(Socket()));
  EXPECT_NE(serve_->Err().find("control: backup of the data folder"), std::string::npos);

  // The copy restores into a new folder and verifies; every command answered before the backup
  // began is in it.
  const std::string restored = dir_.Sub("restored");
  Outcome r = Kasane("restore --from '" + backup + "' --data '" + restored + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Outcome v = Kasane("verify --data '" + restored + "'");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  {
    eventstore::EventLogOptions options;
    options.dir = restored;
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_GE((*log)->Size(), out["events"].get<uint64_t>());
    for (uint64_t p : before) {
      auto e = (*log)->ReadAt(p);
      ASSERT_TRUE(e.ok()) << p;
      EXPECT_EQ(e->type, "staff.registered");
    }
  }
  std::cout << "[online-backup] acked_before=" << before.size() << " acked_total=" << Acked().size()
            << " events_at_start=" << out["events"] << " restored_verify_exit=" << v.exit_code
            << "\n";
  // The live folder verifies too, with everything answered after the backup.
  Outcome live = Kasane("verify " + Data());
  EXPECT_EQ(live.exit_code, 0) << live.err;
}

TEST_F(OnlineBackupTest, RefusalsWhileServingChangeNothing) {
  StartServing();
  // A folder that is not empty: refused before the server is asked.
  const std::string full = dir_.Sub("full");
  std::filesystem::create_directories(full);
  std::ofstream(full + "/keep.txt") << "mine";
  Outcome b = Kasane("backup " + Data() + " --to '" + full + "'");
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("is not empty"), std::string::npos) << b.err;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(full),
                          std::filesystem::directory_iterator()),
            1);

  // A place the server cannot write: its error, exit 2, nothing left behind.
  const std::string blocker = dir_.Sub("blocker");
  std::ofstream(blocker) << "a file";
  Outcome nowhere = Kasane("backup " + Data() + " --to '" + blocker + "/sub'");
  EXPECT_EQ(nowhere.exit_code, 2);
  EXPECT_NE(nowhere.err.find("kasane: error: "), std::string::npos) << nowhere.err;

  // A relative --to is the caller's, not the server's working directory.
  const std::string here = dir_.Sub("here");
  std::filesystem::create_directories(here);
  Outcome rel = Kasane("backup " + Data() + " --to rel-copy", here);
  ASSERT_EQ(rel.exit_code, 0) << rel.err;
  EXPECT_TRUE(std::filesystem::exists(here + "/rel-copy/log/CURRENT"));
  EXPECT_TRUE(std::filesystem::exists(here + "/rel-copy/signing.key"));

  // The server kept serving through all of it.
  httplib::Client c("127.0.0.1", *port_);
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(serve_->Stop(SIGTERM), 0) << serve_->Err();
}

TEST_F(OnlineBackupTest, AStaleSocketAfterACrashDoesNotGetInTheWay) {
  StartServing();
  ASSERT_TRUE(serve_->Kill());
  ASSERT_TRUE(std::filesystem::exists(Socket()));  // a crash leaves it behind

  // Nobody listens: the backup opens the folder itself.
  Outcome offline = Kasane("backup " + Data() + " --to '" + dir_.Sub("b1") + "'");
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(json::parse(offline.out)["through_server"], false) << offline.out;

  // The database is lost (moved away here): restoring into the same folder tolerates the
  // stale socket beside the kept key files and ledger.
  std::filesystem::rename(Dir() + "/log", dir_.Sub("log.damaged"));
  Outcome r = Kasane("restore --from '" + dir_.Sub("b1") + "' " + Data());
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The next server replaces the stale socket and serves backups again.
  Serve();
  Outcome online = Kasane("backup " + Data() + " --to '" + dir_.Sub("b2") + "'");
  ASSERT_EQ(online.exit_code, 0) << online.err;
  EXPECT_EQ(json::parse(online.out)["through_server"], true) << online.out;
  EXPECT_EQ(serve_->Stop(SIGTERM), 0) << serve_->Err();
}

}  // namespace
}  // namespace kasane::tools

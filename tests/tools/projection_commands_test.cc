// `kasane rebuild`, `kasane projections status` and `kasane bench rebuild`, run as a user would:
// the real binary on a data folder holding a synthetic log written in-process.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "eventstore/event_log.h"
#include "projections/projection.h"
#include "projections/synthetic.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using testing::kKasane;
using testing::Outcome;
using testing::Sh;

constexpr uint64_t kEvents = 3000;

class ProjectionCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eventstore::EventLogOptions options;
    options.dir = dir_.Sub("data");
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    projections::SyntheticOptions o;
    o.events = kEvents;
    o.active_cases = 100;
    o.with_big_case = false;
    auto summary = projections::WriteSyntheticLog(**log, o);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  }  // the log is closed here: the binary opens the folder next

  Outcome Kasane(const std::string& args) { return Sh(kKasane + " " + args); }
  std::string Data() const { return "--data '" + dir_.Sub("data") + "'"; }

  // `projections status --json`, parsed.
  nlohmann::json Status() {
    Outcome r = Kasane("projections status --json " + Data());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  TempDir dir_;
};

TEST_F(ProjectionCommandsTest, RebuildOfEveryProjectionShowsProgressAndReachesTheLogsSize) {
  Outcome r = Kasane("rebuild " + Data());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string total = "/" + std::to_string(kEvents) + "\n";
  for (const std::string& name : projections::ProjectionNames()) {
    EXPECT_NE(r.err.find("rebuild " + name + ": "), std::string::npos) << name << "\n" << r.err;
    EXPECT_NE(r.err.find("rebuild " + name + ": " + std::to_string(kEvents) + total),
              std::string::npos)
        << name << "\n"
        << r.err;
    EXPECT_NE(r.out.find("rebuild " + name + ": done, " + std::to_string(kEvents) + " events"),
              std::string::npos)
        << name << "\n"
        << r.out;
  }

  nlohmann::json status = Status();
  EXPECT_EQ(status["log_size"], kEvents);
  std::set<std::string> seen;
  for (const auto& p : status["projections"]) {
    seen.insert(p["name"].get<std::string>());
    EXPECT_EQ(p["checkpoint"], kEvents) << p.dump();
    EXPECT_EQ(p["lag"], 0) << p.dump();
    EXPECT_EQ(p["stopped"], false) << p.dump();
  }
  const std::vector<std::string> names = projections::ProjectionNames();
  EXPECT_EQ(seen, std::set<std::string>(names.begin(), names.end()));

  // The text form: one line per projection.
  Outcome text = Kasane("projections status " + Data());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const std::string& name : names) {
    EXPECT_NE(text.out.find(name + ": checkpoint " + std::to_string(kEvents) + ", lag 0"),
              std::string::npos)
        << text.out;
  }
}

TEST_F(ProjectionCommandsTest, RebuildOfOneProjectionLeavesTheOthersAlone) {
  Outcome r = Kasane("rebuild " + Data() + " --projection timeline");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rebuild timeline: done"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("rebuild case_view"), std::string::npos) << r.out;

  nlohmann::json status = Status();
  for (const auto& p : status["projections"]) {
    if (p["name"] == "timeline") {
      EXPECT_EQ(p["checkpoint"], kEvents);
    } else {
      EXPECT_EQ(p["checkpoint"], 0) << p.dump();
      EXPECT_EQ(p["lag"], kEvents) << p.dump();
    }
  }
  // --catch-up applies what the others lack.
  Outcome caught = Kasane("projections status --json --catch-up " + Data());
  ASSERT_EQ(caught.exit_code, 0) << caught.err;
  const nlohmann::json caught_status = nlohmann::json::parse(caught.out);
  for (const auto& p : caught_status["projections"]) {
    EXPECT_EQ(p["checkpoint"], kEvents) << p.dump();
  }
  // Its progress goes to stderr (stdout is the JSON alone, parsed above).
  EXPECT_NE(caught.err.find("projections status: catch-up: " + std::to_string(kEvents) + "/" +
                            std::to_string(kEvents) + " events"),
            std::string::npos)
      << caught.err;
}

TEST_F(ProjectionCommandsTest, AnUnknownProjectionIsRefusedAndNothingChanges) {
  Outcome r = Kasane("rebuild " + Data() + " --projection no_such_view");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown projection 'no_such_view'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("timeline"), std::string::npos) << r.err;  // the known names are listed
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data") + "/views"));
}

TEST_F(ProjectionCommandsTest, BadInputIsRefusedAndNothingIsCreated) {
  std::filesystem::create_directories(dir_.Sub("empty"));
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"rebuild --data '" + dir_.Sub("nowhere") + "'", "does not exist"},
      {"rebuild --data '" + dir_.Sub("empty") + "'", "holds no log"},
      {"rebuild " + Data() + " --projection", "--projection"},
      {"rebuild " + Data() + " --all", "--all"},
      {"projections status --data '" + dir_.Sub("nowhere") + "'", "does not exist"},
      {"projections status --data '" + dir_.Sub("empty") + "' --catch-up", "holds no log"},
      {"projections status " + Data() + " --verbose", "--verbose"},
      {"projections", "kasane projections: a command is required (one of: status)"},
      {"projections list " + Data(), "unknown command 'list'"},
  };
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nowhere")));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.Sub("empty")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data") + "/views"));
}

TEST(BenchRebuildTest, BadSizesAreRefusedBeforeAnythingRuns) {
  TempDir tmp;
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"--events 0", "--events: Value 0 not in range"},
      {"--events 999", "--events"},
      {"--events lots", "--events"},
      {"--rounds 0", "--rounds: Value 0 not in range"},
      {"--rounds -1", "--rounds"},
      {"--active-cases 0", "--active-cases"},
      {"--timeline-reads 0", "--timeline-reads"},
      {"--tmp '" + tmp.Sub("nowhere") + "'", "Directory does not exist"},
  };
  for (const Case& c : cases) {
    Outcome r = Sh(kKasane + " bench rebuild --tmp '" + tmp.path() + "' " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(BenchRebuildTest, PrintsOneJsonObjectWithTheFigures) {
  TempDir tmp;
  Outcome r = Sh(kKasane + " bench rebuild --events 20000 --rounds 1 --timeline-reads 10 --json" +
                 " --tmp '" + tmp.path() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  for (const char* key : {"events", "cases", "replay_only_eps", "rebuild_eps", "ratio_rebuild",
                          "timeline_1000_p99_us", "rounds", "replay_only_eps_rounds",
                          "rebuild_eps_rounds", "ratio_rebuild_rounds"}) {
    EXPECT_TRUE(j.contains(key)) << key << " missing in " << r.out;
  }
  EXPECT_EQ(j["events"], 20000);
  EXPECT_EQ(j["rounds"], 1);
  EXPECT_GT(j["cases"].get<uint64_t>(), 0u);
  EXPECT_GT(j["replay_only_eps"].get<double>(), 0);
  EXPECT_GT(j["rebuild_eps"].get<double>(), 0);
  EXPECT_GT(j["timeline_1000_p99_us"].get<double>(), 0);
  EXPECT_GT(j["timeline_1000_events"].get<uint64_t>(), 500u);
  EXPECT_EQ(j["rebuild_eps_rounds"].size(), 1u);
  // The temporary folder is removed.
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

}  // namespace
}  // namespace kasane::tools

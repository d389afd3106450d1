// The `kasane` command line, run as a user would: the real binary on real data folders.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eventstore/envelope_codec.h"
#include "tests/eventstore/raw_db.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;

using testing::kKasane;
using testing::Outcome;
using testing::Sh;
const std::string kVerifyBundlePy = std::string(KASANE_SOURCE_DIR) + "/tools/verify_bundle.py";

class CliTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args, const std::string& input = "") {
    return Sh(kKasane + " " + args, input);
  }
  std::string Data() const { return "--data '" + dir_.Sub("data") + "'"; }

  void AppendSome(int n, const std::string& stream) {
    for (int i = 0; i < n; ++i) {
      Outcome r = Kasane("log append " + Data() + " --stream " + stream + " --type test.noted",
                         "{\"n\":" + std::to_string(i) + "}");
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  TempDir dir_;
};

TEST_F(CliTest, AppendReadCheckpointAndVerifyRoundTrip) {
  Outcome a = Kasane("log append " + Data() +
                         " --stream case-1 --type case.opened --expected-version no_stream "
                         "--id 0b7e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                     "{\"hello\":\"world\"}");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto ack = nlohmann::json::parse(a.out);
  EXPECT_EQ(ack["position"], 0);
  EXPECT_EQ(ack["version"], 0);
  // The same id and content again is an idempotent retry.
  Outcome again = Kasane("log append " + Data() +
                             " --stream case-1 --type case.opened --expected-version no_stream "
                             "--id 0b7e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                         "{\"hello\":\"world\"}");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["replayed"], true);
  AppendSome(4, "case-2");

  Outcome read = Kasane("log read " + Data());
  ASSERT_EQ(read.exit_code, 0) << read.err;
  std::istringstream lines(read.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto e = nlohmann::json::parse(line);
    for (const char* key : {"position", "stream", "version", "type", "id", "recorded_at"}) {
      EXPECT_TRUE(e.contains(key)) << key << " missing in " << line;
    }
    EXPECT_EQ(e["position"], count);
    ++count;
  }
  EXPECT_EQ(count, 5);
  Outcome stream = Kasane("log read " + Data() + " --stream case-2 --from 1 --limit 2");
  ASSERT_EQ(stream.exit_code, 0);
  EXPECT_EQ(std::count(stream.out.begin(), stream.out.end(), '\n'), 2);
  EXPECT_NE(stream.out.find("\"version\":1"), std::string::npos);

  Outcome note = Kasane("log checkpoint " + Data());
  ASSERT_EQ(note.exit_code, 0) << note.err;
  EXPECT_EQ(note.out.rfind("kasane.local/log\n5\n", 0), 0u) << note.out;
  EXPECT_NE(note.out.find("\n\n\xe2\x80\x94 kasane.local/log "), std::string::npos);
  Outcome vkey = Kasane("log verifier-key " + Data());
  ASSERT_EQ(vkey.exit_code, 0);
  EXPECT_EQ(vkey.out.rfind("kasane.local/log+", 0), 0u);

  Outcome verify = Kasane("verify " + Data());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(nlohmann::json::parse(verify.out)["ok"], true);
  EXPECT_NE(verify.err.find("verify: 5/5 events"), std::string::npos) << verify.err;
}

TEST_F(CliTest, VerifyFailsOnAnEventRewrittenThroughRocksDb) {
  AppendSome(20, "case-9");
  ASSERT_EQ(Kasane("log checkpoint " + Data()).exit_code, 0);
  ASSERT_EQ(Kasane("verify " + Data()).exit_code, 0);
  ASSERT_TRUE(eventstore::testing::RewriteEventPayload(dir_.Sub("data"), 3, "{\"n\":999}"));
  // The database is valid: the rewritten event reads back fine...
  Outcome read = Kasane("log read " + Data() + " --from 3 --limit 1");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_NE(read.out.find("999"), std::string::npos);
  // ...but verification catches it.
  Outcome verify = Kasane("verify " + Data());
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.err.find("FAILED"), std::string::npos) << verify.err;
  EXPECT_EQ(nlohmann::json::parse(verify.out)["ok"], false);
}

TEST_F(CliTest, AuditBundleVerifiesWithTheIndependentVerifierAndTamperingIsCaught) {
  AppendSome(5, "case-a");
  AppendSome(7, "case-b");
  Outcome bundle = Kasane("audit-bundle " + Data() + " --stream case-b");
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  std::string vkey = Kasane("log verifier-key " + Data()).out;
  vkey.erase(vkey.find_last_not_of('\n') + 1);
  std::string file = dir_.Sub("bundle.json");
  std::ofstream(file) << bundle.out;

  Outcome independent = Sh("python3 '" + kVerifyBundlePy + "' '" + file + "' --key '" + vkey + "'");
  EXPECT_EQ(independent.exit_code, 0) << independent.out << independent.err;
  Outcome ours = Kasane("verify-bundle '" + file + "' --key '" + vkey + "'");
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_NE(ours.out.find("OK: 7 events"), std::string::npos) << ours.out;

  auto j = nlohmann::json::parse(bundle.out);
  std::string b64 = j["events"][3]["leaf_b64"];
  b64[20] = b64[20] == 'A' ? 'B' : 'A';
  j["events"][3]["leaf_b64"] = b64;
  std::string tampered = dir_.Sub("tampered.json");
  std::ofstream(tampered) << j.dump();
  EXPECT_EQ(
      Sh("python3 '" + kVerifyBundlePy + "' '" + tampered + "' --key '" + vkey + "'").exit_code, 1);
  EXPECT_EQ(Kasane("verify-bundle '" + tampered + "' --key '" + vkey + "'").exit_code, 1);
}

TEST_F(CliTest, BadInputGetsAClearErrorAndChangesNothing) {
  AppendSome(1, "s");
  Outcome bad_version =
      Kasane("log append " + Data() + " --stream s --type t --expected-version soon", "x");
  EXPECT_EQ(bad_version.exit_code, 2);
  EXPECT_NE(bad_version.err.find("expected version must be"), std::string::npos) << bad_version.err;
  Outcome conflict =
      Kasane("log append " + Data() + " --stream s --type t --expected-version no_stream", "x");
  EXPECT_EQ(conflict.exit_code, 2);
  EXPECT_NE(conflict.err.find("current version is 0"), std::string::npos) << conflict.err;
  Outcome bad_id = Kasane("log append " + Data() + " --stream s --type t --id nope", "x");
  EXPECT_EQ(bad_id.exit_code, 2);
  Outcome missing = Kasane("log read --data '" + dir_.Sub("nowhere") + "'");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
  Outcome usage = Kasane("log append " + Data());
  EXPECT_EQ(usage.exit_code, 2);
  Outcome read = Kasane("log read " + Data());
  EXPECT_EQ(std::count(read.out.begin(), read.out.end(), '\n'), 1) << read.out;
}

TEST_F(CliTest, BenchAppendPrintsEveryFigure) {
  Outcome bench =
      Kasane("bench append --json --seconds 0.2 --rounds 1 --tmp '" + dir_.path() + "'");
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  auto j = nlohmann::json::parse(bench.out);
  for (const char* key : {"raw_batch100_eps",
                          "raw_c64_eps",
                          "append_batch100_eps",
                          "append_c1_eps",
                          "append_c16_eps",
                          "append_c64_eps",
                          "append_batch100_p50_us",
                          "append_batch100_p99_us",
                          "append_c1_p50_us",
                          "append_c1_p99_us",
                          "append_c16_p50_us",
                          "append_c16_p99_us",
                          "append_c64_p50_us",
                          "append_c64_p99_us",
                          "event_bytes",
                          "append_batch100_sealed_eps",
                          "append_batch100_sealed_p50_us",
                          "append_batch100_sealed_p99_us",
                          "sealed_event_bytes",
                          "ratio_sealed"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
}

}  // namespace
}  // namespace kasane::tools

// The `kasane` command line, run as a user would: the real binary on real data folders.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eventstore/envelope_codec.h"
#include "eventstore/event_log.h"
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

// A table of bad inputs to the log commands: each exits 2 with a message that says what is wrong,
// prints nothing on stdout, and changes nothing (the log holds the same events; no folder is
// created where there was none).
TEST_F(CliTest, EveryLogCommandRefusesBadInputAndChangesNothing) {
  AppendSome(3, "case-c-1");
  std::ofstream(dir_.Sub("a-file")) << "not a folder";
  std::filesystem::create_directories(dir_.Sub("empty"));
  const std::string before = Kasane("log read " + Data()).out;
  ASSERT_EQ(std::count(before.begin(), before.end(), '\n'), 3);
  const std::string nowhere = " --data '" + dir_.Sub("nowhere") + "'";
  const std::string empty = " --data '" + dir_.Sub("empty") + "'";
  const std::string file = " --data '" + dir_.Sub("a-file") + "'";
  struct Case {
    std::string args;
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"log append " + Data() + " --stream s --type t --bogus", "{}", "--bogus"},
      {"log append " + Data() + " --stream s", "{}", "--type is required"},
      {"log append " + Data() + " --type t", "{}", "--stream is required"},
      {"log append " + Data() + " --stream s --type t --expected-version soon", "{}",
       "expected version must be"},
      {"log append " + Data() + " --stream case-c-1 --type t --expected-version no_stream", "{}",
       "current version is 2"},
      {"log append " + Data() + " --stream s --type t --id nope", "{}", "an event id is a UUID"},
      {"log append " + Data() + " --stream s --type t --occurred-at yesterday", "{}",
       "--occurred-at must look like"},
      {"log append " + Data() + " --stream s --type t --occurred-at 2026-04-01T09:30:00+09:00",
       "{}", "must be UTC"},
      {"log append " + Data() + " --stream '' --type t", "{}", "stream name"},
      {"log append " + Data() + " --stream s --type ''", "{}", "event type"},
      {"log append" + file + " --stream s --type t", "{}", "is a file, not a data folder"},
      {"log read " + Data() + " --from -1", "", "--from: must be a number 0 or more"},
      {"log read " + Data() + " --limit many", "", "--limit"},
      {"log read " + Data() + " --stream no-such-stream", "",
       "stream 'no-such-stream' does not exist"},
      {"log read" + nowhere, "", "does not exist"},
      {"log read" + empty, "", "holds no log"},
      {"log read" + file, "", "is a file, not a data folder"},
      {"log checkpoint" + nowhere, "", "does not exist"},
      {"log checkpoint" + empty, "", "holds no log"},
      {"log verifier-key" + nowhere, "", "does not exist"},
      {"log verifier-key " + Data() + " extra", "", "extra"},
      {"log", "", "kasane log: a command is required (one of: append, read"},
      {"log nosuch", "", "kasane log: unknown command 'nosuch'"},
      {"verify" + nowhere, "", "does not exist"},
      {"verify" + empty, "", "holds no log"},
      {"verify " + Data() + " --fast", "", "--fast"},
      {"audit-bundle" + nowhere + " --stream s", "", "does not exist"},
      {"audit-bundle " + Data() + " --stream no-such-stream", "", "does not exist"},
      {"audit-bundle " + Data() + " --case 'c 1'", "", "case id may contain only"},
      {"audit-bundle " + Data() + " --case c-1 --stream case-c-1", "", "excludes"},
      {"audit-bundle " + Data() + " --case no-such-case", "", "'case-no-such-case' does not exist"},
  };
  for (const Case& c : cases) {
    Outcome r = Kasane(c.args, c.input);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  EXPECT_EQ(Kasane("log read " + Data()).out, before);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nowhere")));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.Sub("empty")));
}

TEST_F(CliTest, AFolderInUseByAnotherProcessIsNamedAsSuch) {
  AppendSome(1, "s");
  eventstore::EventLogOptions options;
  options.dir = dir_.Sub("data");
  options.create_if_missing = false;
  auto held = eventstore::EventLog::Open(options);  // as `kasane serve` would hold it
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  for (std::string cmd : {"log read", "verify", "log append --stream s --type t"}) {
    Outcome r = Kasane(cmd + " " + Data(), "{}");
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("is in use by another process"), std::string::npos) << cmd << r.err;
    EXPECT_EQ(r.out, "") << cmd;
  }
  EXPECT_EQ((*held)->Size(), 1u);
}

TEST_F(CliTest, VerifyShowsItsPhasesAndProgressOnStderrOnly) {
  AppendSome(4, "case-c-1");
  Outcome r = Kasane("verify " + Data());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // stdout is the result alone: one JSON object.
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["events"], 4);
  size_t phase1 = r.err.find("verify: phase 1 of 2");
  size_t done = r.err.find("verify: 4/4 events");
  size_t phase2 = r.err.find("verify: phase 2 of 2: the indexes");
  ASSERT_NE(phase1, std::string::npos) << r.err;
  ASSERT_NE(done, std::string::npos) << r.err;
  ASSERT_NE(phase2, std::string::npos) << r.err;
  EXPECT_LT(phase1, done);
  EXPECT_LT(done, phase2);
}

TEST_F(CliTest, AuditBundleOfACaseIsTheBundleOfItsStream) {
  AppendSome(3, "case-c-7");
  AppendSome(2, "case-c-8");
  Outcome by_case = Kasane("audit-bundle " + Data() + " --case c-7");
  ASSERT_EQ(by_case.exit_code, 0) << by_case.err;
  Outcome by_stream = Kasane("audit-bundle " + Data() + " --stream case-c-7");
  ASSERT_EQ(by_stream.exit_code, 0) << by_stream.err;
  auto a = nlohmann::json::parse(by_case.out);
  auto b = nlohmann::json::parse(by_stream.out);
  EXPECT_EQ(a["stream"], "case-c-7");
  EXPECT_EQ(a["events"], b["events"]);
  EXPECT_EQ(a["events"].size(), 3u);
}

TEST_F(CliTest, VerifyBundleTellsBadInputFromABundleThatDoesNotVerify) {
  AppendSome(3, "case-c-1");
  Outcome bundle = Kasane("audit-bundle " + Data() + " --case c-1");
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  const std::string file = dir_.Sub("bundle.json");
  std::ofstream(file) << bundle.out;
  const std::string key_file = dir_.Sub("log.vkey");
  std::ofstream(key_file) << Kasane("log verifier-key " + Data()).out;
  // Another log's (well-formed) key.
  ASSERT_EQ(
      Kasane("log append --data '" + dir_.Sub("other") + "' --stream s --type t", "{}").exit_code,
      0);
  const std::string other_key_file = dir_.Sub("other.vkey");
  std::ofstream(other_key_file)
      << Kasane("log verifier-key --data '" + dir_.Sub("other") + "'").out;
  std::ofstream(dir_.Sub("garbage.json")) << "this is not JSON";
  std::ofstream(dir_.Sub("other-format.json")) << R"({"format":"something-else/1"})";

  // Success: from a key file, and the bundle on stdin.
  Outcome ok = Kasane("verify-bundle '" + file + "' --key-file '" + key_file + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("OK: 3 events"), std::string::npos) << ok.out;
  Outcome piped = Kasane("verify-bundle - --key-file '" + key_file + "'", bundle.out);
  EXPECT_EQ(piped.exit_code, 0) << piped.err;

  // A well-formed bundle and key that do not match: the check fails (exit 1).
  Outcome wrong = Kasane("verify-bundle '" + file + "' --key-file '" + other_key_file + "'");
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_NE(wrong.err.find("FAILED: the checkpoint is not signed by this key"), std::string::npos)
      << wrong.err;
  EXPECT_EQ(wrong.out, "");

  // Bad input (exit 2).
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"'" + file + "'", "--key or --key-file is required"},
      {"--key-file '" + key_file + "'", "FILE is required"},
      {"'" + file + "' --key not-a-key", "--key is not a verifier key"},
      {"'" + file + "' --key-file '" + dir_.Sub("no.vkey") + "'", "cannot read"},
      {"'" + file + "' --key x --key-file '" + key_file + "'", "excludes"},
      {"'" + dir_.Sub("missing.json") + "' --key-file '" + key_file + "'", "cannot read"},
      {"'" + dir_.Sub("garbage.json") + "' --key-file '" + key_file + "'",
       "is not an audit bundle"},
      {"'" + dir_.Sub("other-format.json") + "' --key-file '" + key_file + "'",
       "is not an audit bundle"},
  };
  for (const Case& c : cases) {
    Outcome r = Kasane("verify-bundle " + c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
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

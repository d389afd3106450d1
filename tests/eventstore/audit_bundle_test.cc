#include "eventstore/audit_bundle.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eventstore/signed_note.h"
#include "tests/eventstore/test_util.h"

namespace kasane::eventstore {
namespace {

using testing::MakeEvent;
using testing::TempDir;

class AuditBundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventLogOptions options;
    options.dir = dir_.path();
    options.origin = "bundle.example/log";
    options.clock = &clock_;
    options.random = &random_;
    auto log = EventLog::Open(options);
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    for (uint64_t i = 0; i < 23; ++i) {
      ASSERT_TRUE(
          log_->Append(i % 3 == 0 ? "case-1" : "case-2", ExpectedVersion::Any(), {MakeEvent(i)})
              .ok());
    }
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{7};
  std::unique_ptr<EventLog> log_;
};

TEST_F(AuditBundleTest, BundleOfAStreamVerifiesWithTheVerifierKey) {
  auto bundle = BuildAuditBundle(*log_, std::string("case-1"));
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto j = nlohmann::json::parse(*bundle);
  EXPECT_EQ(j["format"], "kasane-audit-bundle/1");
  EXPECT_EQ(j["tree_size"], 23);
  EXPECT_EQ(j["events"].size(), 8u);
  auto summary = VerifyAuditBundle(*bundle, log_->VerifierKey());
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->events_verified, 8u);
  EXPECT_EQ(summary->tree_size, 23u);
}

TEST_F(AuditBundleTest, TamperedBundlesAreRejected) {
  auto bundle = BuildAuditBundle(*log_, std::string("case-2"));
  ASSERT_TRUE(bundle.ok());
  auto j = nlohmann::json::parse(*bundle);

  auto leaf = j;  // a leaf whose bytes changed
  std::string b64 = leaf["events"][2]["leaf_b64"];
  b64[10] = b64[10] == 'A' ? 'B' : 'A';
  leaf["events"][2]["leaf_b64"] = b64;
  leaf["events"][2].erase("leaf_hash_hex");
  EXPECT_FALSE(VerifyAuditBundle(leaf.dump(), log_->VerifierKey()).ok());

  auto proof = j;  // a proof hash changed
  std::string h = proof["events"][0]["inclusion_proof"][0];
  h[0] = h[0] == '0' ? '1' : '0';
  proof["events"][0]["inclusion_proof"][0] = h;
  EXPECT_FALSE(VerifyAuditBundle(proof.dump(), log_->VerifierKey()).ok());

  auto size = j;  // the size claimed differs from the signed one
  size["tree_size"] = 22;
  EXPECT_FALSE(VerifyAuditBundle(size.dump(), log_->VerifierKey()).ok());

  SeededRandom other_random(99);
  auto other = NoteSigner::Generate("bundle.example/log", other_random);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyAuditBundle(*bundle, other->VerifierKey()).ok());  // another key
  EXPECT_EQ(VerifyAuditBundle("{not json", log_->VerifierKey()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(AuditBundleTest, WholeLogBundleCoversEveryEvent) {
  auto bundle = BuildAuditBundle(*log_, std::nullopt);
  ASSERT_TRUE(bundle.ok());
  auto summary = VerifyAuditBundle(*bundle, log_->VerifierKey());
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->events_verified, 23u);
  EXPECT_EQ(BuildAuditBundle(*log_, std::string("no-such")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kasane::eventstore

// api::TokenStore against a real EventLog in a temporary folder: issue, authenticate, revoke,
// reopen, and what reaches the disk.
#include "api/tokens.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "base/random.h"
#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"

namespace kasane::api {
namespace {

namespace fs = std::filesystem;
using domain::AgencyId;
using domain::AppScope;
using domain::CaseId;
using domain::InformationKind;
using domain::KindSet;
using domain::Principal;
using domain::Role;
using domain::StaffId;
using eventstore::testing::TempDir;

constexpr UnixNanos kT0 = 1'700'000'000'000'000'000;

Principal Caseworker(std::string staff = "st-1", std::string agency = "ag-1") {
  Principal p;
  p.staff = StaffId(std::move(staff));
  p.agency = AgencyId(std::move(agency));
  p.role = Role::kCaseworker;
  return p;
}

Principal App() {
  Principal p;
  p.agency = AgencyId("ag-stats");
  p.role = Role::kApp;
  AppScope scope;
  scope.cases = {CaseId("c-1"), CaseId("c-2")};
  scope.kinds = KindSet::Of({InformationKind::kHealth, InformationKind::kCare});
  scope.content = true;
  p.app_scope = scope;
  return p;
}

std::string HexSha256(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr), 1);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kDigits[md[i] >> 4];
    out += kDigits[md[i] & 0x0f];
  }
  return out;
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the store and the log, then opens both again.
  void Reopen() {
    tokens_.reset();
    log_.reset();
    eventstore::EventLogOptions options;
    options.dir = dir_.Sub("data");
    options.clock = &clock_;
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    auto tokens = TokenStore::Open(*log_);
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    tokens_ = std::move(tokens).value();
  }

  IssuedToken Issue(const Principal& p, std::string label = "front desk") {
    auto issued = tokens_->Issue(p, std::move(label), clock_.Now());
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    return issued.ok() ? std::move(issued).value() : IssuedToken{};
  }

  // Events in the stream `tokens` (0 when it does not exist).
  uint64_t TokenEvents() const {
    auto head = log_->GetStreamHead(std::string(kTokenStream));
    return head.ok() ? head->version + 1 : 0;
  }

  TempDir dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<eventstore::EventLog> log_;
  std::unique_ptr<TokenStore> tokens_;
};

TEST_F(TokenStoreTest, IssuedTokenAuthenticatesAsItsPrincipal) {
  IssuedToken t = Issue(Caseworker());
  std::optional<TokenInfo> who = tokens_->Authenticate(t.token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->id, t.info.id);
  EXPECT_EQ(who->principal, Caseworker());
  EXPECT_EQ(who->label, "front desk");
  EXPECT_EQ(who->issued_at, kT0);
  EXPECT_FALSE(who->revoked);
  EXPECT_EQ(*who, t.info);
  EXPECT_EQ(TokenEvents(), 1u);
}

TEST_F(TokenStoreTest, TokenTextHasTheDocumentedShape) {
  IssuedToken t = Issue(Caseworker());
  ASSERT_EQ(t.token.size(), 60u) << t.token;
  EXPECT_EQ(t.token.substr(0, 4), "ksn_");
  EXPECT_EQ(t.info.id.size(), 12u);
  EXPECT_EQ(t.token.substr(4, 12), t.info.id);
  EXPECT_EQ(t.token[16], '_');
  // Two tokens never share an id or a secret.
  IssuedToken u = Issue(Caseworker());
  EXPECT_NE(t.info.id, u.info.id);
  EXPECT_NE(t.token.substr(17), u.token.substr(17));
}

TEST_F(TokenStoreTest, WrongSecretWithTheRightIdFails) {
  IssuedToken t = Issue(Caseworker());
  IssuedToken other = Issue(Caseworker("st-2"));
  // One character of the secret changed.
  std::string wrong = t.token;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens_->Authenticate(wrong).has_value());
  wrong = t.token;
  wrong[17] = wrong[17] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens_->Authenticate(wrong).has_value());
  // Another token's secret under this id.
  std::string swapped = t.token.substr(0, 17) + other.token.substr(17);
  EXPECT_FALSE(tokens_->Authenticate(swapped).has_value());
  // Both originals still pass.
  EXPECT_TRUE(tokens_->Authenticate(t.token).has_value());
  EXPECT_TRUE(tokens_->Authenticate(other.token).has_value());
}

TEST_F(TokenStoreTest, UnknownIdFails) {
  IssuedToken t = Issue(Caseworker());
  std::string unknown = t.token;
  unknown[4] = unknown[4] == '0' ? '1' : '0';
  EXPECT_FALSE(tokens_->Authenticate(unknown).has_value());
}

TEST_F(TokenStoreTest, MalformedTokensFail) {
  IssuedToken t = Issue(Caseworker());
  std::string upper_id = t.token;
  for (size_t i = 4; i < 16; ++i) upper_id[i] = static_cast<char>(std::toupper(upper_id[i]));
  const std::string secret = t.token.substr(17);
  std::vector<std::string> bad = {
      "",
      "ksn_",
      "ksn_" + t.info.id,
      "ksn_" + t.info.id + "_",
      t.token.substr(0, 59),
      t.token + "A",
      t.token + " ",
      " " + t.token,
      "Bearer " + t.token,
      "KSN_" + t.token.substr(4),
      "ksx_" + t.token.substr(4),
      "ksn_" + t.info.id + "-" + secret,
      "ksn_" + t.info.id + "_" + secret.substr(0, 42) + "=",
      "ksn_" + t.info.id + "_" + secret.substr(0, 42) + "+",
      "ksn_" + t.info.id + "_" + secret.substr(0, 42) + std::string(1, '\0'),
      std::string("ksn_") + "zzzzzzzzzzzz" + "_" + secret,
  };
  if (upper_id != t.token) bad.push_back(upper_id);
  for (const std::string& b : bad) {
    EXPECT_FALSE(tokens_->Authenticate(b).has_value()) << "'" << b << "'";
  }
  EXPECT_TRUE(tokens_->Authenticate(t.token).has_value());
}

TEST_F(TokenStoreTest, RevokedTokenFailsAndOthersStillPass) {
  IssuedToken t = Issue(Caseworker());
  IssuedToken u = Issue(Caseworker("st-2"));
  clock_.Advance(5'000'000'000);
  ASSERT_TRUE(tokens_->Revoke(t.info.id, clock_.Now()).ok());
  EXPECT_FALSE(tokens_->Authenticate(t.token).has_value());
  EXPECT_TRUE(tokens_->Authenticate(u.token).has_value());
  std::optional<TokenInfo> info = tokens_->Find(t.info.id);
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->revoked);
  EXPECT_EQ(info->revoked_at, kT0 + 5'000'000'000);
  EXPECT_EQ(TokenEvents(), 3u);
}

TEST_F(TokenStoreTest, RevokingTwiceSucceedsWithoutASecondEvent) {
  IssuedToken t = Issue(Caseworker());
  ASSERT_TRUE(tokens_->Revoke(t.info.id, clock_.Now()).ok());
  const UnixNanos first = tokens_->Find(t.info.id)->revoked_at;
  clock_.Advance(1'000);
  ASSERT_TRUE(tokens_->Revoke(t.info.id, clock_.Now()).ok());
  EXPECT_EQ(TokenEvents(), 2u);
  EXPECT_EQ(tokens_->Find(t.info.id)->revoked_at, first);
}

TEST_F(TokenStoreTest, RevokingAnUnknownIdIsNotFound) {
  Status s = tokens_->Revoke("0123456789ab", clock_.Now());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_EQ(TokenEvents(), 0u);
}

TEST_F(TokenStoreTest, TokensAndRevocationsSurviveReopen) {
  IssuedToken kept = Issue(Caseworker(), "kept");
  IssuedToken revoked = Issue(Caseworker("st-2"), "revoked");
  IssuedToken app = Issue(App(), "stats app");
  clock_.Advance(7);
  ASSERT_TRUE(tokens_->Revoke(revoked.info.id, clock_.Now()).ok());
  std::vector<TokenInfo> before = tokens_->List();

  Reopen();
  EXPECT_EQ(tokens_->List(), before);
  std::optional<TokenInfo> k = tokens_->Authenticate(kept.token);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(*k, kept.info);
  EXPECT_FALSE(tokens_->Authenticate(revoked.token).has_value());
  EXPECT_EQ(tokens_->Find(revoked.info.id)->revoked_at, kT0 + 7);
  std::optional<TokenInfo> a = tokens_->Authenticate(app.token);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->principal, App());
}

TEST_F(TokenStoreTest, AppPrincipalRoundTripsItsScope) {
  IssuedToken t = Issue(App());
  std::optional<TokenInfo> who = tokens_->Authenticate(t.token);
  ASSERT_TRUE(who.has_value());
  ASSERT_TRUE(who->principal.app_scope.has_value());
  EXPECT_EQ(who->principal.app_scope->cases, (std::set<CaseId>{CaseId("c-1"), CaseId("c-2")}));
  EXPECT_EQ(who->principal.app_scope->kinds,
            KindSet::Of({InformationKind::kHealth, InformationKind::kCare}));
  EXPECT_TRUE(who->principal.app_scope->content);
  EXPECT_TRUE(who->principal.staff.empty());

  // A metadata-only scope over every case.
  Principal stats = App();
  stats.app_scope->cases.clear();
  stats.app_scope->content = false;
  IssuedToken s = Issue(stats);
  Reopen();
  std::optional<TokenInfo> s_who = tokens_->Authenticate(s.token);
  ASSERT_TRUE(s_who.has_value());
  EXPECT_EQ(s_who->principal, stats);
}

TEST_F(TokenStoreTest, InvalidPrincipalsAndLabelsAreRefusedAndNothingIsWritten) {
  std::vector<std::pair<std::string, Principal>> bad;
  Principal p = Caseworker();
  p.agency = AgencyId("");
  bad.emplace_back("empty agency", p);
  p = Caseworker();
  p.agency = AgencyId("センター");
  bad.emplace_back("agency id with Japanese text", p);
  p = Caseworker("");
  bad.emplace_back("caseworker without staff", p);
  p = Caseworker("st 1");
  bad.emplace_back("staff id with a space", p);
  p = Caseworker();
  p.role = Role::kAuditor;
  p.staff = StaffId();
  bad.emplace_back("auditor without staff", p);
  p = Caseworker();
  p.app_scope = AppScope{{}, KindSet::Of({InformationKind::kHealth}), false};
  bad.emplace_back("caseworker with an app scope", p);
  p = App();
  p.app_scope.reset();
  bad.emplace_back("app without scope", p);
  p = App();
  p.app_scope->kinds = KindSet();
  bad.emplace_back("app scope without kinds", p);
  p = App();
  p.staff = StaffId("st-1");
  bad.emplace_back("app with a staff id", p);
  p = App();
  p.app_scope->cases.insert(CaseId("c/1"));
  bad.emplace_back("app scope with a malformed case id", p);
  p = Caseworker();
  p.role = static_cast<Role>(42);
  bad.emplace_back("role out of range", p);
  for (const auto& [what, principal] : bad) {
    auto r = tokens_->Issue(principal, "x", clock_.Now());
    EXPECT_FALSE(r.ok()) << what;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
    }
  }
  for (const std::string& label : {std::string(201, 'a'), std::string("two\nlines"),
                                   std::string("tab\there"), std::string("\xff\xfe")}) {
    auto r = tokens_->Issue(Caseworker(), label, clock_.Now());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << label;
  }
  EXPECT_EQ(TokenEvents(), 0u);
  EXPECT_TRUE(tokens_->List().empty());
  // A label of 200 bytes in Japanese is fine.
  std::string ok_label;
  while (ok_label.size() + 3 <= 200) ok_label += "窓";
  EXPECT_TRUE(tokens_->Issue(Caseworker(), ok_label, clock_.Now()).ok());
}

TEST_F(TokenStoreTest, DataFolderNeverHoldsTheTokenText) {
  IssuedToken t = Issue(Caseworker(), "scan");
  IssuedToken app = Issue(App(), "scan app");
  ASSERT_TRUE(tokens_->Revoke(t.info.id, clock_.Now()).ok());
  const std::string hash = HexSha256(t.token);
  Reopen();  // what was written is on disk (WAL or tables), read back at open
  EXPECT_TRUE(tokens_->Find(t.info.id).has_value());
  tokens_.reset();
  log_.reset();

  // The scan sees the stored events: the hash is there, so finding nothing else means something.
  EXPECT_FALSE(eventstore::testing::FilesContaining(dir_.path(), hash).empty())
      << "the scan must see the data";
  EXPECT_FALSE(eventstore::testing::FilesContaining(dir_.path(), t.info.id).empty());
  for (const IssuedToken* x : {&t, &app}) {
    EXPECT_EQ(eventstore::testing::FilesContaining(dir_.path(), x->token),
              std::vector<std::string>())
        << x->token;
    // Nor the secret part alone, nor its first half.
    EXPECT_EQ(eventstore::testing::FilesContaining(dir_.path(), x->token.substr(17)),
              std::vector<std::string>());
    EXPECT_EQ(eventstore::testing::FilesContaining(dir_.path(), x->token.substr(17, 20)),
              std::vector<std::string>());
  }
}

TEST_F(TokenStoreTest, ListNeverExposesSecretsOrHashes) {
  IssuedToken t = Issue(Caseworker());
  clock_.Advance(1);  // List orders by issued_at, then id
  IssuedToken app = Issue(App());
  std::vector<TokenInfo> list = tokens_->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], t.info);
  EXPECT_EQ(list[1], app.info);
  std::string printed;
  for (const TokenInfo& info : list) printed += TokenInfoJson(info).dump() + "\n";
  for (const IssuedToken* x : {&t, &app}) {
    EXPECT_EQ(printed.find(x->token), std::string::npos);
    EXPECT_EQ(printed.find(x->token.substr(17)), std::string::npos);
    EXPECT_EQ(printed.find(HexSha256(x->token)), std::string::npos);
    EXPECT_NE(printed.find(x->info.id), std::string::npos);
  }
  auto j = TokenInfoJson(list[1]);
  EXPECT_EQ(j["principal"]["role"], "app");
  EXPECT_EQ(j["principal"]["app_scope"]["kinds"], nlohmann::json::array({"health", "care"}));
  EXPECT_FALSE(j.contains("hash"));
  EXPECT_FALSE(j.contains("token"));
}

TEST_F(TokenStoreTest, AnotherStoreSeesNewTokensAfterRefresh) {
  auto second = TokenStore::Open(*log_);
  ASSERT_TRUE(second.ok());
  IssuedToken t = Issue(Caseworker());
  EXPECT_FALSE((*second)->Authenticate(t.token).has_value());
  ASSERT_TRUE((*second)->Refresh().ok());
  EXPECT_TRUE((*second)->Authenticate(t.token).has_value());
  // A token issued by the second store is also read back by the first when it issues.
  auto u = (*second)->Issue(Caseworker("st-9"), "", clock_.Now());
  ASSERT_TRUE(u.ok());
  IssuedToken v = Issue(Caseworker("st-10"));
  EXPECT_TRUE(tokens_->Authenticate(u->token).has_value());
  ASSERT_TRUE((*second)->Revoke(t.info.id, clock_.Now()).ok());
  ASSERT_TRUE(tokens_->Refresh().ok());
  EXPECT_FALSE(tokens_->Authenticate(t.token).has_value());
  EXPECT_EQ(tokens_->List().size(), 3u);
}

TEST_F(TokenStoreTest, UnknownEventTypeInTheStreamRefusesToOpen) {
  Issue(Caseworker());
  eventstore::NewEvent e = eventstore::testing::MakeEvent(1, "{}", "token.suspended");
  ASSERT_TRUE(log_->Append("tokens", eventstore::ExpectedVersion::Any(), {e}).ok());
  auto opened = TokenStore::Open(*log_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TokenStoreTest, MalformedTokenEventIsDataLoss) {
  for (const std::string& payload :
       {std::string("not json"), std::string("{\"id\":\"0123456789ab\"}"),
        std::string(
            "{\"id\":\"0123456789ab\",\"hash\":\"00\",\"principal\":{},\"issued_at\":1}")}) {
    TempDir dir;
    eventstore::EventLogOptions options;
    options.dir = dir.Sub("data");
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok());
    eventstore::NewEvent e = eventstore::testing::MakeEvent(1, payload, "token.issued");
    ASSERT_TRUE((*log)->Append("tokens", eventstore::ExpectedVersion::Any(), {e}).ok());
    auto opened = TokenStore::Open(**log);
    ASSERT_FALSE(opened.ok()) << payload;
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << payload;
  }
}

TEST_F(TokenStoreTest, IdsAndSecretsComeFromTheInjectedRandom) {
  SeededRandom a(7), b(7);
  TempDir d1, d2;
  std::vector<std::string> tokens;
  for (auto [dir, random] : {std::pair{&d1, &a}, std::pair{&d2, &b}}) {
    eventstore::EventLogOptions options;
    options.dir = dir->Sub("data");
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok());
    auto store = TokenStore::Open(**log, random);
    ASSERT_TRUE(store.ok());
    auto t = (*store)->Issue(Caseworker(), "", kT0);
    ASSERT_TRUE(t.ok());
    tokens.push_back(t->token);
  }
  EXPECT_EQ(tokens[0], tokens[1]);
}

TEST_F(TokenStoreTest, ConcurrentAuthenticationDuringIssueAndRevoke) {
  IssuedToken stable = Issue(Caseworker());
  IssuedToken doomed = Issue(Caseworker("st-2"));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failures{0}, checks{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!tokens_->Authenticate(stable.token)) failures.fetch_add(1);
        (void)tokens_->Authenticate(doomed.token);
        checks.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 20; ++i) Issue(Caseworker("st-" + std::to_string(100 + i)));
  ASSERT_TRUE(tokens_->Revoke(doomed.info.id, clock_.Now()).ok());
  EXPECT_FALSE(tokens_->Authenticate(doomed.token).has_value());
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_GT(checks.load(), 0u);
  EXPECT_EQ(tokens_->List().size(), 22u);
}

}  // namespace
}  // namespace kasane::api

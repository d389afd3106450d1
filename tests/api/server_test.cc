// Integration tests of the HTTP API: a real server on a loopback port over real RocksDB in a
// temporary folder, driven through HTTP only. The worked examples of DOMAIN.md are replayed
// through the command routes; what each staff member sees is then compared, event by event,
// with the domain's scope policy (domain::Evaluate through World::See).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "api/case_store.h"
#include "api/openapi.h"
#include "domain/codec.h"
#include "eventstore/audit_bundle.h"
#include "eventstore/merkle.h"
#include "eventstore/signed_note.h"
#include "projections/case_view.h"
#include "tests/api/api_fixture.h"
#include "tests/domain/payload_samples.h"
#include "tests/domain/worked_examples.h"

namespace kasane::api::testing {
namespace {

using domain::ScopeLevel;
using domain::testing::Build8050Household;
using domain::testing::BuildSupportMeetingTaxRefusal;

constexpr std::string_view kProblem = "application/problem+json";

void ExpectProblem(const Reply& r, int status, const std::string& slug) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.Header("Content-Type"), kProblem) << r.body;
  json p = r.Json();
  EXPECT_EQ(p.value("type", ""), "urn:kasane:problem:" + slug) << r.body;
  EXPECT_EQ(p.value("status", 0), status);
  EXPECT_FALSE(p.value("title", "").empty());
  EXPECT_TRUE(p.value("instance", "").starts_with("urn:kasane:request:"));
}

std::vector<std::string> StaffIds(const ApiWorld& a) {
  std::vector<std::string> out;
  for (const auto& [id, s] : a.w.directory.staff) out.push_back(id.value);
  return out;
}

class StoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(a.server, nullptr);
    Build8050Household(a.w);
    a.Bootstrap();
    last = a.ReplayStory();
  }
  ApiWorld a;
  uint64_t last = 0;
};

TEST_F(StoryTest, TheStoryIsInTheLogInOrder) {
  auto events = a.server->log().ReadStream("case-c-1", 0, eventstore::Direction::kForward, 10000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), a.w.log.size());
  for (size_t i = 0; i < a.w.log.size(); ++i) {
    EXPECT_EQ((*events)[i].type, domain::TypeOf(a.w.log[i].payload)) << i;
    EXPECT_EQ((*events)[i].id.bytes, a.w.log[i].id.bytes) << i;
  }
}

// Each staff member (every role, every relation) against the one scope policy: full content,
// metadata with "redacted", or nothing; no relation at all -> 404; and every read of full
// content leaves an access record naming exactly those events.
void CheckEveryStaffMember(ApiWorld& a, uint64_t last) {
  for (const std::string& staff : StaffIds(a)) {
    SCOPED_TRACE(staff);
    std::map<std::string, ScopeLevel> expected;
    bool related = a.w.PrincipalOf(staff).role == domain::Role::kAuditor;
    for (const domain::DomainEvent& e : a.w.log) {
      ScopeLevel level = a.w.See(staff, e).level;
      expected[e.id.ToHex()] = level;
      related = related || level != ScopeLevel::kNothing;
    }
    Reply r = a.Get(staff, "/v1/cases/c-1/timeline?min_position=" + std::to_string(last));
    // The case's structure (the full case view, the audit bundle) only for those the policy
    // grants the opening event in full, the secretariat and auditors.
    const domain::Principal who = a.w.PrincipalOf(staff);
    const bool structure = who.role == domain::Role::kAuditor ||
                           who.role == domain::Role::kSecretariat ||
                           a.w.See(staff, a.w.log.front()).level == ScopeLevel::kFull;
    if (related) {
      Reply view = a.Get(staff, "/v1/cases/c-1");
      ASSERT_EQ(view.status, 200) << view.body;
      EXPECT_EQ(view.Json().contains("household"), structure) << view.body;
      EXPECT_EQ(view.Json().contains("redacted"), !structure) << view.body;
      EXPECT_EQ(a.Get(staff, "/v1/cases/c-1/audit-bundle").status, structure ? 200 : 404);
    }
    if (!related) {
      ExpectProblem(r, 404, "not-found");
      ExpectProblem(a.Get(staff, "/v1/cases/c-1"), 404, "not-found");
      continue;
    }
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("ETag"), "\"" + std::to_string(a.w.log.size()) + "\"");
    std::set<std::string> seen;
    for (const json& entry : r.Json()["entries"]) {
      const std::string id = entry["eventId"];
      seen.insert(id);
      ASSERT_TRUE(expected.contains(id));
      if (expected[id] == ScopeLevel::kFull) {
        EXPECT_FALSE(entry.contains("redacted")) << entry.dump();
      } else {
        EXPECT_EQ(expected[id], ScopeLevel::kMetadataOnly) << entry.dump();
        EXPECT_TRUE(entry.contains("redacted")) << entry.dump();
        // Metadata only: no personal field of the payload is present.
        const json full = projections::PayloadJson(
            a.w.log[std::distance(a.w.log.begin(),
                                  std::find_if(a.w.log.begin(), a.w.log.end(),
                                               [&](const auto& e) { return e.id.ToHex() == id; }))]
                .payload,
            false);
        EXPECT_EQ(entry["payload"], full) << entry.dump();
      }
    }
    for (const auto& [id, level] : expected) {
      EXPECT_EQ(seen.contains(id), level != ScopeLevel::kNothing) << id;
    }
    // Rule 7: the read of full content was recorded, naming exactly the events shown in full.
    std::set<std::string> full;
    for (const auto& [id, level] : expected) {
      if (level == ScopeLevel::kFull) full.insert(id);
    }
    const domain::Principal p = a.w.PrincipalOf(staff);
    auto records = a.server->log().ReadStream("access-" + p.agency.value, 0,
                                              eventstore::Direction::kBackward, 1);
    if (full.empty()) {
      EXPECT_FALSE(records.ok() && !records->empty() && (*records)[0].actor.staff == staff)
          << "an access record without content shown";
      continue;
    }
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    ASSERT_EQ(records->size(), 1u);
    const eventstore::RecordedEvent& rec = (*records)[0];
    EXPECT_EQ(rec.actor.staff, staff);
    EXPECT_EQ(rec.correlation_id->ToString().size(), 36u);
    auto decoded = domain::DecodePayload(rec.type, rec.payload);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    const auto& access = std::get<domain::AccessRecorded>(*decoded);
    std::set<std::string> recorded;
    for (const domain::EventId& id : access.events) recorded.insert(id.ToHex());
    EXPECT_EQ(recorded, full);
    EXPECT_EQ(access.case_id.value, "c-1");
  }
}

TEST_F(StoryTest, TimelineFollowsTheScopePolicyForEveryStaffMember) {
  CheckEveryStaffMember(a, last);
}

// The 支援会議 story: a late joiner gets nothing disclosed earlier, and the tax division's
// disclosure without a consent naming tax is refused (rule tax_consent) through HTTP too.
TEST(SupportMeetingStory, EveryStaffMemberThroughTheApi) {
  ApiWorld a;
  ASSERT_NE(a.server, nullptr);
  BuildSupportMeetingTaxRefusal(a.w);
  a.Bootstrap();
  const uint64_t last = a.ReplayStory();
  auto refused = a.server->log().ReadStream("case-c-1", 0, eventstore::Direction::kForward, 1000);
  ASSERT_TRUE(refused.ok());
  bool tax = false;
  for (const auto& e : *refused)
    tax = tax ||
          (e.type == "disclosure.refused" && e.payload.find("tax_consent") != std::string::npos);
  EXPECT_TRUE(tax) << "no refused tax disclosure in the log";
  CheckEveryStaffMember(a, last);
}
TEST_F(StoryTest, ContentReadsAreRecordedBeforeTheyAreSent) {
  const uint64_t before = a.server->log().Size();
  Reply view = a.Get("st-cm", "/v1/cases/c-1?min_position=" + std::to_string(last));
  ASSERT_EQ(view.status, 200) << view.body;
  // The care manager recorded the intake: the father's profile is shown, and a record exists.
  bool profile = false;
  for (const json& m : view.Json()["household"]) profile = profile || m.contains("profile");
  EXPECT_TRUE(profile) << view.body;
  EXPECT_EQ(a.server->log().Size(), before + 1);
  auto records =
      a.server->log().ReadStream("access-ag-kyotaku", 0, eventstore::Direction::kForward, 100);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].type, "access.recorded");
  ASSERT_TRUE((*records)[0].correlation_id.has_value());
  EXPECT_EQ((*records)[0].correlation_id->ToString().size(), 36u);
  // The auditor sees it in the case's access register; nothing personal is in it.
  Reply reg = a.Get("st-audit", "/v1/cases/c-1/accesses?min_position=" +
                                    std::to_string(a.server->log().Size() - 1));
  ASSERT_EQ(reg.status, 200) << reg.body;
  ASSERT_EQ(reg.Json()["entries"].size(), 1u) << reg.body;
  EXPECT_EQ(reg.Json()["entries"][0]["staff"], "st-cm");
  // The auditor's own read shows metadata only: no access record is added.
  const uint64_t size = a.server->log().Size();
  ASSERT_EQ(a.Get("st-audit", "/v1/cases/c-1/timeline").status, 200);
  EXPECT_EQ(a.server->log().Size(), size);
}

// The API's current case view is the case_view projection's view, built by the same function.
TEST_F(StoryTest, TheCaseViewIsTheProjectionsView) {
  Reply r = a.Get("st-audit", "/v1/cases/c-1");
  ASSERT_EQ(r.status, 200) << r.body;
  json api = r.Json();
  for (json& m : api["household"]) m.erase("redacted");
  ASSERT_TRUE(a.server->engine().WaitFor("case_view", last, std::chrono::seconds(10)));
  auto reader = a.server->engine().Reader("case_view");
  ASSERT_TRUE(reader.ok());
  auto stored = projections::ReadCaseView(*reader, domain::CaseId("c-1"));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  json expected = **stored;
  ASSERT_TRUE(projections::ResolveProfiles(
                  expected, a.server->log(), [](uint64_t) { return false; }, a.w.now)
                  .ok());
  EXPECT_EQ(api, expected);
}

// After each command the case store takes the appended events from the command
// (CaseStore::Offer) instead of reading them back: what it holds must be exactly what a store
// reading the whole case from the log holds, events, state and view.
TEST_F(StoryTest, TheCaseStoreAfterCommandsIsWhatTheLogHolds) {
  auto served = a.server->cases().Load(domain::CaseId("c-1"));
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  CaseStore fresh(a.server->log());
  auto read = fresh.Load(domain::CaseId("c-1"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_GT(a.server->cases().offered_events(), 0u);  // the commands took the Offer path
  const CaseSnapshot& s = **served;
  const CaseSnapshot& r = **read;
  ASSERT_EQ(s.events.size(), a.w.log.size());
  ASSERT_EQ(s.events.size(), r.events.size());
  for (size_t i = 0; i < s.events.size(); ++i) {
    EXPECT_EQ(s.events[i].position, r.events[i].position) << i;
    EXPECT_TRUE(s.events[i].event == r.events[i].event) << i << " " << s.events[i].position;
  }
  EXPECT_TRUE(s.state == r.state);
  EXPECT_EQ(*s.View(), *r.View());
  // The sealed parts kept with each event are the log's, and a content read through the store
  // (CaseSnapshot::Unsealed, what the case view's profiles use) opens exactly what a read of
  // the log opens.
  size_t with_parts = 0;
  for (size_t i = 0; i < s.events.size(); ++i) {
    EXPECT_EQ(s.events[i].sealed, r.events[i].sealed) << i;
    with_parts += s.events[i].sealed.empty() ? 0 : 1;
    auto from_store = s.Unsealed(s.events[i].position, a.server->log());
    auto recorded = a.server->log().ReadAt(s.events[i].position);
    ASSERT_TRUE(from_store.ok() && recorded.ok()) << from_store.status().ToString();
    auto from_log = projections::FromLogEvent(*recorded, a.server->log());
    ASSERT_TRUE(from_log.ok()) << from_log.status().ToString();
    EXPECT_TRUE(*from_store == *from_log) << i << " " << s.events[i].position;
  }
  EXPECT_GT(with_parts, 0u);
  EXPECT_EQ(s.Unsealed(a.server->log().Size() + 10, a.server->log()).status().code(),
            StatusCode::kNotFound);
}

// The case view's profiles come from the sealed parts the case store keeps: once a person's
// key is destroyed (kasane erase), the view shows the profile as erased, as a read of the log
// would, and the store's copy opens to nothing.
TEST_F(StoryTest, AnErasedPersonsProfileShowsAsErasedThroughTheCaseStore) {
  auto before = a.Get("st-cm", "/v1/cases/c-1?min_position=" + std::to_string(last));
  ASSERT_EQ(before.status, 200) << before.body;
  std::string person;
  for (const json& m : before.Json()["household"]) {
    if (m.contains("profile") && !m["profile"].contains("erased")) person = m["person"];
  }
  ASSERT_FALSE(person.empty()) << before.body;
  ASSERT_TRUE(a.server->log().EraseSubject(person).ok());
  auto after = a.Get("st-cm", "/v1/cases/c-1");
  ASSERT_EQ(after.status, 200) << after.body;
  bool erased = false;
  for (const json& m : after.Json()["household"]) {
    if (m["person"] == person) {
      ASSERT_TRUE(m.contains("profile")) << after.body;
      EXPECT_EQ(m["profile"], json({{"erased", true}})) << after.body;
      erased = true;
    }
  }
  EXPECT_TRUE(erased) << after.body;
  auto snap = a.server->cases().Load(domain::CaseId("c-1"));
  ASSERT_TRUE(snap.ok());
  bool found = false;
  for (const CaseEvent& e : (*snap)->events) {
    for (const eventstore::SealedPart& part : e.sealed) {
      if (part.subject != person) continue;
      auto d = (*snap)->Unsealed(e.position, a.server->log());
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      EXPECT_NE(std::find(d->erased_paths.begin(), d->erased_paths.end(), part.path),
                d->erased_paths.end())
          << part.path;
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(StoryTest, AuditorsSeeUnrelatedCasesAsMetadataOnly) {
  Reply r = a.Get("st-audit", "/v1/cases/c-1/timeline");
  ASSERT_EQ(r.status, 200);
  for (const json& e : r.Json()["entries"]) EXPECT_TRUE(e.contains("redacted")) << e.dump();
  ExpectProblem(a.Get("st-audit", "/v1/cases/no-such-case"), 404, "not-found");
}

TEST_F(StoryTest, AsOfShowsTheTimelineAsItStood) {
  Reply all = a.Get("st-audit", "/v1/cases/c-1/timeline");
  ASSERT_EQ(all.status, 200);
  const json entries = all.Json()["entries"];
  ASSERT_GT(entries.size(), 3u);
  const uint64_t cut = entries[3]["position"];
  Reply then = a.Get("st-audit", "/v1/cases/c-1/timeline?as_of_position=" + std::to_string(cut));
  ASSERT_EQ(then.status, 200);
  EXPECT_EQ(then.Json()["entries"].size(), 3u);
  Reply view = a.Get("st-audit", "/v1/cases/c-1?as_of_position=" + std::to_string(cut));
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(view.Json()["version"], 3);
  ExpectProblem(a.Get("st-audit", "/v1/cases/c-1/timeline?as_of_position=x"), 422, "validation");
}

TEST_F(StoryTest, RegistersAndOperationalViews) {
  Reply consents = a.Get("st-audit", "/v1/persons/p-father/consents");
  ASSERT_EQ(consents.status, 200) << consents.body;
  EXPECT_FALSE(consents.Json()["entries"].empty());
  Reply disclosures = a.Get("st-audit", "/v1/persons/p-son/disclosures");
  ASSERT_EQ(disclosures.status, 200) << disclosures.body;
  bool refused = false;
  for (const json& e : disclosures.Json()["entries"])
    refused = refused || e.value("refused", false);
  EXPECT_TRUE(refused) << disclosures.body;
  // Someone with no relation to the case sees none of its register entries.
  Reply none = a.Get("st-water", "/v1/persons/p-son/disclosures");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.Json()["entries"].empty()) << none.body;
  EXPECT_EQ(a.Get("st-audit", "/v1/monitoring-due?horizon_days=3660").status, 200);
  Reply csv = a.Get("st-coord", "/v1/statistics", {{"Accept", "text/csv"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBF")) << "CSV without a BOM";
  EXPECT_EQ(a.Get("st-coord", "/v1/statistics").Json().is_object(), true);
  ExpectProblem(a.Get("st-cm", "/v1/staff/st-msw/accesses"), 403, "forbidden");
  EXPECT_EQ(a.Get("st-cm", "/v1/staff/st-cm/accesses").status, 200);
}

TEST_F(StoryTest, ProofsVerify) {
  Reply note = a.Get("st-audit", "/v1/log/checkpoint");
  ASSERT_EQ(note.status, 200);
  EXPECT_NE(note.body.find(a.server->log().Origin()), std::string::npos);
  Reply key = a.Get("st-audit", "/v1/log/verifier-key");
  ASSERT_EQ(key.status, 200);
  const uint64_t size = a.server->log().Size();
  Reply inc = a.Get("st-audit", "/v1/log/inclusion?position=5&size=" + std::to_string(size));
  ASSERT_EQ(inc.status, 200) << inc.body;
  auto b64 = [](const std::string& s) {
    auto bytes = eventstore::Base64Decode(s);
    EXPECT_TRUE(bytes.ok() && bytes->size() == 32) << s;
    eventstore::Hash h{};
    if (bytes.ok()) std::copy_n(bytes->begin(), std::min<size_t>(32, bytes->size()), h.begin());
    return h;
  };
  std::vector<eventstore::Hash> path;
  for (const json& h : inc.Json()["proof"]) path.push_back(b64(h));
  auto root = a.server->log().RootAt(size);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(b64(inc.Json()["rootHash"]), *root);
  EXPECT_TRUE(eventstore::VerifyInclusion(5, size, b64(inc.Json()["leafHash"]), path, *root).ok());
  Reply con = a.Get("st-audit", "/v1/log/consistency?from=3&to=" + std::to_string(size));
  ASSERT_EQ(con.status, 200) << con.body;
  std::vector<eventstore::Hash> cpath;
  for (const json& h : con.Json()["proof"]) cpath.push_back(b64(h));
  EXPECT_TRUE(
      eventstore::VerifyConsistency(3, size, cpath, b64(con.Json()["fromRootHash"]), *root).ok());
  ExpectProblem(a.Get("st-audit", "/v1/log/inclusion?position=" + std::to_string(size)), 422,
                "validation");
  Reply bundle = a.Get("st-cm", "/v1/cases/c-1/audit-bundle");
  ASSERT_EQ(bundle.status, 200);
  EXPECT_TRUE(
      eventstore::VerifyAuditBundle(bundle.body, key.body.substr(0, key.body.size() - 1)).ok());
  ExpectProblem(a.Get("st-water", "/v1/cases/c-1/audit-bundle"), 404, "not-found");
}

TEST_F(StoryTest, TheFeedResumesWithoutGapsForEachReader) {
  for (const std::string staff : {"st-cm", "st-sanka", "st-audit"}) {
    SCOPED_TRACE(staff);
    Reply t = a.Get(staff, "/v1/cases/c-1/timeline?min_position=" + std::to_string(last));
    ASSERT_EQ(t.status, 200);
    std::vector<uint64_t> want;
    for (const json& e : t.Json()["entries"]) want.push_back(e["position"]);
    std::vector<uint64_t> got;
    std::string after;
    for (int page = 0; page < 100; ++page) {
      Reply f = a.Get(staff, "/v1/feed?limit=3" + after);
      ASSERT_EQ(f.status, 200) << f.body;
      for (const json& e : f.Json()["items"]) got.push_back(e["position"]);
      if (f.Json()["items"].empty()) break;
      after = "&after=" + std::to_string(f.Json()["after"].get<uint64_t>());
    }
    EXPECT_EQ(got, want);
  }
}

TEST_F(StoryTest, LongPollWakesOnANewEventAndServerSentEventsResume) {
  const uint64_t head = a.server->log().Size() - 1;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    domain::DomainEvent e;
    e.id = domain::EventId::FromNumber(900001);
    e.occurred_at = a.w.now;
    e.actor = a.w.ActorOf("st-sanka");
    e.payload = domain::ParticipationFollowedUp{domain::PersonId("p-son"), "doing well"};
    Reply r = a.Post("st-sanka", ApiWorld::PathFor(e, "c-1"), ApiWorld::BodyFor(e));
    EXPECT_EQ(r.status, 201) << r.body;
  });
  Reply f = a.Get("st-sanka", "/v1/feed?wait=3&after=" + std::to_string(head));
  writer.join();
  ASSERT_EQ(f.status, 200) << f.body;
  ASSERT_EQ(f.Json()["items"].size(), 1u) << f.body;
  EXPECT_EQ(f.Json()["items"][0]["payload"]["content"], "doing well");

  // SSE: the first two events, then resume after the first with Last-Event-ID.
  auto read_sse = [&](const std::string& last_id, size_t want) {
    httplib::Client c = a.Client();
    std::string data;
    std::vector<std::string> ids;
    httplib::Headers h = {{"Authorization", "Bearer " + a.TokenOf("st-audit")},
                          {"Accept", "text/event-stream"}};
    if (!last_id.empty()) h.emplace("Last-Event-ID", last_id);
    c.Get("/v1/feed", h, [&](const char* d, size_t n) {
      data.append(d, n);
      size_t pos = 0;
      ids.clear();
      while ((pos = data.find("id: ", pos)) != std::string::npos) {
        size_t end = data.find('\n', pos);
        if (end == std::string::npos) break;
        ids.push_back(data.substr(pos + 4, end - pos - 4));
        pos = end;
      }
      return ids.size() < want;
    });
    return ids;
  };
  std::vector<std::string> first = read_sse("", 2);
  ASSERT_GE(first.size(), 2u);
  std::vector<std::string> resumed = read_sse(first[0], 1);
  ASSERT_GE(resumed.size(), 1u);
  EXPECT_EQ(resumed[0], first[1]);
}

// An app (a read-only consumer) sees what its AppScope grants: content only when the scope
// says so, every read of content recorded; it records nothing.
TEST_F(StoryTest, AppsSeeTheirScopeAndRecordNothing) {
  domain::AppScope scope;
  scope.cases = {domain::CaseId("c-1")};
  scope.kinds = domain::KindSet::Of({domain::InformationKind::kIdentity});
  scope.content = true;
  const std::string token = a.TokenFor(domain::Principal{
      domain::StaffId(""), domain::AgencyId("ag-app"), domain::Role::kApp, scope});
  Reply t = a.Call("GET", "/v1/cases/c-1/timeline", token);
  ASSERT_EQ(t.status, 200) << t.body;
  size_t shown = 0;
  for (const json& e : t.Json()["entries"]) {
    const domain::DomainEvent* ev = nullptr;
    for (const auto& x : a.w.log) {
      if (x.id.ToHex() == e["eventId"]) ev = &x;
    }
    ASSERT_NE(ev, nullptr);
    const domain::ScopeDecision d =
        domain::Evaluate(domain::Principal{domain::StaffId(""), domain::AgencyId("ag-app"),
                                           domain::Role::kApp, scope},
                         a.w.state, *ev, a.w.now);
    EXPECT_NE(d.level, ScopeLevel::kNothing);
    EXPECT_EQ(e.contains("redacted"), d.level != ScopeLevel::kFull) << e.dump();
    shown += d.level == ScopeLevel::kFull;
  }
  EXPECT_GT(shown, 0u);
  auto records =
      a.server->log().ReadStream("access-ag-app", 0, eventstore::Direction::kForward, 10);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  EXPECT_EQ(records->size(), 1u);
  // Another case is outside the scope: 404.
  domain::AppScope other = scope;
  other.cases = {domain::CaseId("c-2")};
  const std::string token2 = a.TokenFor(
      domain::Principal{domain::StaffId(""), domain::AgencyId("ag-app"), domain::Role::kApp, other},
      "other");
  ExpectProblem(a.Call("GET", "/v1/cases/c-1", token2), 404, "not-found");
  // An app records nothing: 403 with rule role, and the attempt is recorded.
  Reply w = a.Call("POST", "/v1/cases/c-1/outreach", token,
                   json{{"subject", "p-son"}, {"activity", "home_visit"}, {"content", "x"}}.dump());
  ExpectProblem(w, 403, "forbidden");
  EXPECT_EQ(w.Json()["rule"], "role");
}

// --- commands: idempotency, If-Match, refusals --------------------------------------------------

TEST_F(StoryTest, RetriesAreIdempotentAndIfMatchGuardsTheVersion) {
  domain::DomainEvent e;
  e.id = domain::EventId::FromNumber(800001);
  e.occurred_at = a.w.now;
  e.actor = a.w.ActorOf("st-sanka");
  e.payload = domain::ParticipationFollowedUp{domain::PersonId("p-son"), "follow-up 1"};
  const std::string path = ApiWorld::PathFor(e, "c-1");
  Reply first = a.Post("st-sanka", path, ApiWorld::BodyFor(e));
  ASSERT_EQ(first.status, 201) << first.body;
  const uint64_t size = a.server->log().Size();
  Reply again = a.Post("st-sanka", path, ApiWorld::BodyFor(e));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(again.Json()["replayed"].get<bool>());
  EXPECT_EQ(again.Json()["position"], first.Json()["position"]);
  EXPECT_EQ(a.server->log().Size(), size);
  json changed = ApiWorld::BodyFor(e);
  changed["content"] = "another text";
  ExpectProblem(a.Post("st-sanka", path, changed), 409, "event-id-conflict");

  // Idempotency-Key: the same key twice records once.
  json body = ApiWorld::BodyFor(e);
  body.erase("eventId");
  body.erase("occurredAt");
  body["content"] = "follow-up 2";
  Reply k1 = a.Post("st-sanka", path, body, {{"Idempotency-Key", "retry-me-1"}});
  ASSERT_EQ(k1.status, 201) << k1.body;
  Reply k2 = a.Post("st-sanka", path, body, {{"Idempotency-Key", "retry-me-1"}});
  ASSERT_EQ(k2.status, 200) << k2.body;
  EXPECT_EQ(k2.Json()["eventId"], k1.Json()["eventId"]);

  // If-Match: the current ETag passes, a stale one is 412 and writes nothing.
  const std::string etag = k2.Header("ETag");
  body["content"] = "follow-up 3";
  ExpectProblem(a.Post("st-sanka", path, body, {{"If-Match", "\"3\""}}), 412, "version-conflict");
  EXPECT_EQ(a.server->log().Size(), size + 1);
  Reply ok = a.Post("st-sanka", path, body, {{"If-Match", etag}});
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(StoryTest, RefusedCommandsNameTheRuleAndAreRecorded) {
  // A caseworker may not approve a plan (rule role): 403, recorded in "refusals".
  json body = {{"version", 1}, {"meeting", "m-plan"}};
  Reply r = a.Post("st-helper", "/v1/cases/c-1/plans/pl-1/approval", body);
  ExpectProblem(r, 403, "forbidden");
  EXPECT_EQ(r.Json()["rule"], "role");
  auto refusals = a.server->log().ReadStream("refusals", 0, eventstore::Direction::kForward, 10);
  ASSERT_TRUE(refusals.ok());
  ASSERT_EQ(refusals->size(), 1u);
  EXPECT_EQ((*refusals)[0].type, "command.refused");
  EXPECT_NE((*refusals)[0].payload.find("\"rule\":\"role\""), std::string::npos);
  // Commands on a case that does not exist, or that the caller's agency has nothing to do with:
  // 404 alike (no rule, version or ETag revealed), nothing written.
  a.TokenOf("st-water");  // issued first: a token is itself an event in the log
  const uint64_t size = a.server->log().Size();
  Reply unrelated = a.Post("st-water", "/v1/cases/c-1/outreach",
                           {{"subject", "p-son"}, {"activity", "home_visit"}, {"content", "x"}},
                           {{"If-Match", "\"0\""}});
  ExpectProblem(unrelated, 404, "not-found");
  EXPECT_EQ(unrelated.Header("ETag"), "");
  EXPECT_EQ(a.server->log().Size(), size);
  // An erasure names a person of this case (keys are per person across the log).
  ExpectProblem(a.Post("st-sec", "/v1/cases/c-1/erasures",
                       {{"subject", "p-elsewhere"}, {"legalBasis", "保存期間満了"}}),
                422, "validation");
  ExpectProblem(a.Post("st-sec", "/v1/cases/c-1/erasures", {{"subject", 42}}), 422, "validation");
  ExpectProblem(a.Post("st-sec", "/v1/cases/c-1/erasures", json::array()), 422, "validation");
  ExpectProblem(a.Get("st-cm", "/v1/cases/c-1/timeline?min_position=999999999"), 422, "validation");
  ExpectProblem(
      a.Post("st-cm", "/v1/cases/c-nowhere/assessments",
             {{"subject", "p-father"}, {"kinds", json::array({"health"})}, {"content", "x"}}),
      404, "not-found");
  EXPECT_EQ(a.server->log().Size(), size);
}

// Every command route answers through the domain (accepted, or refused with a problem), never
// 5xx and never "no such route", and no answer, refusal or error carries the personal text of
// the request: each personal field of the sample holds a unique marker.
TEST_F(StoryTest, EveryCommandRouteAnswersWithoutEchoingContent) {
  std::function<void(json&)> sanitize = [&](json& j) {
    if (j.is_string()) {
      std::string v = j.get<std::string>();
      for (char& c : v) {
        if (c == '[' || c == ']') c = '.';  // the samples' ids name their path, e.g. "x[0]-3"
      }
      j = v;
    } else if (j.is_structured()) {
      for (auto& child : j) sanitize(child);
    }
  };
  size_t routes = 0;
  for (const domain::testing::MarkedSample& sample : domain::testing::MarkedSamples("route")) {
    const std::string type(domain::TypeOf(sample.payload));
    const RouteSpec* route = CommandRouteFor(type);
    if (route == nullptr) continue;  // disclosure.refused, access.recorded: not commands
    ++routes;
    SCOPED_TRACE(type);
    json body = projections::PayloadJson(sample.payload, true);
    sanitize(body);
    std::string path(route->path);
    for (const PathParam& p : route->params) {
      if (p.name.empty()) continue;
      const std::string value =
          p.field.empty() ? std::string("c-1") : body[std::string(p.field)].get<std::string>();
      const std::string token = "{" + std::string(p.name) + "}";
      path.replace(path.find(token), token.size(), value);
    }
    Reply r = a.Post("st-sec", path, body);
    EXPECT_LT(r.status, 500) << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.Header("Content-Type"), kProblem) << r.body;
      EXPECT_NE(r.Json().value("detail", ""), "no such route") << r.body;
    }
    for (std::string marker : sample.markers) {
      for (char& c : marker) {
        if (c == '[' || c == ']') c = '.';
      }
      EXPECT_EQ(r.body.find(marker), std::string::npos) << marker << " in " << r.body;
    }
  }
  EXPECT_EQ(routes, 39u);
}

// --- authentication and bad input ----------------------------------------------------------------

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(a.server, nullptr);
    a.Bootstrap();
  }
  ApiWorld a;
};

TEST_F(ServerTest, TokensAreRequiredAndRevocable) {
  ExpectProblem(a.Call("GET", "/v1/monitoring-due", ""), 401, "unauthorized");
  ExpectProblem(a.Call("GET", "/v1/monitoring-due", "ksn_000000000000_nope"), 401, "unauthorized");
  ExpectProblem(a.Call("GET", "/v1/monitoring-due", "", "", {{"Authorization", "Basic eDp5"}}), 401,
                "unauthorized");
  const std::string token = a.TokenOf("st-cm");
  EXPECT_EQ(a.Call("GET", "/v1/monitoring-due", token).status, 200);
  const std::string id = token.substr(4, token.find('_', 4) - 4);
  ASSERT_TRUE(a.server->tokens().Revoke(id, a.clock().Now()).ok());
  ExpectProblem(a.Call("GET", "/v1/monitoring-due", token), 401, "unauthorized");
  // Public: health and the OpenAPI document.
  EXPECT_EQ(a.Call("GET", "/v1/health", "").status, 200);
  Reply doc = a.Call("GET", "/v1/openapi.json", "");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.Json(), OpenApiDocument());
}

TEST_F(ServerTest, BadInputIsAProblemAndChangesNothing) {
  const std::string token = a.TokenOf("st-cm");
  const uint64_t size = a.server->log().Size();
  auto post = [&](const std::string& body, const std::string& type = "application/json") {
    return a.Call("POST", "/v1/cases", token, body, {}, type);
  };
  const json good = {{"caseId", "c-9"},
                     {"intakeAgency", "ag-kyotaku"},
                     {"route", "walk_in"},
                     {"fields", json::array()},
                     {"mainPerson", "p-9"},
                     {"members", json::array({{{"person", "p-9"},
                                               {"relation", "self"},
                                               {"profile",
                                                {{"fullName", "Test Person"},
                                                 {"nameKana", ""},
                                                 {"birthDate", "1950-01-01"},
                                                 {"address", ""},
                                                 {"description", ""}}}}})},
                     {"summary", ""}};
  ExpectProblem(post("{\"caseId\": "), 400, "malformed-json");
  ExpectProblem(post(std::string(40, '[') + std::string(40, ']')), 400, "malformed-json");
  ExpectProblem(post("[1,2]"), 422, "validation");
  json unknown = good;
  unknown["nickname"] = "x";
  ExpectProblem(post(unknown.dump()), 422, "validation");
  json wrong = good;
  wrong["caseId"] = 42;
  ExpectProblem(post(wrong.dump()), 422, "validation");
  json bad_id = good;
  bad_id["eventId"] = "not-hex";
  ExpectProblem(post(bad_id.dump()), 422, "validation");
  ExpectProblem(post(good.dump(), "text/plain"), 415, "unsupported-media-type");
  ExpectProblem(post(std::string(2 << 20, ' ')), 413, "body-too-large");
  ExpectProblem(a.Call("GET", "/v1/nowhere", token), 404, "not-found");
  ExpectProblem(a.Call("DELETE", "/v1/cases", token), 405, "method-not-allowed");
  ExpectProblem(a.Call("GET", "/v1/feed?limit=0", token), 422, "validation");
  EXPECT_EQ(a.server->log().Size(), size);
  // The good body is accepted (so the bad ones failed for their faults alone).
  Reply ok = post(good.dump());
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.Header("Location"), "/v1/cases/c-9");
}

TEST_F(ServerTest, MetricsCountRequests) {
  EXPECT_EQ(a.Call("GET", "/v1/health", "").status, 200);
  Reply m = a.Get("st-sec", "/v1/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("kasane_http_requests_total{"), std::string::npos);
  EXPECT_NE(m.body.find("route=\"/v1/health\""), std::string::npos);
  EXPECT_NE(m.body.find("kasane_projection_lag_events"), std::string::npos);
  EXPECT_NE(m.body.find("kasane_append_commit_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("kasane_log_commit_batch_events_count "), std::string::npos);
  EXPECT_EQ(m.body.find("kasane_log_commit_batch_events_count 0\n"), std::string::npos);
}

}  // namespace
}  // namespace kasane::api::testing

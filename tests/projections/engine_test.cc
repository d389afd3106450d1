// The projection engine against a real log and a real views database: catch-up and live
// following, read-your-writes, a projection that stops (and never skips) at an event it cannot
// apply, rebuild beside the serving generation with byte-identical results, `as_of` views,
// erasure reaching every view, and exact resumption after kill -9.
#include "projections/engine.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "projections/case_view.h"
#include "projections/timeline.h"
#include "tests/projections/fixture.h"

namespace kasane::projections {
namespace {

using domain::HouseholdMember;
using domain::InformationKind;
using domain::PersonId;
using domain::PersonProfile;
using domain::Relation;
using domain::testing::World;
using nlohmann::json;
using testing::LogWorld;
using namespace std::chrono_literals;

constexpr std::string_view kMarker = "MARKER-7f3a";

// Every stored byte of every projection's active generation.
std::map<std::string, std::vector<std::pair<std::string, std::string>>> DumpAll(
    const ProjectionEngine& engine) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> out;
  for (const std::string& name : ProjectionNames()) {
    auto reader = engine.Reader(name);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) continue;
    auto dump = engine.store().Dump(reader->generation());
    EXPECT_TRUE(dump.ok());
    if (dump.ok()) out[name] = std::move(dump).value();
  }
  return out;
}

EngineOptions Options(size_t chunk_events, size_t case_cache = 4096) {
  EngineOptions o;
  o.chunk_events = chunk_events;
  o.case_cache = case_cache;
  return o;
}

TimelineQuery CaseTimeline(AsOf as_of = {}) {
  TimelineQuery q;
  q.case_id = domain::CaseId("c-1");
  q.as_of = as_of;
  return q;
}

std::string Marked(const std::string& what) { return std::string(kMarker) + " " + what; }

// Opens case c-1 with a father and a son whose personal fields carry the marker.
void OpenMarkedCase(World& w) {
  domain::CaseOpened o;
  o.case_id = domain::CaseId("c-1");
  o.intake_agency = w.ActorOf("st-cm").agency;
  o.route = domain::IntakeRoute::kAgencyReferral;
  o.fields = {domain::Field::kElderlyCare, domain::Field::kPoverty};
  o.main_person = PersonId("p-father");
  o.members.push_back(HouseholdMember{
      PersonId("p-father"), Relation::kSelf,
      PersonProfile{Marked("father name"), Marked("kana"), "1945-04-01", Marked("address"), ""}});
  o.members.push_back(HouseholdMember{PersonId("p-son"), Relation::kChild,
                                      PersonProfile{Marked("son name"), "", "", "", ""}});
  o.summary = Marked("summary");
  w.Must("st-cm", o);
}

// A case that moves through consent, referral, lead agency, assessment and outreach.
void SmallCase(World& w) {
  OpenMarkedCase(w);
  w.Must("st-cm", World::ConsentFor("cn-father", "p-father", {"ag-takikan"},
                                    domain::testing::Kinds(
                                        {InformationKind::kCare, InformationKind::kHousehold})));
  w.Must("st-cm",
         domain::ReferralMade{
             domain::ReferralId("r-1"), domain::AgencyId("ag-kyotaku"),
             domain::AgencyId("ag-takikan"), domain::ProgrammePart::kMultiAgencyCoordination,
             domain::HandoffMoment::kReferralToCoordination, PersonId("p-father"), Marked("reason"),
             domain::testing::Kinds({InformationKind::kCare}), World::ByConsent("cn-father")});
  w.Must("st-coord", domain::ReferralAccepted{domain::ReferralId("r-1")});
  w.Must("st-coord", domain::LeadAgencyAssigned{domain::AgencyId("ag-takikan")});
  w.Must("st-coord", domain::AssessmentRecorded{PersonId("p-father"),
                                                domain::testing::Kinds({InformationKind::kCare}),
                                                Marked("assessment")});
}

void Outreach(World& w, int n) {
  for (int i = 0; i < n; ++i) {
    w.Must("st-outreach",
           domain::OutreachRecorded{PersonId("p-son"), domain::OutreachActivity::kHomeVisit,
                                    Marked("visit " + std::to_string(i))});
  }
}

TEST(EngineTest, CatchUpBuildsTheCaseViewAndTimeline) {
  LogWorld lw;
  SmallCase(lw.w);
  const uint64_t last = lw.Sync();
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_TRUE(engine->WaitFor(kCaseViewName, last, 0ms));

  auto reader = engine->Reader(kCaseViewName);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->checkpoint(), last + 1);
  auto view = ReadCaseView(*reader, domain::CaseId("c-1"));
  ASSERT_TRUE(view.ok() && view->has_value());
  const json& v = **view;
  EXPECT_EQ(v["status"], "coordinating");
  EXPECT_EQ(v["leadAgency"], "ag-takikan");
  EXPECT_EQ(v["version"], 6);
  EXPECT_EQ(v["household"].size(), 2u);
  EXPECT_EQ(v["household"][0]["person"], "p-father");
  EXPECT_EQ(v["household"][0]["profilePosition"], 0);
  EXPECT_EQ(v["consents"][0]["consent"], "cn-father");
  EXPECT_EQ(v["referrals"][0]["status"], "accepted");
  EXPECT_EQ(v["openReferrals"], 0);
  EXPECT_EQ(v["counts"]["assessments"], 1);
  EXPECT_FALSE(v.dump().find(kMarker) != std::string::npos);

  auto tl_reader = engine->Reader(kTimelineName);
  ASSERT_TRUE(tl_reader.ok());
  auto tl = ReadTimeline(*tl_reader, CaseTimeline());
  ASSERT_TRUE(tl.ok());
  ASSERT_EQ(tl->size(), 6u);
  EXPECT_EQ((*tl)[0]["type"], "case.opened");
  EXPECT_EQ((*tl)[2]["type"], "referral.made");
  EXPECT_EQ((*tl)[2]["basis"]["kind"], "consent");
  EXPECT_EQ((*tl)[2]["basis"]["consent"], "cn-father");
  EXPECT_EQ((*tl)[2]["actor"]["agency"], "ag-kyotaku");
  EXPECT_EQ((*tl)[5]["seq"], 6);
  for (const json& e : *tl) EXPECT_FALSE(e.dump().find(kMarker) != std::string::npos);

  // The names are resolved from the log at read time, for a reader allowed to see them.
  json resolved = **view;
  ASSERT_TRUE(ResolveProfiles(
                  resolved, *lw.log, [](uint64_t) { return true; }, lw.w.now)
                  .ok());
  EXPECT_EQ(resolved["household"][0]["profile"]["fullName"], Marked("father name"));
  EXPECT_EQ(resolved["consents"][0]["inForce"], true);
  json hidden = **view;
  ASSERT_TRUE(ResolveProfiles(
                  hidden, *lw.log, [](uint64_t) { return false; }, lw.w.now)
                  .ok());
  EXPECT_FALSE(hidden["household"][0].contains("profile"));
}

TEST(EngineTest, FollowsLiveCommitsAndWaitsForAPosition) {
  LogWorld lw;
  SmallCase(lw.w);
  lw.Sync();
  auto engine = lw.OpenEngine();
  engine->Start();
  Outreach(lw.w, 3);
  const uint64_t last = lw.Sync();
  ASSERT_TRUE(engine->WaitFor(kTimelineName, last, 5s));
  ASSERT_TRUE(engine->WaitFor(kCaseViewName, last, 5s));
  auto reader = engine->Reader(kCaseViewName);
  ASSERT_TRUE(reader.ok());
  auto view = ReadCaseView(*reader, domain::CaseId("c-1"));
  ASSERT_TRUE(view.ok() && view->has_value());
  EXPECT_EQ((**view)["counts"]["outreachActivities"], 3);
  // A position not yet written: told so after the bounded wait.
  EXPECT_FALSE(engine->WaitFor(kTimelineName, last + 1, 50ms));
  EXPECT_FALSE(engine->WaitFor("no_such_projection", 0, 0ms));
  engine->Stop();
}

// An event no projection can apply stops them there: nothing after it is applied, the status
// names the position and the reason, and reopening retries the same event.
TEST(EngineTest, AProjectionStopsAtAnEventItCannotApplyAndNeverSkipsIt) {
  LogWorld lw;
  SmallCase(lw.w);
  const uint64_t good = lw.Sync();
  eventstore::NewEvent bad;
  bad.id = eventstore::EventId{};
  bad.id.bytes[0] = 0xee;
  bad.type = "outreach.recorded";
  bad.payload = "this is not a Cap'n Proto message";
  auto r = lw.log->Append("case-c-1", eventstore::ExpectedVersion::Any(), {bad});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const uint64_t bad_position = r->first_position;
  ASSERT_EQ(bad_position, good + 1);
  Outreach(lw.w, 2);
  lw.Sync();

  {
    auto engine = lw.OpenEngine(Options(4));
    Status st = engine->CatchUp();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("stopped at position " + std::to_string(bad_position)),
              std::string::npos)
        << st.ToString();
    for (const ProjectionStatus& s : engine->Statuses()) {
      EXPECT_TRUE(s.stopped) << s.name;
      EXPECT_EQ(s.stopped_at, bad_position) << s.name;
      EXPECT_LE(s.checkpoint, bad_position) << s.name;
      EXPECT_NE(s.stop_reason.find("outreach.recorded"), std::string::npos) << s.stop_reason;
    }
    auto reader = engine->Reader(kTimelineName);
    ASSERT_TRUE(reader.ok());
    auto tl = ReadTimeline(*reader, CaseTimeline());
    ASSERT_TRUE(tl.ok());
    for (const json& e : *tl) EXPECT_LT(e["position"].get<uint64_t>(), bad_position);
    // The follower does not go past it either.
    engine->Start();
    EXPECT_FALSE(engine->WaitFor(kTimelineName, bad_position, 200ms));
    engine->Stop();
  }
  auto again = lw.OpenEngine();
  EXPECT_FALSE(again->CatchUp().ok());
  for (const ProjectionStatus& s : again->Statuses()) EXPECT_EQ(s.stopped_at, bad_position);
}

// The log is generic: an event of a type outside the domain's catalogue (the erasure marker that
// `kasane erase` appends, a tool's test event) is passed over and counted, not a stop.
TEST(EngineTest, EventsOfOtherWritersArePassedOverAndCounted) {
  LogWorld lw;
  SmallCase(lw.w);
  lw.Sync();
  eventstore::NewEvent marker;
  marker.id.bytes[0] = 0xab;
  marker.type = "subject.erased";
  marker.payload = "{\"subject\":\"p-x\"}";
  ASSERT_TRUE(lw.log->Append("erasure", eventstore::ExpectedVersion::Any(), {marker}).ok());
  Outreach(lw.w, 1);
  const uint64_t last = lw.Sync();
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  for (const ProjectionStatus& s : engine->Statuses()) {
    EXPECT_FALSE(s.stopped) << s.name;
    EXPECT_EQ(s.checkpoint, last + 1) << s.name;
    EXPECT_EQ(s.events_ignored, 1u) << s.name;
    EXPECT_EQ(s.events_applied, last) << s.name;
  }
}

// Another writer's event inside a case stream is passed over too, also when the case's state is
// folded again from its stream (a case not in the cache).
TEST(EngineTest, AnotherWritersEventInACaseStreamIsPassedOver) {
  LogWorld lw;
  SmallCase(lw.w);
  lw.Sync();
  eventstore::NewEvent note;
  note.id.bytes[0] = 0xcd;
  note.type = "tool.noted";
  note.payload = "not a domain event";
  ASSERT_TRUE(lw.log->Append("case-c-1", eventstore::ExpectedVersion::Any(), {note}).ok());
  Outreach(lw.w, 2);
  const uint64_t last = lw.Sync();
  // A cache of one case and chunks of one event: the case is folded again from its stream.
  auto engine = lw.OpenEngine(Options(1, 1));
  ASSERT_TRUE(engine->CatchUp().ok());
  auto fresh = lw.OpenEngine(Options(2, 0), lw.dir.Sub("views2"));
  ASSERT_TRUE(fresh->CatchUp().ok());
  for (const auto* e : {engine.get(), fresh.get()}) {
    for (const ProjectionStatus& s : e->Statuses()) {
      EXPECT_FALSE(s.stopped) << s.name << ": " << s.stop_reason;
      EXPECT_EQ(s.checkpoint, last + 1) << s.name;
    }
  }
  EXPECT_EQ(DumpAll(*engine), DumpAll(*fresh));
  json view = **ReadCaseView(*engine->Reader(kCaseViewName), domain::CaseId("c-1"));
  EXPECT_EQ(view["counts"]["outreachActivities"], 2);
}

// A WaitFor on a projection that stops returns when it stops, not at its timeout.
TEST(EngineTest, WaitForReturnsWhenTheProjectionStops) {
  LogWorld lw;
  SmallCase(lw.w);
  lw.Sync();
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  engine->Start();
  eventstore::NewEvent bad;
  bad.id.bytes[0] = 0xef;
  bad.type = "outreach.recorded";
  bad.payload = "garbage";
  auto r = lw.log->Append("case-c-1", eventstore::ExpectedVersion::Any(), {bad});
  ASSERT_TRUE(r.ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(engine->WaitFor(kTimelineName, r->first_position, 30s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  engine->Stop();
}

// A rebuild killed before its switch leaves a generation no projection uses: the next open
// drops it.
TEST(EngineTest, AGenerationLeftByAnInterruptedRebuildIsDroppedAtOpen) {
  LogWorld lw;
  SmallCase(lw.w);
  lw.Sync();
  { ASSERT_TRUE(lw.OpenEngine()->CatchUp().ok()); }
  uint32_t orphan = 0;
  {
    auto store = ViewStore::Open(lw.dir.Sub("views"));
    ASSERT_TRUE(store.ok());
    auto gen = (*store)->NewGeneration();
    ASSERT_TRUE(gen.ok());
    orphan = *gen;
    Changes half(**store, orphan);
    half.Put("v-half-built", "x");
    GenerationCommit commit{&half, 3};
    ASSERT_TRUE((*store)->Commit(std::span<const GenerationCommit>(&commit, 1)).ok());
    EXPECT_EQ((*store)->OrphanGenerations()->size(), 1u);
  }
  auto engine = lw.OpenEngine();
  EXPECT_TRUE(engine->store().OrphanGenerations()->empty());
  EXPECT_TRUE(engine->store().Dump(orphan)->empty());
  EXPECT_EQ(*engine->store().GetCheckpoint(orphan), 0u);
  // The active generations were kept.
  for (const ProjectionStatus& s : engine->Statuses()) EXPECT_EQ(s.checkpoint, lw.log->Size());
}

// Incremental building (one event per chunk, as events arrive) and a rebuild from position 0
// write exactly the same bytes; the old generation serves reads until the new one switches in.
TEST(EngineTest, RebuildIsByteIdenticalToIncrementalBuildingAndServesMeanwhile) {
  LogWorld lw;
  auto engine = lw.OpenEngine(Options(1, 1));
  SmallCase(lw.w);
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  for (int round = 0; round < 5; ++round) {
    Outreach(lw.w, 1 + round);
    lw.Sync();
    ASSERT_TRUE(engine->CatchUp().ok());
  }
  lw.w.Must("st-sec", domain::PersonErased{PersonId("p-son"), "保存期間満了"});
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  const auto incremental = DumpAll(*engine);
  const uint32_t old_generation = engine->Reader(kTimelineName)->generation();

  // Rebuild the timeline; while it runs, reads are served from the old generation.
  std::atomic<int> served{0};
  Status rebuilt = engine->Rebuild(kTimelineName, [&](uint64_t, uint64_t) {
    auto reader = engine->Reader(kTimelineName);
    if (reader.ok() && reader->generation() == old_generation) ++served;
  });
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.ToString();
  EXPECT_GT(served.load(), 0);
  EXPECT_NE(engine->Reader(kTimelineName)->generation(), old_generation);
  ASSERT_TRUE(engine->Rebuild(kCaseViewName).ok());
  EXPECT_EQ(DumpAll(*engine), incremental);
  // The old generation is gone.
  auto old = engine->store().Dump(old_generation);
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(old->empty());

  // Every projection, rebuilt by a fresh engine with large chunks, agrees too.
  auto fresh = lw.OpenEngine(Options(4096), lw.dir.Sub("views2"));
  ASSERT_TRUE(fresh->CatchUp().ok());
  EXPECT_EQ(DumpAll(*fresh), incremental);
}

TEST(EngineTest, RebuildWhileTheFollowerRunsAndEventsArrive) {
  LogWorld lw;
  SmallCase(lw.w);
  Outreach(lw.w, 50);
  lw.Sync();
  auto engine = lw.OpenEngine(Options(8));
  engine->Start();
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      Outreach(lw.w, 1);
      lw.Sync();
    }
  });
  ASSERT_TRUE(engine->Rebuild(kTimelineName).ok());
  writer.join();
  const uint64_t last = lw.log->Size() - 1;
  ASSERT_TRUE(engine->WaitFor(kTimelineName, last, 5s));
  auto reader = engine->Reader(kTimelineName);
  auto tl = ReadTimeline(*reader, CaseTimeline());
  ASSERT_TRUE(tl.ok());
  ASSERT_EQ(tl->size(), lw.log->Size());
  for (size_t i = 0; i < tl->size(); ++i) EXPECT_EQ((*tl)[i]["position"], i);
  engine->Stop();
}

// as_of a position or a recorded time reproduces exactly what the view showed then.
TEST(EngineTest, AsOfReproducesAPastViewExactly) {
  LogWorld lw;
  SmallCase(lw.w);
  const uint64_t then_last = lw.Sync();
  const UnixNanos then_time = lw.w.log.back().occurred_at;
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  const json view_then = **ReadCaseView(*engine->Reader(kCaseViewName), domain::CaseId("c-1"));
  const auto tl_then = *ReadTimeline(*engine->Reader(kTimelineName), CaseTimeline());

  lw.w.AdvanceDays(3);
  Outreach(lw.w, 4);
  lw.w.Must("st-coord", lw.w.Draft("pl-1", 1, {"ag-takikan"}));
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  const json view_now = **ReadCaseView(*engine->Reader(kCaseViewName), domain::CaseId("c-1"));
  EXPECT_NE(view_now, view_then);
  EXPECT_EQ(view_now["status"], "planning");

  for (AsOf as_of : {AsOf{then_last + 1, std::nullopt}, AsOf{std::nullopt, then_time}}) {
    auto past = CaseViewAsOf(*lw.log, domain::CaseId("c-1"), as_of);
    ASSERT_TRUE(past.ok() && past->has_value());
    EXPECT_EQ(**past, view_then);
    auto tl = ReadTimeline(*engine->Reader(kTimelineName), CaseTimeline(as_of));
    ASSERT_TRUE(tl.ok());
    EXPECT_EQ(*tl, tl_then);
  }
  // The present, folded from the log, equals the stored view.
  auto now = CaseViewAsOf(*lw.log, domain::CaseId("c-1"), AsOf{});
  EXPECT_EQ(**now, view_now);
  // Before the case existed.
  auto before = CaseViewAsOf(*lw.log, domain::CaseId("c-1"), AsOf{0, std::nullopt});
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->has_value());
  auto state = CaseStateAsOf(*lw.log, domain::CaseId("c-1"), AsOf{then_last + 1, std::nullopt});
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 6u);
}

// Projections hold no personal content, and once a person is erased every view shows them as
// erased: names resolved through the log come back as {"erased": true}.
TEST(EngineTest, ErasureReachesEveryView) {
  LogWorld lw;
  SmallCase(lw.w);
  Outreach(lw.w, 2);
  lw.Sync();
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  for (const auto& [name, entries] : DumpAll(*engine)) {
    for (const auto& [k, v] : entries) {
      EXPECT_EQ(k.find(kMarker), std::string::npos) << name;
      EXPECT_EQ(v.find(kMarker), std::string::npos) << name;
    }
  }

  ASSERT_TRUE(lw.log->EraseSubject("p-son").ok());
  lw.w.Must("st-sec", domain::PersonErased{PersonId("p-son"), "保存期間満了"});
  const uint64_t last = lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  ASSERT_TRUE(engine->WaitFor(kCaseViewName, last, 0ms));
  json view = **ReadCaseView(*engine->Reader(kCaseViewName), domain::CaseId("c-1"));
  EXPECT_EQ(view["household"][1]["person"], "p-son");
  EXPECT_EQ(view["household"][1]["erased"], true);
  EXPECT_EQ(view["household"][0]["erased"], false);
  ASSERT_TRUE(ResolveProfiles(
                  view, *lw.log, [](uint64_t) { return true; }, lw.w.now)
                  .ok());
  EXPECT_EQ(view["household"][1]["profile"], (json{{"erased", true}}));
  EXPECT_EQ(view["household"][0]["profile"]["fullName"], Marked("father name"));
  // The as_of view from before the erasure cannot bring the content back either.
  json past = **CaseViewAsOf(*lw.log, domain::CaseId("c-1"), AsOf{1, std::nullopt});
  ASSERT_TRUE(ResolveProfiles(
                  past, *lw.log, [](uint64_t) { return true; }, lw.w.now)
                  .ok());
  EXPECT_EQ(past["household"][1]["profile"], (json{{"erased", true}}));
  EXPECT_EQ(past["household"][1]["erased"], false);  // not yet erased as the record stood then
  // A rebuild after the erasure reaches the same state.
  const auto before = DumpAll(*engine);
  for (const std::string& name : ProjectionNames()) ASSERT_TRUE(engine->Rebuild(name).ok());
  EXPECT_EQ(DumpAll(*engine), before);
}

// A child process catches up in small chunks and is killed at a random moment, many times; the
// views it leaves are always a consistent prefix, and finishing the catch-up gives exactly what
// one uninterrupted build gives (no event skipped, none applied twice).
TEST(EngineTest, ResumesExactlyAfterKill9) {
  eventstore::testing::TempDir dir;
  const std::string views = dir.Sub("views");
  std::string data;
  {
    // Written in a child, so that this process opens RocksDB only after its last fork.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      LogWorld lw;
      SmallCase(lw.w);
      Outreach(lw.w, 3000);
      lw.Sync();
      lw.log.reset();
      std::error_code ec;
      std::filesystem::rename(lw.dir.Sub("data"), dir.Sub("data"), ec);
      _exit(ec ? 3 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    data = dir.Sub("data");
  }
  std::mt19937_64 rng(42);
  int killed = 0;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  // Rounds that resumed from a partial build (killed mid-way): without some, the test proves
  // nothing.
  int resumed_mid_way = 0;
  for (int round = 0; round < 20; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      eventstore::EventLogOptions options;
      options.dir = data;
      auto log = eventstore::EventLog::Open(options);
      if (!log.ok()) _exit(3);
      auto engine = ProjectionEngine::Open(**log, views, Options(3));
      if (!engine.ok()) _exit(4);
      // Report where this round resumes (the smallest checkpoint) and the log's size.
      uint64_t report[2] = {UINT64_MAX, (*log)->Size()};
      for (const ProjectionStatus& s : (*engine)->Statuses()) {
        report[0] = std::min(report[0], s.checkpoint);
      }
      if (write(fds[1], report, sizeof(report)) != sizeof(report)) _exit(6);
      Status st = (*engine)->CatchUp();
      _exit(st.ok() ? 0 : 5);
    }
    // Kill it at a random moment after it has opened and reported where it resumes.
    uint64_t report[2];
    ASSERT_EQ(read(fds[0], report, sizeof(report)), static_cast<ssize_t>(sizeof(report)));
    resumed_mid_way += report[0] > 0 && report[0] < report[1] ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 40000));
    if (kill(pid, SIGKILL) == 0) ++killed;
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "round " << round;
    }
  }
  close(fds[1]);
  close(fds[0]);
  EXPECT_GT(killed, 0);
  EXPECT_GE(resumed_mid_way, 3);

  eventstore::EventLogOptions options;
  options.dir = data;
  auto log = eventstore::EventLog::Open(options);
  ASSERT_TRUE(log.ok());
  auto resumed = ProjectionEngine::Open(**log, views, Options(3));
  ASSERT_TRUE(resumed.ok());
  ASSERT_TRUE((*resumed)->CatchUp().ok());
  auto clean = ProjectionEngine::Open(**log, dir.Sub("clean"));
  ASSERT_TRUE(clean.ok());
  ASSERT_TRUE((*clean)->CatchUp().ok());
  const auto a = DumpAll(**resumed), b = DumpAll(**clean);
  EXPECT_EQ(a, b);
  auto tl = ReadTimeline(*(*resumed)->Reader(kTimelineName), CaseTimeline());
  ASSERT_TRUE(tl.ok());
  EXPECT_EQ(tl->size(), (*log)->Size());
}

}  // namespace
}  // namespace kasane::projections

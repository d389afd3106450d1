// The synthetic workload generator (projections/synthetic.h) against a real EventLog: it writes
// exactly the events asked for, the same ones for the same seed, cases interleave within a
// bounded window, every event decodes and unseals, every case stream replays through Evolve, and
// the mix holds every event type the generator promises.
#include "projections/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "domain/case_state.h"
#include "eventstore/event_log.h"
#include "projections/event_codec.h"
#include "tests/eventstore/test_util.h"

namespace kasane::projections {
namespace {

using eventstore::EventLog;
using eventstore::RecordedEvent;
using eventstore::testing::TempDir;

std::unique_ptr<EventLog> OpenLog(const std::string& dir) {
  eventstore::EventLogOptions options;
  options.dir = dir;
  auto log = EventLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

std::vector<RecordedEvent> ReadEverything(const EventLog& log) {
  std::vector<RecordedEvent> out;
  while (out.size() < log.Size()) {
    auto chunk = log.ReadAll(out.size(), 4096);
    EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk.ok() || chunk->empty()) break;
    for (RecordedEvent& e : *chunk) out.push_back(std::move(e));
  }
  return out;
}

// What the generator decides, without what the log assigns (recorded-at, seal nonces).
struct Written {
  std::string stream;
  uint64_t version;
  std::string id;
  std::string type;
  UnixNanos occurred_at;
  std::string actor;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> sealed_paths;  // subject, path
  friend bool operator==(const Written&, const Written&) = default;
};

Written Of(const RecordedEvent& e) {
  Written w{e.stream,        e.version,
            e.id.ToString(), e.type,
            e.occurred_at,   e.actor.staff + "/" + e.actor.agency + "/" + e.actor.role,
            e.payload,       {}};
  for (const auto& p : e.sealed) w.sealed_paths.emplace_back(p.subject, p.path);
  return w;
}

// One mid-sized workload shared by the tests that only read it.
class SyntheticTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kEvents = 40'000;
  static constexpr size_t kActive = 300;

  static void SetUpTestSuite() {
    dir_ = new TempDir();
    log_ = OpenLog(dir_->Sub("data")).release();
    SyntheticOptions o;
    o.events = kEvents;
    o.seed = 7;
    o.active_cases = kActive;
    auto s = WriteSyntheticLog(*log_, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    summary_ = new SyntheticSummary(*s);
    events_ = new std::vector<RecordedEvent>(ReadEverything(*log_));
  }
  static void TearDownTestSuite() {
    delete events_;
    delete summary_;
    delete log_;
    delete dir_;
  }

  static TempDir* dir_;
  static EventLog* log_;
  static SyntheticSummary* summary_;
  static std::vector<RecordedEvent>* events_;
};

TempDir* SyntheticTest::dir_ = nullptr;
EventLog* SyntheticTest::log_ = nullptr;
SyntheticSummary* SyntheticTest::summary_ = nullptr;
std::vector<RecordedEvent>* SyntheticTest::events_ = nullptr;

TEST_F(SyntheticTest, WritesExactlyTheRequestedNumberOfEvents) {
  EXPECT_EQ(log_->Size(), kEvents);
  EXPECT_EQ(summary_->events, kEvents);
  uint64_t by_type = 0;
  for (const auto& [type, n] : summary_->by_type) by_type += n;
  EXPECT_EQ(by_type, kEvents);
  EXPECT_GT(summary_->cases, kActive);
  EXPECT_GT(summary_->finished_cases, 0u);
}

TEST_F(SyntheticTest, EveryCommandPassedOrWasRefusedAsTheScriptExpected) {
  EXPECT_EQ(summary_->unexpected_refusals, 0u);
  EXPECT_GT(summary_->refused_commands, 0u);
  EXPECT_EQ(summary_->refused_commands, summary_->by_type.at("disclosure.refused"));
}

TEST_F(SyntheticTest, ContainsEveryEventTypeOfTheMix) {
  const std::vector<std::string> promised = {
      "agency.registered",
      "staff.registered",
      "staff.deactivated",
      "case.opened",
      "household.member_added",
      "household.member_removed",
      "consent.recorded",
      "consent.withdrawn",
      "referral.made",
      "referral.accepted",
      "referral.declined",
      "referral.returned",
      "lead_agency.assigned",
      "assessment.recorded",
      "meeting.convened",
      "meeting.confidentiality_acknowledged",
      "meeting.member_joined",
      "meeting.member_left",
      "meeting.concluded",
      "disclosure.made",
      "disclosure.refused",
      "plan.drafted",
      "plan.approved",
      "plan.revised",
      "plan.monitoring_recorded",
      "plan.evaluated",
      "support.terminated",
      "support.suspended",
      "support.resumed",
      "outreach.recorded",
      "participation.matched",
      "participation.followed_up",
      "correction.recorded",
      "rights.disclosure_requested",
      "rights.disclosure_decided",
      "rights.correction_requested",
      "rights.correction_decided",
      "rights.usage_suspension_requested",
      "rights.usage_suspension_applied",
      "access.recorded",
  };
  std::map<std::string, uint64_t> in_log;
  for (const RecordedEvent& e : *events_) ++in_log[e.type];
  EXPECT_EQ(in_log, summary_->by_type);
  for (const std::string& type : promised) EXPECT_GT(in_log[type], 0u) << type;
  // Refusals of several rules, as the worked examples have them.
  std::set<std::string> rules;
  for (const RecordedEvent& e : *events_) {
    if (e.type != "disclosure.refused") continue;
    auto d = DecodeWithoutContent(e);
    ASSERT_TRUE(d.ok());
    rules.insert(std::get<domain::DisclosureRefused>(d->event.payload).rule);
  }
  for (const char* rule : {"consent_scope", "tax_consent"})
    EXPECT_TRUE(rules.contains(rule)) << rule;
}

TEST_F(SyntheticTest, EveryEventDecodesUnsealsAndEveryCaseReplays) {
  std::map<std::string, std::vector<domain::DomainEvent>> cases;
  uint64_t sealed_parts = 0;
  for (const RecordedEvent& e : *events_) {
    auto full = FromLogEvent(e, *log_);
    ASSERT_TRUE(full.ok()) << e.type << " at " << e.position << ": " << full.status().ToString();
    EXPECT_FALSE(full->HasErasedContent());
    sealed_parts += e.sealed.size();
    auto bare = DecodeWithoutContent(e);
    ASSERT_TRUE(bare.ok()) << bare.status().ToString();
    if (e.stream.starts_with("case-")) {
      cases[e.stream].push_back(bare->event);
    } else {
      EXPECT_TRUE(e.stream == "admin" || e.stream.starts_with("access-")) << e.stream;
    }
  }
  EXPECT_GT(sealed_parts, kEvents / 2);
  EXPECT_EQ(cases.size(), summary_->cases);
  for (const auto& [stream, events] : cases) {
    ASSERT_TRUE(std::holds_alternative<domain::CaseOpened>(events.front().payload)) << stream;
    domain::CaseState s = domain::Replay(events);
    EXPECT_TRUE(s.opened);
    EXPECT_EQ(s.version, events.size());
    EXPECT_EQ("case-" + s.case_id.value, stream);
  }
}

TEST_F(SyntheticTest, CasesInterleaveWithinABoundedWindow) {
  // Each case's first and last position; at no position are more cases under way than the
  // window (plus the big case), and most of the time many are.
  std::map<std::string, std::pair<uint64_t, uint64_t>> span;
  uint64_t case_events = 0, switches = 0, run = 0, longest_run = 0;
  std::string previous;
  for (const RecordedEvent& e : *events_) {
    if (!e.stream.starts_with("case-")) continue;
    auto [it, fresh] = span.try_emplace(e.stream, e.position, e.position);
    it->second.second = e.position;
    ++case_events;
    if (previous != e.stream) {
      switches += previous.empty() ? 0 : 1;
      run = 0;
    }
    longest_run = std::max(longest_run, ++run);
    previous = e.stream;
  }
  std::vector<std::pair<uint64_t, int>> edges;
  for (const auto& [stream, s] : span) {
    edges.emplace_back(s.first, +1);
    edges.emplace_back(s.second + 1, -1);
  }
  std::sort(edges.begin(), edges.end());
  int open = 0, most = 0;
  for (const auto& [pos, d] : edges) {
    open += d;
    most = std::max(most, open);
  }
  // The generator keeps at most kActive cases (plus the big one) under way, but within one
  // append window (about kActive / 2 events) the order of different streams follows thread
  // scheduling: a case that ends and the one that replaces it in the same window may land in
  // either order. A few such overlaps per window are allowed; a broken window is not.
  EXPECT_LE(most, static_cast<int>(kActive) + 1 + static_cast<int>(kActive) / 20);
  EXPECT_GE(most, static_cast<int>(kActive) / 2);
  // Neither one case at a time nor long runs of one case: the longest runs are a meeting's
  // acknowledgements, disclosures and conclusion, minutes apart.
  EXPECT_GT(switches, case_events / 3);
  EXPECT_LE(longest_run, 25u);
  // The big case is spread over the log, not bunched.
  const auto& big = span.at("case-" + summary_->big_case_id);
  EXPECT_LT(big.first, kEvents / 10);
  EXPECT_GT(big.second, kEvents * 8 / 10);
}

TEST_F(SyntheticTest, TheBigCaseHasAboutAThousandEvents) {
  ASSERT_FALSE(summary_->big_case_id.empty());
  auto head = log_->GetStreamHead("case-" + summary_->big_case_id);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->version + 1, summary_->big_case_events);
  EXPECT_GE(summary_->big_case_events, 950u);
  EXPECT_LE(summary_->big_case_events, 1050u);
  // It ran its whole course: support terminated at a 重層的支援会議 before the log ended.
  auto events =
      log_->ReadStream("case-" + summary_->big_case_id, 0, eventstore::Direction::kForward, 2000);
  ASSERT_TRUE(events.ok());
  std::vector<domain::DomainEvent> decoded;
  for (const RecordedEvent& e : *events) decoded.push_back(DecodeWithoutContent(e)->event);
  domain::CaseState s = domain::Replay(decoded);
  ASSERT_TRUE(s.plan.has_value());
  EXPECT_EQ(s.plan->status, domain::PlanStatus::kTerminated);
  EXPECT_GT(s.plan->monitorings, 20u);
}

TEST(SyntheticDeterminismTest, TheSameSeedWritesTheSameEvents) {
  auto write = [](const std::string& dir, uint64_t seed, int appenders) {
    auto log = OpenLog(dir);
    SyntheticOptions o;
    o.events = 3000;
    o.seed = seed;
    o.active_cases = 100;
    o.big_case_events = 200;
    o.window_events = 1000;  // fewer, larger appends: one appender fsyncs each
    o.appenders = appenders;
    auto s = WriteSyntheticLog(*log, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->unexpected_refusals, 0u);
    std::vector<Written> out;
    for (const RecordedEvent& e : ReadEverything(*log)) out.push_back(Of(e));
    return out;
  };
  TempDir dir;
  // One appender: the whole log, position by position.
  std::vector<Written> a = write(dir.Sub("a"), 11, 1);
  std::vector<Written> b = write(dir.Sub("b"), 11, 1);
  ASSERT_EQ(a.size(), 3000u);
  EXPECT_TRUE(a == b);
  // Many appenders: each stream's events, in order (streams of one window may interleave
  // differently).
  std::vector<Written> c = write(dir.Sub("c"), 11, 8);
  auto by_stream = [](std::vector<Written> v) {
    std::stable_sort(v.begin(), v.end(),
                     [](const Written& x, const Written& y) { return x.stream < y.stream; });
    return v;
  };
  EXPECT_TRUE(by_stream(a) == by_stream(c));
  // Another seed, another workload.
  std::vector<Written> d = write(dir.Sub("d"), 12, 1);
  EXPECT_FALSE(by_stream(a) == by_stream(d));
}

TEST(SyntheticLogTest, RefusesALogThatAlreadyHasAnAdminStream) {
  TempDir dir;
  auto log = OpenLog(dir.Sub("data"));
  SyntheticOptions o;
  o.events = 200;
  o.with_big_case = false;
  ASSERT_TRUE(WriteSyntheticLog(*log, o).ok());
  auto again = WriteSyntheticLog(*log, o);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(log->Size(), 200u);
}

}  // namespace
}  // namespace kasane::projections

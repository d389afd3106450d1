// The event codec against a real EventLog in a temporary folder: every personal field is sealed
// under its own subject's key on the way in, opened on the way out, and shown as erased once its
// subject is erased; no personal text reaches the disk in clear.
#include "projections/event_codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "domain/case_state.h"
#include "domain/codec.h"
#include "tests/domain/fixture.h"
#include "tests/domain/payload_samples.h"
#include "tests/domain/worked_examples.h"
#include "tests/eventstore/test_util.h"

namespace kasane::projections {
namespace {

using domain::CaseOpened;
using domain::DomainEvent;
using domain::HouseholdMember;
using domain::Payload;
using domain::PersonId;
using domain::PersonProfile;
using domain::Relation;
using eventstore::EventLog;
using eventstore::EventLogOptions;
using eventstore::ExpectedVersion;
using eventstore::NewEvent;
using eventstore::RecordedEvent;

constexpr UnixNanos kStart = domain::testing::kStart;

DomainEvent EventOf(Payload payload, uint64_t n) {
  DomainEvent e;
  e.id = domain::EventId::FromNumber(n);
  e.occurred_at = kStart + static_cast<UnixNanos>(n);
  e.actor = domain::Actor{domain::StaffId("st-coord"), domain::AgencyId("ag-takikan"),
                          domain::Role::kCoordinator};
  e.payload = std::move(payload);
  return e;
}

// Every file under `dir`, with its bytes.
std::vector<std::pair<std::string, std::string>> ReadAllFiles(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    files.emplace_back(entry.path().string(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  return files;
}

// The files of `files` containing `needle` (paths only: never the bytes around it).
std::vector<std::string> FilesContaining(
    const std::vector<std::pair<std::string, std::string>>& files, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& [path, bytes] : files) {
    if (bytes.find(needle) != std::string::npos) out.push_back(path);
  }
  return out;
}

class EventCodecTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    EventLogOptions o;
    o.dir = dir_.Sub("data");
    o.origin = "kasane.test/projections";
    o.clock = &clock_;
    o.random = &random_;
    Result<std::unique_ptr<EventLog>> log = EventLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void Close() { log_.reset(); }

  // ToLogEvent, append to `stream`, read back the recorded event.
  RecordedEvent Store(const DomainEvent& e, const std::string& stream = "case-c-1") {
    Result<NewEvent> ne = ToLogEvent(e, *log_);
    EXPECT_TRUE(ne.ok()) << ne.status().ToString();
    if (!ne.ok()) return {};
    return AppendRaw(std::move(ne).value(), stream);
  }
  RecordedEvent AppendRaw(NewEvent ne, const std::string& stream = "case-c-1") {
    Result<eventstore::AppendResult> r = log_->Append(stream, ExpectedVersion::Any(), {ne});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    clock_.Advance(1000);
    Result<RecordedEvent> back = log_->ReadAt(r->first_position);
    EXPECT_TRUE(back.ok()) << back.status().ToString();
    return back.ok() ? std::move(back).value() : RecordedEvent{};
  }
  DecodedEvent MustDecode(const RecordedEvent& r) {
    Result<DecodedEvent> d = FromLogEvent(r, *log_);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : DecodedEvent{};
  }

  eventstore::testing::TempDir dir_;
  FakeClock clock_{kStart};
  SeededRandom random_{0x5eed};
  std::unique_ptr<EventLog> log_;
};

// case.opened for a household of three; p-father is the main person.
DomainEvent Household(uint64_t n) {
  CaseOpened o;
  o.case_id = domain::CaseId("c-1");
  o.intake_agency = domain::AgencyId("ag-kyotaku");
  o.fields = {domain::Field::kElderlyCare};
  o.main_person = PersonId("p-father");
  o.members = {
      HouseholdMember{PersonId("p-father"), Relation::kSelf,
                      PersonProfile{"父 氏名", "ちち", "1945-01-02", "長井市 1-1", "要介護"}},
      HouseholdMember{PersonId("p-mother"), Relation::kSpouse,
                      PersonProfile{"母 氏名", "はは", "1948-03-04", "長井市 1-1", ""}},
      HouseholdMember{
          PersonId("p-son"), Relation::kChild,
          PersonProfile{"息子 氏名", "むすこ", "1973-05-06", "長井市 1-1", "ひきこもり"}}};
  o.summary = "父の入院と息子の生活";
  return EventOf(o, n);
}

TEST_F(EventCodecTest, EveryEventTypeRoundTripsThroughTheLog) {
  uint64_t n = 0;
  size_t sealed_parts = 0;
  for (domain::testing::MarkedSample& sample : domain::testing::MarkedSamples("roundtrip")) {
    SCOPED_TRACE(std::string(domain::TypeOf(sample.payload)));
    const DomainEvent original = EventOf(sample.payload, ++n);
    Result<NewEvent> ne = ToLogEvent(original, *log_);
    ASSERT_TRUE(ne.ok()) << ne.status().ToString();
    EXPECT_EQ(ne->type, domain::TypeOf(original.payload));
    EXPECT_EQ(ne->id.bytes, original.id.bytes);
    EXPECT_EQ(ne->actor.role, "coordinator");
    // One part per personal field, under that field's subject; no marker in the payload bytes.
    const std::vector<domain::PersonalField> fields = domain::PersonalFieldsOf(original.payload);
    ASSERT_EQ(ne->sealed.size(), fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      EXPECT_EQ(ne->sealed[i].path, fields[i].path);
      EXPECT_EQ(ne->sealed[i].subject, fields[i].subject.value);
    }
    for (const std::string& marker : sample.markers) {
      EXPECT_EQ(ne->payload.find(marker), std::string::npos) << "in the payload: " << marker;
      for (const eventstore::SealedPart& part : ne->sealed) {
        EXPECT_EQ(part.ciphertext.find(marker), std::string::npos) << marker;
      }
    }
    sealed_parts += ne->sealed.size();

    const RecordedEvent r = AppendRaw(std::move(ne).value());
    const DecodedEvent d = MustDecode(r);
    DomainEvent expected = original;
    expected.recorded_at = r.recorded_at;
    EXPECT_TRUE(d.event == expected);  // (not EXPECT_EQ: a failure must not print the content)
    EXPECT_TRUE(d.erased_paths.empty());
    EXPECT_EQ(d.position, r.position);
    EXPECT_EQ(d.stream, "case-c-1");
  }
  EXPECT_EQ(n, std::variant_size_v<Payload>);
  EXPECT_GT(sealed_parts, 40u);
}

// The sealing proof end to end: plant a unique marker in every personal field of every event
// type, store them, close the log, and look for the markers in every byte of every file.
TEST_F(EventCodecTest, NoPersonalFieldReachesTheDiskInClear) {
  std::vector<std::string> markers;
  uint64_t n = 0;
  for (domain::testing::MarkedSample& sample : domain::testing::MarkedSamples("disk")) {
    Store(EventOf(sample.payload, ++n));
    markers.insert(markers.end(), sample.markers.begin(), sample.markers.end());
  }
  // A control written in clear through the same log: the scan must find it, or it proves nothing
  // (e.g. if the store compressed what it wrote).
  const std::string control = "CLEAR-CONTROL-7c1e5a";
  NewEvent clear = eventstore::testing::MakeEvent(1000, "payload " + control, "test.clear");
  AppendRaw(clear, "test-clear");
  Close();

  const auto files = ReadAllFiles(dir_.Sub("data"));
  ASSERT_FALSE(files.empty());
  EXPECT_FALSE(FilesContaining(files, control).empty()) << "the scan cannot see clear text";
  ASSERT_GT(markers.size(), 40u);
  for (const std::string& marker : markers) {
    for (const std::string& path : FilesContaining(files, marker)) {
      ADD_FAILURE() << "personal marker " << marker << " found in clear in " << path;
    }
  }
}

TEST_F(EventCodecTest, EachHouseholdMemberIsSealedUnderTheirOwnKey) {
  const DomainEvent opened = Household(1);
  Result<NewEvent> ne = ToLogEvent(opened, *log_);
  ASSERT_TRUE(ne.ok()) << ne.status().ToString();
  std::vector<std::pair<std::string, std::string>> parts;
  for (const eventstore::SealedPart& p : ne->sealed) parts.emplace_back(p.path, p.subject);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"members[0].profile", "p-father"},
      {"members[1].profile", "p-mother"},
      {"members[2].profile", "p-son"},
      {"summary", "p-father"}};
  EXPECT_EQ(parts, expected);
}

TEST_F(EventCodecTest, ErasingOneMemberBlanksOnlyTheirFields) {
  const DomainEvent opened = Household(1);
  const RecordedEvent r = Store(opened);
  ASSERT_TRUE(log_->EraseSubject("p-mother").ok());

  auto check = [&](const DecodedEvent& d) {
    EXPECT_EQ(d.erased_paths, std::vector<std::string>{"members[1].profile"});
    EXPECT_TRUE(d.HasErasedContent());
    const auto& got = std::get<CaseOpened>(d.event.payload);
    const auto& want = std::get<CaseOpened>(opened.payload);
    ASSERT_EQ(got.members.size(), 3u);
    EXPECT_TRUE(got.members[0] == want.members[0]);
    EXPECT_TRUE(got.members[1].profile == PersonProfile{});
    EXPECT_EQ(got.members[1].person, PersonId("p-mother"));  // metadata stays
    EXPECT_EQ(got.members[1].relation, Relation::kSpouse);
    EXPECT_TRUE(got.members[2] == want.members[2]);
    EXPECT_TRUE(got.summary == want.summary);
  };
  check(MustDecode(r));

  // Erasure holds across a restart; then erasing the main person takes the summary too.
  Close();
  Open();
  Result<RecordedEvent> again = log_->ReadAt(r.position);
  ASSERT_TRUE(again.ok());
  check(MustDecode(*again));
  ASSERT_TRUE(log_->EraseSubject("p-father").ok());
  const DecodedEvent d = MustDecode(*again);
  EXPECT_EQ(d.erased_paths,
            (std::vector<std::string>{"members[0].profile", "members[1].profile", "summary"}));
  const auto& got = std::get<CaseOpened>(d.event.payload);
  EXPECT_TRUE(got.summary.empty());
  EXPECT_TRUE(got.members[0].profile == PersonProfile{});
  EXPECT_TRUE(got.members[2] == std::get<CaseOpened>(opened.payload).members[2]);
}

TEST_F(EventCodecTest, SealingForAnErasedSubjectIsRefused) {
  ASSERT_TRUE(log_->EraseSubject("p-x").ok());
  Result<NewEvent> ne =
      ToLogEvent(EventOf(domain::OutreachRecorded{PersonId("p-x"), {}, "訪問した"}, 1), *log_);
  EXPECT_EQ(ne.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ne.status().message().find("訪問"), std::string::npos);
}

TEST_F(EventCodecTest, PersonalContentWithoutASubjectIsRefused) {
  Result<NewEvent> ne =
      ToLogEvent(EventOf(domain::OutreachRecorded{PersonId(), {}, "内容"}, 1), *log_);
  EXPECT_EQ(ne.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventCodecTest, EmptyPersonalFieldsAreNotSealed) {
  const DomainEvent e = EventOf(domain::OutreachRecorded{PersonId("p-1"), {}, ""}, 1);
  Result<NewEvent> ne = ToLogEvent(e, *log_);
  ASSERT_TRUE(ne.ok());
  EXPECT_TRUE(ne->sealed.empty());
  const RecordedEvent r = AppendRaw(std::move(ne).value());
  const DecodedEvent d = MustDecode(r);
  EXPECT_TRUE(d.event.payload == e.payload);
  EXPECT_TRUE(d.erased_paths.empty());
}

TEST_F(EventCodecTest, MovingAnEventInSealsTheSameFieldsAsCopyingIt) {
  const DomainEvent e = Household(1);
  Result<NewEvent> copied = ToLogEvent(e, *log_);
  Result<NewEvent> moved = ToLogEvent(DomainEvent(e), *log_);
  ASSERT_TRUE(copied.ok());
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->payload, copied->payload);
  ASSERT_EQ(moved->sealed.size(), copied->sealed.size());
  for (size_t i = 0; i < moved->sealed.size(); ++i) {
    EXPECT_EQ(moved->sealed[i].path, copied->sealed[i].path);
    EXPECT_EQ(moved->sealed[i].subject, copied->sealed[i].subject);
    EXPECT_NE(moved->sealed[i].nonce, copied->sealed[i].nonce);  // a fresh nonce per Seal
  }
  const DecodedEvent d = MustDecode(AppendRaw(std::move(moved).value()));
  EXPECT_TRUE(d.event.payload == e.payload);
}

TEST_F(EventCodecTest, TamperedCiphertextIsDataLoss) {
  RecordedEvent r = Store(Household(1));
  ASSERT_EQ(r.sealed.size(), 4u);
  r.sealed[2].ciphertext[0] ^= 0x01;
  EXPECT_EQ(FromLogEvent(r, *log_).status().code(), StatusCode::kDataLoss);
}

TEST_F(EventCodecTest, PartMovedToAnotherFieldOrEventIsDataLoss) {
  const RecordedEvent r = Store(Household(1));
  ASSERT_EQ(r.sealed.size(), 4u);
  // members[0].profile and summary are both the father's: swapping their paths must not verify.
  RecordedEvent moved = r;
  std::swap(moved.sealed[0].path, moved.sealed[3].path);
  EXPECT_EQ(FromLogEvent(moved, *log_).status().code(), StatusCode::kDataLoss);
  // The same parts under another event id.
  RecordedEvent other = r;
  other.id = eventstore::testing::IdFrom(99);
  EXPECT_EQ(FromLogEvent(other, *log_).status().code(), StatusCode::kDataLoss);
  // A part relabelled with another member's subject.
  RecordedEvent relabelled = r;
  relabelled.sealed[1].subject = "p-son";
  EXPECT_EQ(FromLogEvent(relabelled, *log_).status().code(), StatusCode::kDataLoss);
}

TEST_F(EventCodecTest, UnknownOrDuplicatePartsAreDataLoss) {
  const RecordedEvent r = Store(Household(1));
  RecordedEvent unknown = r;
  unknown.sealed.push_back(r.sealed[0]);
  unknown.sealed.back().path = "members[7].profile";
  EXPECT_EQ(FromLogEvent(unknown, *log_).status().code(), StatusCode::kDataLoss);
  RecordedEvent twice = r;
  twice.sealed.push_back(r.sealed[3]);
  EXPECT_EQ(FromLogEvent(twice, *log_).status().code(), StatusCode::kDataLoss);
}

TEST_F(EventCodecTest, PersonalContentStoredInClearIsRefusedOnRead) {
  // A writer that bypassed ToLogEvent: the payload bytes carry the summary in clear.
  const DomainEvent e = Household(1);
  NewEvent ne;
  ne.id.bytes = e.id.bytes;
  ne.type = std::string(domain::TypeOf(e.payload));
  ne.occurred_at = e.occurred_at;
  ne.actor = {"st-coord", "ag-takikan", "coordinator"};
  Result<std::string> bytes = domain::EncodePayload(e.payload);
  ASSERT_TRUE(bytes.ok());
  ne.payload = *bytes;
  const RecordedEvent r = AppendRaw(ne);
  Result<DecodedEvent> d = FromLogEvent(r, *log_);
  EXPECT_EQ(d.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(d.status().message().find("in clear"), std::string::npos) << d.status().message();
  EXPECT_EQ(d.status().message().find("氏名"), std::string::npos);
}

// --- the worked examples of DOMAIN.md, through the log ------------------------------------------
//
// The worked examples (tests/domain/worked_examples.h, accepted and refused commands alike),
// decided in a World; each resulting event then goes through ToLogEvent -> Append -> read ->
// FromLogEvent -> Evolve, and the state must equal the one the domain reached directly.

using domain::testing::World;
namespace d = domain;

class WorkedExampleTest : public EventCodecTest {
 protected:
  // Stores every event of `w.log` in stream case-c-1, reads the stream back through
  // FromLogEvent, and checks event-for-event equality and the evolved state.
  void ReplayThroughTheLog(const World& w) {
    ASSERT_FALSE(w.log.empty());
    std::vector<NewEvent> batch;
    for (const DomainEvent& e : w.log) {
      Result<NewEvent> ne = ToLogEvent(e, *log_);
      ASSERT_TRUE(ne.ok()) << ne.status().ToString();
      batch.push_back(std::move(ne).value());
    }
    ASSERT_TRUE(log_->Append("case-c-1", ExpectedVersion::NoStream(), std::move(batch)).ok());
    Result<std::vector<RecordedEvent>> read =
        log_->ReadStream("case-c-1", 0, eventstore::Direction::kForward, 10'000);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_EQ(read->size(), w.log.size());

    d::CaseState state;
    for (size_t i = 0; i < read->size(); ++i) {
      const DecodedEvent decoded = MustDecode((*read)[i]);
      DomainEvent expected = w.log[i];
      expected.recorded_at = decoded.event.recorded_at;
      EXPECT_TRUE(decoded.event == expected) << "event " << i;
      state = d::Evolve(std::move(state), decoded.event);
    }
    EXPECT_TRUE(state == w.state);
    EXPECT_TRUE(state == d::Replay(w.log));
  }
};

TEST_F(WorkedExampleTest, The8050HouseholdReplaysThroughTheLog) {
  World w;
  domain::testing::Build8050Household(w);
  EXPECT_EQ(w.state.plan->status, d::PlanStatus::kTerminated);
  ReplayThroughTheLog(w);
}

TEST_F(WorkedExampleTest, TheFourPersonHouseholdReplaysThroughTheLog) {
  World w;
  domain::testing::BuildFourPersonHousehold(w);
  EXPECT_EQ(w.state.plan->approved_version, 2u);
  ReplayThroughTheLog(w);
}

TEST_F(WorkedExampleTest, TheSupportMeetingCaseReplaysThroughTheLog) {
  World w;
  domain::testing::BuildSupportMeetingTaxRefusal(w);
  EXPECT_EQ(w.state.refusals.size(), 1u);
  ReplayThroughTheLog(w);
}

}  // namespace
}  // namespace kasane::projections

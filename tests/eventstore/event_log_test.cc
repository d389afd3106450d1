#include "eventstore/event_log.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "eventstore/envelope.capnp.h"
#include "eventstore/envelope_codec.h"
#include "eventstore/signed_note.h"
#include "tests/eventstore/raw_db.h"
#include "tests/eventstore/test_util.h"

namespace kasane::eventstore {
namespace {

using testing::IdFrom;
using testing::MakeEvent;
using testing::TempDir;

class EventLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> OpenLog(std::string origin = "test.example/log") {
    EventLogOptions options;
    options.dir = dir_.path();
    options.origin = std::move(origin);
    options.clock = &clock_;
    options.random = &random_;
    auto log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // The Merkle tree hash of leaves [begin, end) computed from scratch (RFC 6962 MTH).
  static Hash NaiveRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
    if (end - begin == 0) return EmptyRoot();
    if (end - begin == 1) return leaves[begin];
    size_t k = 1;
    while (k * 2 < end - begin) k *= 2;
    return HashChildren(NaiveRoot(leaves, begin, begin + k), NaiveRoot(leaves, begin + k, end));
  }

  static Hash LeafOf(const RecordedEvent& e) {
    return HashLeaf(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(e.canonical.data()),
                                             e.canonical.size()));
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{42};
};

TEST(EnvelopeCodecTest, TheEncodingIsCapnpsOwnCanonicalForm) {
  // The encoder writes the canonical copy itself (envelope_codec.cc, Canonical); it must be
  // byte for byte what capnp::canonicalize makes of the same message, with and without optional
  // ids and sealed parts, and for an event too large for the scratch segment (the fallback).
  std::vector<NewEvent> events;
  events.push_back(testing::MakeEvent(1));
  NewEvent full = testing::MakeEvent(2, std::string(300, 'p'));
  full.causation_id = testing::IdFrom(9);
  full.correlation_id = testing::IdFrom(10);
  full.sealed.push_back(
      SealedPart{"person-1", "person.name", std::string(24, 'n'), std::string(40, 'c')});
  full.sealed.push_back(
      SealedPart{"person-2", "/members/1/profile", std::string(24, 'm'), std::string(1000, 'd')});
  events.push_back(full);
  NewEvent empty_payload = testing::MakeEvent(3);
  empty_payload.payload.clear();
  events.push_back(empty_payload);
  NewEvent large = testing::MakeEvent(4, std::string(40000, 'x'));  // > 16 KiB of scratch
  events.push_back(large);
  for (const NewEvent& e : events) {
    std::string bytes = EncodeEnvelope(e, "stream-1", 7, 42, 1'700'000'000'000'000'000);
    ASSERT_EQ(bytes.size() % sizeof(capnp::word), 0u);
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), bytes.size());
    kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1));
    ASSERT_TRUE(reader.isCanonical());
    kj::Array<capnp::word> again = capnp::canonicalize(reader.getRoot<wire::Envelope>());
    EXPECT_EQ(
        std::string(reinterpret_cast<const char*>(again.asBytes().begin()), again.asBytes().size()),
        bytes);
    auto decoded = DecodeEnvelope(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->payload, e.payload);
    EXPECT_EQ(decoded->sealed, e.sealed);
  }
}

TEST_F(EventLogTest, AppendAssignsContiguousPositionsAndVersions) {
  auto log = OpenLog();
  auto a = log->Append("s-1", ExpectedVersion::NoStream(), {MakeEvent(1), MakeEvent(2)});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->first_position, 0u);
  EXPECT_EQ(a->last_position, 1u);
  EXPECT_EQ(a->first_version, 0u);
  EXPECT_EQ(a->last_version, 1u);
  auto b = log->Append("s-2", ExpectedVersion::Any(), {MakeEvent(3)});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first_position, 2u);
  EXPECT_EQ(b->first_version, 0u);
  auto c = log->Append("s-1", ExpectedVersion::Exact(1), {MakeEvent(4)});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first_position, 3u);
  EXPECT_EQ(c->first_version, 2u);
  EXPECT_EQ(log->Size(), 4u);
  auto head = log->GetStreamHead("s-1");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->version, 2u);
  EXPECT_EQ(head->position, 3u);
}

TEST_F(EventLogTest, AppendRejectsStaleExpectedVersionAndWritesNothing) {
  auto log = OpenLog();
  ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1), MakeEvent(2)}).ok());
  auto r = log->Append("s", ExpectedVersion::Exact(0), {MakeEvent(3)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConflict);
  EXPECT_NE(r.status().message().find("current version is 1"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(log->Size(), 2u);
  EXPECT_EQ(log->ReadById(IdFrom(3)).status().code(), StatusCode::kNotFound);
}

TEST_F(EventLogTest, ExpectedVersionKindsAreEnforced) {
  auto log = OpenLog();
  EXPECT_EQ(log->Append("s", ExpectedVersion::StreamExists(), {MakeEvent(1)}).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(log->Append("s", ExpectedVersion::Exact(0), {MakeEvent(1)}).status().code(),
            StatusCode::kConflict);
  ASSERT_TRUE(log->Append("s", ExpectedVersion::NoStream(), {MakeEvent(1)}).ok());
  EXPECT_EQ(log->Append("s", ExpectedVersion::NoStream(), {MakeEvent(2)}).status().code(),
            StatusCode::kConflict);
  EXPECT_TRUE(log->Append("s", ExpectedVersion::StreamExists(), {MakeEvent(2)}).ok());
  EXPECT_TRUE(log->Append("s", ExpectedVersion::Exact(1), {MakeEvent(3)}).ok());
  EXPECT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(4)}).ok());
  EXPECT_EQ(log->Size(), 4u);
}

TEST_F(EventLogTest, IdempotentRetryReturnsOriginalResultAndWritesNothing) {
  auto log = OpenLog();
  auto first = log->Append("s", ExpectedVersion::NoStream(), {MakeEvent(1), MakeEvent(2)});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(log->Append("other", ExpectedVersion::Any(), {MakeEvent(3)}).ok());
  // The retry's expectation no longer holds, but a retry is recognised by its ids first.
  auto retry = log->Append("s", ExpectedVersion::NoStream(), {MakeEvent(1), MakeEvent(2)});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_EQ(retry->last_version, first->last_version);
  EXPECT_EQ(log->Size(), 3u);
}

TEST_F(EventLogTest, IdempotentRetryWithinOneGroupCommitIsRecognised) {
  auto log = OpenLog();
  std::vector<std::thread> threads;
  std::atomic<int> replays{0}, fresh{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = log->Append("s", ExpectedVersion::Any(), {MakeEvent(7)});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      (r->replayed ? replays : fresh)++;
      EXPECT_EQ(r->first_position, 0u);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(replays.load(), 7);
  EXPECT_EQ(log->Size(), 1u);
}

TEST_F(EventLogTest, KnownIdWithDifferentContentIsRejected) {
  auto log = OpenLog();
  ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1)}).ok());
  NewEvent changed = MakeEvent(1, "something else");
  auto r = log->Append("s", ExpectedVersion::Any(), {changed});
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  auto other_stream = log->Append("t", ExpectedVersion::Any(), {MakeEvent(1)});
  EXPECT_EQ(other_stream.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(log->Size(), 1u);
}

TEST_F(EventLogTest, AppendMixingKnownAndNewIdsIsRejected) {
  auto log = OpenLog();
  ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1)}).ok());
  auto r = log->Append("s", ExpectedVersion::Any(), {MakeEvent(1), MakeEvent(2)});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Size(), 1u);
}

TEST_F(EventLogTest, BadInputIsRejectedWithoutWriting) {
  auto log = OpenLog();
  EXPECT_EQ(log->Append("", ExpectedVersion::Any(), {MakeEvent(1)}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append("a\nb", ExpectedVersion::Any(), {MakeEvent(1)}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1), MakeEvent(1)}).status().code(),
            StatusCode::kInvalidArgument);
  NewEvent no_type = MakeEvent(2);
  no_type.type = "";
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {no_type}).status().code(),
            StatusCode::kInvalidArgument);
  NewEvent zero = MakeEvent(3);
  zero.id = EventId{};
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {zero}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Size(), 0u);
}

TEST_F(EventLogTest, ReadsStreamsForwardBackwardAndTheWholeLog) {
  auto log = OpenLog();
  for (uint64_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(log->Append(i % 2 ? "odd" : "even", ExpectedVersion::Any(), {MakeEvent(i)}).ok());
  }
  auto fwd = log->ReadStream("odd", 1, Direction::kForward, 3);
  ASSERT_TRUE(fwd.ok());
  ASSERT_EQ(fwd->size(), 3u);
  EXPECT_EQ((*fwd)[0].version, 1u);
  EXPECT_EQ((*fwd)[0].position, 3u);
  EXPECT_EQ((*fwd)[2].position, 7u);
  auto back = log->ReadStream("even", UINT64_MAX, Direction::kBackward, 2);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].position, 8u);
  EXPECT_EQ((*back)[1].position, 6u);
  auto all = log->ReadAll(4, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 6u);
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].position, 4 + i);
  EXPECT_EQ(log->ReadStream("none", 0, Direction::kForward, 1).status().code(),
            StatusCode::kNotFound);
  auto by_id = log->ReadById(IdFrom(5));
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->position, 5u);
  EXPECT_EQ(by_id->payload, "payload-5");
  EXPECT_EQ(by_id->actor, (Actor{"staff-1", "agency-1", "caseworker"}));
  EXPECT_EQ(log->ReadAt(10).status().code(), StatusCode::kNotFound);
}

TEST_F(EventLogTest, StreamReadsCrossMultiEventAppendsFromAnyVersion) {
  auto log = OpenLog();
  // "a" gets appends of 3, 1 and 4 events, interleaved with "b".
  uint64_t n = 0;
  for (int count : {3, 1, 4}) {
    std::vector<NewEvent> a, b;
    for (int i = 0; i < count; ++i) a.push_back(MakeEvent(n++));
    b.push_back(MakeEvent(n++));
    ASSERT_TRUE(log->Append("a", ExpectedVersion::Any(), a).ok());
    ASSERT_TRUE(log->Append("b", ExpectedVersion::Any(), b).ok());
  }
  auto all = log->ReadStream("a", 0, Direction::kForward, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 8u);
  for (Version v = 0; v < 8; ++v) {
    EXPECT_EQ((*all)[v].version, v);
    auto fwd = log->ReadStream("a", v, Direction::kForward, 3);
    ASSERT_TRUE(fwd.ok());
    ASSERT_EQ(fwd->size(), std::min<size_t>(3, 8 - v));
    for (size_t i = 0; i < fwd->size(); ++i) EXPECT_EQ((*fwd)[i], (*all)[v + i]);
    auto back = log->ReadStream("a", v, Direction::kBackward, 3);
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->size(), std::min<size_t>(3, v + 1));
    for (size_t i = 0; i < back->size(); ++i) EXPECT_EQ((*back)[i], (*all)[v - i]);
  }
  // Positions: run of 3 at 0..2, "b" at 3, "a" at 4, "b" at 5, run of 4 at 6..9.
  EXPECT_EQ((*all)[3].position, 4u);
  EXPECT_EQ((*all)[4].position, 6u);
  EXPECT_EQ((*all)[7].position, 9u);
  EXPECT_TRUE(log->ReadStream("a", 8, Direction::kForward, 5)->empty());
}

TEST_F(EventLogTest, RecordedAtComesFromTheInjectedClockAndNeverGoesBack) {
  auto log = OpenLog();
  clock_.Set(2'000'000'000'000'000'000);
  ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1)}).ok());
  clock_.Set(1'000'000'000'000'000'000);  // the clock steps backwards
  ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(2)}).ok());
  auto events = log->ReadAll(0, 2);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ((*events)[0].recorded_at, 2'000'000'000'000'000'000);
  EXPECT_EQ((*events)[1].recorded_at, 2'000'000'000'000'000'000);
}

TEST_F(EventLogTest, WaitForSizeAboveWakesOnCommit) {
  auto log = OpenLog();
  EXPECT_EQ(log->WaitForSizeAbove(0, std::chrono::milliseconds(10)), 0u);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(1)}).ok());
  });
  EXPECT_EQ(log->WaitForSizeAbove(0, std::chrono::seconds(30)), 1u);
  writer.join();
}

TEST_F(EventLogTest, ConcurrentWritersWithExactVersionsNeverFork) {
  auto log = OpenLog();
  ASSERT_TRUE(log->Append("s", ExpectedVersion::NoStream(), {MakeEvent(0)}).ok());
  std::atomic<uint64_t> next_id{1};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto head = log->GetStreamHead("s");
        ASSERT_TRUE(head.ok());
        auto r = log->Append("s", ExpectedVersion::Exact(head->version), {MakeEvent(next_id++)});
        if (!r.ok()) {
          EXPECT_EQ(r.status().code(), StatusCode::kConflict);
          ++conflicts;
        } else {
          EXPECT_EQ(r->first_version, head->version + 1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  auto events = log->ReadStream("s", 0, Direction::kForward, 1000);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size() + conflicts.load(), 201u);
  for (size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].version, i);
}

TEST_F(EventLogTest, RootsAndProofsAgreeWithAnIndependentComputation) {
  auto log = OpenLog();
  uint64_t n = 0;
  for (int batch : {1, 3, 1, 7, 16, 2, 1, 33, 5}) {
    std::vector<NewEvent> events;
    for (int i = 0; i < batch; ++i) events.push_back(MakeEvent(n++));
    ASSERT_TRUE(log->Append("s-" + std::to_string(batch), ExpectedVersion::Any(), events).ok());
  }
  auto all = log->ReadAll(0, n);
  ASSERT_TRUE(all.ok());
  std::vector<Hash> leaves;
  for (const auto& e : *all) leaves.push_back(LeafOf(e));
  EXPECT_EQ(log->Head().root, NaiveRoot(leaves, 0, leaves.size()));
  for (uint64_t size = 1; size <= n; ++size) {
    auto root = log->RootAt(size);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, NaiveRoot(leaves, 0, size)) << size;
    for (uint64_t i = 0; i < size; i += 5) {
      auto proof = log->InclusionProof(i, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyInclusion(i, size, leaves[i], *proof, *root).ok()) << i << "/" << size;
    }
    for (uint64_t s1 = 1; s1 <= size; s1 += 7) {
      auto proof = log->ConsistencyProof(s1, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(VerifyConsistency(s1, size, *proof, NaiveRoot(leaves, 0, s1), *root).ok())
          << s1 << "->" << size;
    }
  }
  EXPECT_EQ(log->RootAt(n + 1).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, StateSurvivesReopen) {
  Hash root;
  {
    auto log = OpenLog();
    for (uint64_t i = 0; i < 21; ++i) {
      ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(i)}).ok());
    }
    root = log->Head().root;
  }
  auto log = OpenLog();
  EXPECT_EQ(log->Size(), 21u);
  EXPECT_EQ(log->Head().root, root);
  auto r = log->Append("s", ExpectedVersion::Exact(20), {MakeEvent(21)});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_position, 21u);
  auto retry = log->Append("s", ExpectedVersion::Any(), {MakeEvent(3)});
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->first_position, 3u);
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
}

TEST_F(EventLogTest, CheckpointIsASignedNoteOverTheHead) {
  auto log = OpenLog();
  for (uint64_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(i)}).ok());
  }
  auto note = log->Checkpoint();
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  auto verifier = NoteVerifier::FromVerifierKey(log->VerifierKey());
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(verifier->name(), "test.example/log");
  auto text = OpenNote(*note, *verifier);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto cp = Checkpoint::Parse(*text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->origin, "test.example/log");
  EXPECT_EQ(cp->size, 5u);
  EXPECT_EQ(cp->root, log->Head().root);
  auto latest = log->LatestCheckpoint();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, *note);
}

TEST_F(EventLogTest, SigningKeyIsCreatedPrivateAndOriginIsFixed) {
  std::string vkey;
  {
    auto log = OpenLog();
    vkey = log->VerifierKey();
  }
  struct stat st {};
  ASSERT_EQ(stat((dir_.path() + "/signing.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(OpenLog()->VerifierKey(), vkey);
  EventLogOptions options;
  options.dir = dir_.path();
  options.origin = "another.example/log";
  EXPECT_EQ(EventLog::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(EventLogTest, VerifyPassesOnAnIntactStore) {
  auto log = OpenLog();
  for (uint64_t i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        log->Append("s-" + std::to_string(i % 4), ExpectedVersion::Any(), {MakeEvent(i)}).ok());
    if (i % 17 == 0) {
      ASSERT_TRUE(log->Checkpoint().ok());
    }
  }
  uint64_t calls = 0;
  auto report = log->Verify([&](uint64_t, uint64_t) { ++calls; });
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems[0];
  EXPECT_EQ(report->events_checked, 50u);
  EXPECT_EQ(report->checkpoints_checked, 3u);
  EXPECT_EQ(report->streams_checked, 4u);
  EXPECT_GT(calls, 0u);
}

TEST_F(EventLogTest, VerifyCatchesAnEventRewrittenThroughRocksDb) {
  {
    auto log = OpenLog();
    for (uint64_t i = 0; i < 40; ++i) {
      ASSERT_TRUE(
          log->Append("case-" + std::to_string(i % 3), ExpectedVersion::Any(), {MakeEvent(i)})
              .ok());
    }
    ASSERT_TRUE(log->Checkpoint().ok());
  }
  ASSERT_TRUE(testing::RewriteEventPayload(dir_.path(), 7, "rewritten"));
  auto log = OpenLog();
  auto tampered = log->ReadAt(7);
  ASSERT_TRUE(tampered.ok());
  ASSERT_EQ(tampered->payload, "rewritten");  // the database itself is valid
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  std::string all;
  for (const auto& p : report->problems) all += p + "\n";
  EXPECT_NE(all.find("(events 0..15)"), std::string::npos) << all;
  EXPECT_NE(all.find("signed checkpoint"), std::string::npos) << all;
}

TEST_F(EventLogTest, ADamagedTreeEdgeOpensForVerificationButRefusesAppends) {
  {
    auto log = OpenLog();
    for (uint64_t i = 0; i < 12; ++i) {
      ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(i)}).ok());
    }
  }
  ASSERT_TRUE(testing::RewriteEventPayload(dir_.path(), 10, "rewritten"));
  auto log = OpenLog();
  auto append = log->Append("s", ExpectedVersion::Any(), {MakeEvent(100)});
  EXPECT_EQ(append.status().code(), StatusCode::kIoError);
  EXPECT_NE(append.status().message().find("integrity check"), std::string::npos);
  EXPECT_EQ(log->Size(), 12u);
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

TEST_F(EventLogTest, VerifyCatchesARemovedIndexEntryAndAForgedHead) {
  {
    auto log = OpenLog();
    for (uint64_t i = 0; i < 6; ++i) {
      ASSERT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(i)}).ok());
    }
  }
  {
    testing::RawDb raw(dir_.path());
    ASSERT_TRUE(raw.db()
                    ->Delete({}, raw.cf("event_ids"),
                             std::string(reinterpret_cast<const char*>(IdFrom(2).bytes.data()), 16))
                    .ok());
  }
  auto log = OpenLog();
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

}  // namespace
}  // namespace kasane::eventstore

namespace kasane::eventstore {
namespace {

using testing::MakeEvent;
using testing::TempDir;

class EventLogHardeningTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> OpenLog() {
    EventLogOptions options;
    options.dir = dir_.path();
    options.clock = &clock_;
    auto log = EventLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  void AppendSome(int n) {
    auto log = OpenLog();
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(log->Append("s-" + std::to_string(i % 2), ExpectedVersion::Any(),
                              {MakeEvent(static_cast<uint64_t>(i))})
                      .ok());
    }
  }
  std::vector<std::string> Problems() {
    auto log = OpenLog();
    auto report = log->Verify(nullptr);
    EXPECT_TRUE(report.ok());
    return report.ok() ? report->problems : std::vector<std::string>{"verify did not run"};
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(EventLogHardeningTest, OversizedInputIsRefusedBeforeItReachesTheEncoder) {
  auto log = OpenLog();
  NewEvent big = MakeEvent(1, std::string(kMaxPayloadBytes + 1, 'x'));
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {big}).status().code(),
            StatusCode::kInvalidArgument);
  NewEvent long_actor = MakeEvent(2);
  long_actor.actor.staff.assign(kMaxShortFieldBytes + 1, 's');
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), {long_actor}).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<NewEvent> many;  // each event fits, the append as a whole does not
  for (uint64_t i = 0; i < 5; ++i)
    many.push_back(MakeEvent(10 + i, std::string(kMaxPayloadBytes, 'y')));
  EXPECT_EQ(log->Append("s", ExpectedVersion::Any(), many).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Size(), 0u);
  EXPECT_TRUE(log->Append("s", ExpectedVersion::Any(), {MakeEvent(3)}).ok());  // still serving
}

TEST_F(EventLogHardeningTest, AFolderWhoseDatabaseWasLostIsNotGivenANewHistory) {
  AppendSome(3);
  std::filesystem::remove_all(dir_.path() + "/log");
  EventLogOptions options;
  options.dir = dir_.path();
  auto reopened = EventLog::Open(options);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(reopened.status().message().find("no log database"), std::string::npos);
}

TEST_F(EventLogHardeningTest, VerifyCatchesAForgedStreamIndexRun) {
  AppendSome(6);
  {
    testing::RawDb raw(dir_.path());
    // A run for stream id 1 that overlaps its real runs, and one for an id never allocated.
    std::string key = testing::PositionKey(1) + testing::PositionKey(1);
    std::string value = testing::PositionKey(0) + testing::PositionKey(1);
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("stream_index"), key, value).ok());
    std::string junk = testing::PositionKey(77) + testing::PositionKey(0);
    ASSERT_TRUE(raw.db()
                    ->Put({}, raw.cf("stream_index"), junk,
                          testing::PositionKey(0) + testing::PositionKey(UINT64_MAX))
                    .ok());
  }
  auto problems = Problems();
  EXPECT_FALSE(problems.empty());
}

TEST_F(EventLogHardeningTest, AForgedHeadIsNoticedAtOpenAndByVerify) {
  AppendSome(4);
  {
    testing::RawDb raw(dir_.path());
    std::string head;
    ASSERT_TRUE(raw.db()->Get({}, raw.db()->DefaultColumnFamily(), "head", &head).ok());
    ASSERT_EQ(head.size(), 56u);
    head.replace(48, 8, testing::PositionKey(1));  // next stream id 1: ids 1 and 2 are in use
    ASSERT_TRUE(raw.db()->Put({}, raw.db()->DefaultColumnFamily(), "head", head).ok());
  }
  auto log = OpenLog();
  auto append = log->Append("new-stream", ExpectedVersion::Any(), {MakeEvent(50)});
  EXPECT_EQ(append.status().code(), StatusCode::kIoError);
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

TEST_F(EventLogHardeningTest, AnEventBeyondTheHeadIsNoticed) {
  AppendSome(4);
  {
    testing::RawDb raw(dir_.path());
    std::string last;
    ASSERT_TRUE(raw.db()->Get({}, raw.cf("events"), testing::PositionKey(3), &last).ok());
    ASSERT_TRUE(raw.db()->Put({}, raw.cf("events"), testing::PositionKey(4), last).ok());
  }
  auto log = OpenLog();
  EXPECT_EQ(log->Append("s-0", ExpectedVersion::Any(), {MakeEvent(60)}).status().code(),
            StatusCode::kIoError);
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
}

}  // namespace
}  // namespace kasane::eventstore

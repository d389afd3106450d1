// The log on a failing disk: an fsync that fails and RocksDB meeting ENOSPC stop the log (the
// append that met it is not acknowledged, every later one is refused, reads go on, and a reopen
// finds every acknowledged event and verifies); the free-space reserve refuses ordinary appends
// with kResourceExhausted while priority ones pass, writes nothing, and lets writing resume as
// soon as space returns, without a reopen.
#include "tests/eventstore/fault_fs.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"

namespace kasane::eventstore {
namespace {

using testing::FaultFs;
using testing::IdFrom;
using testing::MakeEvent;
using testing::TempDir;

constexpr uint64_t kMiB = uint64_t{1} << 20;

class FaultFsTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventLog> OpenLog(bool faulty) {
    EventLogOptions o;
    o.dir = dir_.path();
    if (faulty) o.TEST_env = FaultFs::EnvOver(fs_);
    auto log = EventLog::Open(std::move(o));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // Appends event n to stream "s-<n % 3>" and remembers it when acknowledged.
  Result<AppendResult> AppendOne(EventLog& log, uint64_t n) {
    auto r = log.Append("s-" + std::to_string(n % 3), ExpectedVersion::Any(), {MakeEvent(n)});
    if (r.ok()) acked_[n] = r->first_position;
    return r;
  }

  // Reopens without faults: the log verifies and holds every acknowledged event where it was
  // acknowledged; returns the reopened log.
  std::unique_ptr<EventLog> ReopenAndCheck() {
    auto log = OpenLog(false);
    if (log == nullptr) return nullptr;
    auto report = log->Verify(nullptr);
    EXPECT_TRUE(report.ok() && report->ok())
        << (report.ok() ? (report->problems.empty() ? "" : report->problems[0])
                        : report.status().ToString());
    for (const auto& [n, position] : acked_) {
      auto e = log->ReadAt(position);
      EXPECT_TRUE(e.ok()) << "acknowledged event " << n << " lost";
      if (e.ok()) {
        EXPECT_EQ(e->id, IdFrom(n));
      }
    }
    return log;
  }

  // Every acknowledged event can still be read from the stopped log.
  void ExpectReadable(const EventLog& log) {
    for (const auto& [n, position] : acked_) {
      auto e = log.ReadAt(position);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_EQ(e->id, IdFrom(n));
    }
    auto stream = log.ReadStream("s-0", 0, Direction::kForward, 100);
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    EXPECT_FALSE(stream->empty());
    EXPECT_TRUE(log.InclusionProof(0, log.Size()).ok());
  }

  TempDir dir_;
  std::shared_ptr<FaultFs> fs_ = std::make_shared<FaultFs>();
  std::map<uint64_t, Position> acked_;  // event number -> acknowledged position
};

TEST_F(FaultFsTest, FailedFsyncStopsTheLogAndLosesNothingAcknowledged) {
  {
    auto log = OpenLog(true);
    ASSERT_NE(log, nullptr);
    for (uint64_t n = 0; n < 20; ++n) ASSERT_TRUE(AppendOne(*log, n).ok());
    const uint64_t size = log->Size();

    fs_->Set(FaultFs::Fault::kSync);
    auto failed = AppendOne(*log, 100);
    EXPECT_FALSE(failed.ok()) << "an append whose fsync failed was acknowledged";
    EXPECT_GT(fs_->injected(), 0u);
    EXPECT_EQ(failed.status().code(), StatusCode::kIoError) << failed.status().ToString();
    EXPECT_EQ(log->Size(), size);  // readers never see the unproven commit

    // The disk "recovers", but the log does not pretend: it refuses until reopened.
    fs_->Set(FaultFs::Fault::kNone);
    for (uint64_t n = 101; n < 104; ++n) {
      auto later = AppendOne(*log, n);
      EXPECT_EQ(later.status().code(), StatusCode::kIoError) << later.status().ToString();
    }
    StorageHealth health = log->Storage();
    EXPECT_FALSE(health.writable);
    EXPECT_NE(health.failure.find("failed commit"), std::string::npos) << health.failure;
    ExpectReadable(*log);
  }
  auto log = ReopenAndCheck();
  ASSERT_NE(log, nullptr);
  // The outcome of the failed append was unknown: it is either wholly there or absent.
  EXPECT_TRUE(log->Size() == 20 || log->Size() == 21) << log->Size();
  if (log->Size() == 21) {
    EXPECT_EQ(log->ReadAt(20)->id, IdFrom(100));
  }
  EXPECT_TRUE(log->Storage().writable);
  ASSERT_TRUE(AppendOne(*log, 200).ok());
}

TEST_F(FaultFsTest, NoSpaceInRocksDbStopsTheLogAndLosesNothingAcknowledged) {
  {
    auto log = OpenLog(true);
    ASSERT_NE(log, nullptr);
    for (uint64_t n = 0; n < 20; ++n) ASSERT_TRUE(AppendOne(*log, n).ok());
    const uint64_t size = log->Size();

    fs_->Set(FaultFs::Fault::kNoSpace);
    auto failed = AppendOne(*log, 100);
    EXPECT_FALSE(failed.ok()) << "an append that met ENOSPC was acknowledged";
    EXPECT_EQ(failed.status().code(), StatusCode::kResourceExhausted) << failed.status().ToString();
    EXPECT_EQ(log->Size(), size);

    fs_->Set(FaultFs::Fault::kNone);
    auto later = AppendOne(*log, 101);
    EXPECT_EQ(later.status().code(), StatusCode::kIoError) << later.status().ToString();
    EXPECT_NE(later.status().message().find("free"), std::string::npos)
        << "the refusal says what to do: " << later.status().message();
    EXPECT_FALSE(log->Storage().writable);
    ExpectReadable(*log);
  }
  auto log = ReopenAndCheck();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Size() == 20 || log->Size() == 21) << log->Size();
  ASSERT_TRUE(AppendOne(*log, 200).ok());
}

// Writes outside the append path (a checkpoint, a new subject's key) stop the log the same way:
// RocksDB refuses every write after one failed, so the log must not carry on as if writable.
TEST_F(FaultFsTest, AFailedCheckpointOrKeyWriteStopsTheLogToo) {
  {
    auto log = OpenLog(true);
    ASSERT_NE(log, nullptr);
    for (uint64_t n = 0; n < 5; ++n) ASSERT_TRUE(AppendOne(*log, n).ok());
    fs_->Set(FaultFs::Fault::kNoSpace);
    EXPECT_FALSE(log->Checkpoint().ok());
    EXPECT_FALSE(log->Seal(IdFrom(50), "person-new", "/name", "x").ok());
    fs_->Set(FaultFs::Fault::kNone);
    EXPECT_FALSE(log->Storage().writable);
    EXPECT_EQ(AppendOne(*log, 51).status().code(), StatusCode::kIoError);
    ExpectReadable(*log);
  }
  auto log = ReopenAndCheck();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Size(), 5u);
  EXPECT_TRUE(log->Checkpoint().ok());
}

// The reserve with a fake free-space probe.
class ReserveTest : public FaultFsTest {
 protected:
  std::unique_ptr<EventLog> OpenWithProbe() {
    EventLogOptions o;
    o.dir = dir_.path();
    o.min_free_bytes = 64 * kMiB;
    o.priority_min_free_bytes = 16 * kMiB;
    o.TEST_free_bytes = [this]() -> Result<uint64_t> { return free_.load(); };
    o.on_space_refused = [this](bool priority) { (priority ? priority_refused_ : refused_)++; };
    auto log = EventLog::Open(std::move(o));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  Result<AppendResult> AppendPriority(EventLog& log, uint64_t n) {
    auto r = log.Append("records", ExpectedVersion::Any(), {MakeEvent(n)},
                        AppendOptions{.priority = true});
    if (r.ok()) acked_[n] = r->first_position;
    return r;
  }

  std::atomic<uint64_t> free_{uint64_t{1} << 30};
  std::atomic<int> refused_{0}, priority_refused_{0};
};

TEST_F(ReserveTest, BelowTheReserveOrdinaryAppendsAreRefusedPriorityPassAndWritingResumes) {
  auto log = OpenWithProbe();
  ASSERT_NE(log, nullptr);
  for (uint64_t n = 0; n < 5; ++n) ASSERT_TRUE(AppendOne(*log, n).ok());

  free_ = 32 * kMiB;  // between the two reserves
  const TreeHead before = log->Head();
  auto refused = AppendOne(*log, 10);
  ASSERT_EQ(refused.status().code(), StatusCode::kResourceExhausted) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("reserve"), std::string::npos);
  EXPECT_EQ(log->Head().size, before.size);  // nothing written
  EXPECT_EQ(log->Head().root, before.root);
  EXPECT_EQ(log->ReadById(IdFrom(10)).status().code(), StatusCode::kNotFound);
  StorageHealth health = log->Storage();
  EXPECT_TRUE(health.writable) << "a refusal for space must not stop the log";
  EXPECT_TRUE(health.below_reserve);
  EXPECT_FALSE(health.below_priority_reserve);
  EXPECT_EQ(health.free_bytes, 32 * kMiB);

  // Access and refusal records still get in; so do checkpoints. Sealing for a new subject (it
  // writes the subject's key, for a command) does not.
  ASSERT_TRUE(AppendPriority(*log, 11).ok());
  EXPECT_TRUE(log->Checkpoint().ok());
  EXPECT_EQ(log->Seal(IdFrom(12), "person-1", "/name", "x").status().code(),
            StatusCode::kResourceExhausted);

  free_ = 8 * kMiB;  // below the emergency reserve: nothing is written
  EXPECT_EQ(AppendPriority(*log, 13).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(log->Checkpoint().status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(log->Storage().below_priority_reserve);

  // An append that would itself eat into the reserve is refused too.
  free_ = 64 * kMiB + 1000;
  EXPECT_EQ(log->Append("big", ExpectedVersion::Any(), {MakeEvent(14, std::string(4000, 'x'))})
                .status()
                .code(),
            StatusCode::kResourceExhausted);

  free_ = uint64_t{1} << 30;  // space freed: writing resumes, no reopen
  ASSERT_TRUE(AppendOne(*log, 15).ok());
  ASSERT_TRUE(AppendOne(*log, 16).ok());
  EXPECT_EQ(log->Size(), 8u);  // 5 + the priority one + 2: contiguous, no hole
  // Counted: 2 ordinary appends and the Seal; the priority append and the Checkpoint.
  EXPECT_EQ(refused_.load(), 3);
  EXPECT_EQ(priority_refused_.load(), 2);
  EXPECT_EQ(log->Storage().refused_for_space, 5u);
  EXPECT_FALSE(log->Storage().below_reserve);
  auto report = log->Verify(nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  log.reset();
  ReopenAndCheck();
}

// Concurrent appends share group commits: the refused ones must not move the others.
TEST_F(ReserveTest, RefusalsInsideAGroupCommitLeaveTheOthersContiguous) {
  auto log = OpenWithProbe();
  ASSERT_NE(log, nullptr);
  free_ = 32 * kMiB;
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> ok_priority{0}, refused_ordinary{0}, other{0};
  std::mutex mu;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const uint64_t n = static_cast<uint64_t>(t * 1000 + i);
        const bool priority = t % 2 == 0;
        auto r =
            log->Append(priority ? "records" : "s-" + std::to_string(t), ExpectedVersion::Any(),
                        {MakeEvent(n)}, AppendOptions{.priority = priority});
        if (priority && r.ok()) {
          ++ok_priority;
          std::lock_guard<std::mutex> lock(mu);
          acked_[n] = r->first_position;
        } else if (!priority && r.status().code() == StatusCode::kResourceExhausted) {
          ++refused_ordinary;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ok_priority.load(), kThreads / 2 * kEach);
  EXPECT_EQ(refused_ordinary.load(), kThreads / 2 * kEach);
  EXPECT_EQ(log->Size(), static_cast<uint64_t>(ok_priority.load()));
  log.reset();
  auto reopened = ReopenAndCheck();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->Size(), acked_.size());
}

// Without a probe the log reads the real file system's free space (statvfs).
TEST_F(FaultFsTest, TheRealProbeRefusesWhenTheReserveExceedsTheDisk) {
  EventLogOptions o;
  o.dir = dir_.path();
  o.min_free_bytes = uint64_t{1} << 62;  // more than any disk
  o.priority_min_free_bytes = 0;         // priority appends are not checked
  auto log = EventLog::Open(std::move(o));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(AppendOne(**log, 1).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE((*log)
                  ->Append("records", ExpectedVersion::Any(), {MakeEvent(2)},
                           AppendOptions{.priority = true})
                  .ok());
  StorageHealth health = (*log)->Storage();
  ASSERT_TRUE(health.free_bytes.has_value());
  EXPECT_GT(*health.free_bytes, 0u);
  EXPECT_TRUE(health.below_reserve);
}

}  // namespace
}  // namespace kasane::eventstore

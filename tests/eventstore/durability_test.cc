// Durability under kill -9: a child process appends from several threads and reports every
// acknowledged append through a pipe; the parent SIGKILLs it at a random moment, reopens the log
// and checks that every acknowledged append is there, no append is partly visible, and the log
// verifies. Repeated for many rounds on the same folder.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <random>
#include <thread>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"

namespace kasane::eventstore {
namespace {

using testing::IdFrom;
using testing::TempDir;

constexpr int kRounds = 25;
constexpr int kWriterThreads = 4;

// One acknowledged append, as the child reports it.
struct Ack {
  uint64_t group;
  uint64_t first_position;
  uint64_t count;
};

std::string GroupPayload(uint64_t group, uint64_t count, uint64_t index) {
  return "g=" + std::to_string(group) + " n=" + std::to_string(count) +
         " i=" + std::to_string(index);
}

[[noreturn]] void ChildAppends(const std::string& dir, int fd, uint64_t round) {
  EventLogOptions options;
  options.dir = dir;
  auto opened = EventLog::Open(options);
  if (!opened.ok()) _exit(3);
  EventLog* log = opened->get();
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([log, fd, round, t] {
      std::mt19937_64 rng(round * 100 + static_cast<uint64_t>(t));
      for (uint64_t n = 0;; ++n) {
        uint64_t group = (round << 32) | (static_cast<uint64_t>(t) << 24) | n;
        uint64_t count = 1 + rng() % 4;
        std::vector<NewEvent> events;
        for (uint64_t i = 0; i < count; ++i) {
          NewEvent e;
          e.id = IdFrom(group, i);
          e.type = "durability.tested";
          e.payload = GroupPayload(group, count, i);
          events.push_back(std::move(e));
        }
        auto r = log->Append("s-" + std::to_string(rng() % 5), ExpectedVersion::Any(), events);
        if (!r.ok()) _exit(4);
        Ack ack{group, r->first_position, count};
        if (write(fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(5);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

TEST(DurabilityTest, AcknowledgedAppendsSurviveKillNineAndNoAppendIsPartlyVisible) {
  TempDir dir;
  std::mt19937_64 rng(20261123);
  uint64_t total_acked = 0;
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildAppends(dir.path(), fds[1], static_cast<uint64_t>(round));
    }
    close(fds[1]);
    // Wait for the first acknowledgement so that every round kills a working writer, then let
    // it run a random while longer.
    std::vector<Ack> acks;
    Ack ack;
    ASSERT_EQ(read(fds[0], &ack, sizeof(ack)), static_cast<ssize_t>(sizeof(ack)));
    acks.push_back(ack);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 120));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended by itself with status " << status;
    while (read(fds[0], &ack, sizeof(ack)) == static_cast<ssize_t>(sizeof(ack)))
      acks.push_back(ack);
    close(fds[0]);
    total_acked += acks.size();

    EventLogOptions options;
    options.dir = dir.path();
    auto log = EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (const Ack& a : acks) {
      for (uint64_t i = 0; i < a.count; ++i) {
        auto e = (*log)->ReadAt(a.first_position + i);
        ASSERT_TRUE(e.ok()) << "acknowledged position " << a.first_position + i << " is lost";
        EXPECT_EQ(e->id, IdFrom(a.group, i));
        EXPECT_EQ(e->payload, GroupPayload(a.group, a.count, i));
      }
    }
    // No partial append: each group's events are all present and contiguous.
    auto all = (*log)->ReadAll(0, (*log)->Size());
    ASSERT_TRUE(all.ok());
    std::map<uint64_t, std::pair<uint64_t, uint64_t>> groups;  // group -> (count, seen)
    for (size_t p = 0; p < all->size(); ++p) {
      uint64_t g, n, i;
      ASSERT_EQ(sscanf((*all)[p].payload.c_str(), "g=%lu n=%lu i=%lu", &g, &n, &i), 3);
      auto& [count, seen] = groups[g];
      count = n;
      EXPECT_EQ(seen, i) << "group " << g << " is out of order at position " << p;
      ++seen;
      if (i > 0) {
        EXPECT_EQ((*all)[p - 1].payload, GroupPayload(g, n, i - 1));
      }
    }
    for (const auto& [g, cs] : groups)
      EXPECT_EQ(cs.first, cs.second) << "group " << g << " is partial";
    auto report = (*log)->Verify(nullptr);
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->ok()) << report->problems.front();
  }
  RecordProperty("acknowledged_appends_checked", std::to_string(total_acked));
  std::cout << "[durability] " << kRounds << " kill -9 rounds, " << total_acked
            << " acknowledged appends checked\n";
}

}  // namespace
}  // namespace kasane::eventstore

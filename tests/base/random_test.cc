// PooledSystemRandom: the ids it hands out never repeat, within a thread across refills of its
// pool, across threads, and between a parent and a child forked while the pool held bytes.
#include "base/random.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kasane {
namespace {

std::string Draw(Random& random) {
  std::array<uint8_t, 16> id{};
  random.Fill(id);
  return std::string(id.begin(), id.end());
}

TEST(PooledSystemRandomTest, IdsNeverRepeatAcrossRefillsAndThreads) {
  PooledSystemRandom random;
  std::set<std::string> seen;
  std::mutex mu;
  auto draw_many = [&] {
    // 4 KiB per pool: 2,000 ids of 16 bytes refill it about eight times.
    std::vector<std::string> mine;
    for (int i = 0; i < 2000; ++i) mine.push_back(Draw(random));
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& id : mine) EXPECT_TRUE(seen.insert(id).second);
  };
  std::thread a(draw_many), b(draw_many);
  draw_many();
  a.join();
  b.join();
  EXPECT_EQ(seen.size(), 6000u);
  // A request larger than a quarter of the pool is read from the kernel directly.
  std::vector<uint8_t> big(2048, 0);
  random.Fill(big);
  EXPECT_NE(std::count(big.begin(), big.end(), 0), 2048);
}

TEST(PooledSystemRandomTest, AForkedChildDoesNotReuseItsParentsPool) {
  PooledSystemRandom random;
  Draw(random);  // the pool now holds unused bytes, inherited by the child
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string id = Draw(random);
    _exit(write(fds[1], id.data(), id.size()) == 16 ? 0 : 1);
  }
  close(fds[1]);
  std::string child(16, '\0');
  ASSERT_EQ(read(fds[0], child.data(), child.size()), 16);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_NE(Draw(random), child);
}

}  // namespace
}  // namespace kasane

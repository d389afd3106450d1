// Random: where kasane gets unpredictable bytes (key generation, nonces). Only main() and the
// store's Open with default options use SystemRandom; tests may pass a seeded one.
//
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <pthread.h>
#include <sys/random.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>

namespace kasane {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// The kernel's CSPRNG (getrandom(2)).
class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
      if (n < 0) throw std::runtime_error("getrandom failed");  // a broken kernel is a bug
      done += static_cast<size_t>(n);
    }
  }
};

// A count bumped in every child after fork() (pthread_atfork): a per-thread pool of random bytes
// that remembers the count it was filled under discards itself in a child, so that parent and
// child never hand out the same bytes. Reading it costs an atomic load, where checking getpid()
// would cost a system call per draw.
inline uint64_t ForkGeneration() {
  static std::atomic<uint64_t> count{1};
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] { count.fetch_add(1); });
    return true;
  }();
  (void)registered;
  return count.load(std::memory_order_relaxed);
}

// The kernel's CSPRNG read 4 KiB at a time per thread: one getrandom(2) per 4 KiB instead of one
// per call. For public identifiers (request ids, event ids), which the API server draws two or
// three of per request; never for keys or tokens, whose bytes should not sit in a pool before
// use. Each byte is handed out once and zeroed in the pool; a forked child discards the pool it
// inherited (a generation bumped by pthread_atfork), so parent and child never share bytes.
class PooledSystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    if (out.size() > kPoolBytes / 4) {
      SystemRandom().Fill(out);
      return;
    }
    thread_local Pool pool;
    const uint64_t generation = ForkGeneration();
    if (pool.generation != generation || pool.used + out.size() > kPoolBytes) {
      SystemRandom().Fill(pool.bytes);
      pool.used = 0;
      pool.generation = generation;
    }
    std::memcpy(out.data(), pool.bytes.data() + pool.used, out.size());
    std::memset(pool.bytes.data() + pool.used, 0, out.size());
    pool.used += out.size();
  }

 private:
  static constexpr size_t kPoolBytes = 4096;
  struct Pool {
    std::array<uint8_t, kPoolBytes> bytes{};
    size_t used = kPoolBytes;
    uint64_t generation = 0;
  };
};

// Deterministic bytes for tests (splitmix64). Never for real keys.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      if (left_ == 0) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        word_ = z ^ (z >> 31);
        left_ = 8;
      }
      b = static_cast<uint8_t>(word_ & 0xff);
      word_ >>= 8;
      --left_;
    }
  }

 private:
  uint64_t state_;
  uint64_t word_ = 0;
  int left_ = 0;
};

}  // namespace kasane

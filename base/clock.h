// Clock: where kasane learns the time. Only main() builds SystemClock; tests use FakeClock so
// runs are deterministic.
//
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace kasane {

// Nanoseconds since the Unix epoch (UTC).
using UnixNanos = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixNanos Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixNanos Now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixNanos start = 1'700'000'000'000'000'000) : now_(start) {}
  UnixNanos Now() const override { return now_.load(); }
  void Set(UnixNanos t) { now_.store(t); }
  void Advance(int64_t nanos) { now_.fetch_add(nanos); }

 private:
  std::atomic<UnixNanos> now_;
};

}  // namespace kasane

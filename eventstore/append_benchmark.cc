#include "eventstore/append_benchmark.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "base/stats.h"
#include "eventstore/envelope_codec.h"
#include "eventstore/event_log.h"
#include "eventstore/file_util.h"

namespace kasane::eventstore {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Key(uint64_t v) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) k[i] = static_cast<char>(v & 0xff);
  return k;
}

LatencyStats Stats(std::vector<double>& us) {
  LatencyStats s;
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  s.p50_us = us[us.size() / 2];
  s.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  return s;
}

NewEvent MakeEvent(uint64_t thread, uint64_t n, const std::string& payload) {
  NewEvent e;
  uint64_t a = thread + 1, b = n + 1;
  for (int i = 0; i < 8; ++i) {
    e.id.bytes[i] = static_cast<uint8_t>(a >> (8 * i));
    e.id.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  e.type = "bench.appended";
  e.occurred_at = 1'700'000'000'000'000'000;
  e.actor = Actor{"staff-bench", "agency-bench", "caseworker"};
  e.payload = payload;
  return e;
}

rocksdb::Options RawOptions() {
  rocksdb::Options o;
  o.create_if_missing = true;
  o.max_background_jobs = 2;
  return o;
}

// Runs `body(thread_index, stop)` on `threads` threads for `seconds`; returns elapsed seconds.
template <typename Body>
double RunFor(int threads, double seconds, Body body) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { body(t, stop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

Result<double> RawBatch100(const std::string& dir, double seconds, size_t value_bytes) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(RawOptions(), dir, &raw);
  if (!s.ok()) return IoError(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value(value_bytes, 'v');
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
  double elapsed = RunFor(1, seconds, [&](int, std::atomic<bool>& stop) {
    uint64_t k = 0;
    while (!stop) {
      rocksdb::WriteBatch wb;
      for (int i = 0; i < 100; ++i) wb.Put(Key(k++), value);
      if (!db->Write(wo, &wb).ok()) failed = true;
      written += 100;
    }
  });
  if (failed) return IoError("raw RocksDB write failed");
  return written / elapsed;
}

Result<double> RawC64(const std::string& dir, double seconds, size_t value_bytes) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(RawOptions(), dir, &raw);
  if (!s.ok()) return IoError(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value(value_bytes, 'v');
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
  double elapsed = RunFor(64, seconds, [&](int t, std::atomic<bool>& stop) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    uint64_t k = static_cast<uint64_t>(t) << 40;
    while (!stop) {
      if (!db->Put(wo, Key(k++), value).ok()) failed = true;
      ++written;
    }
  });
  if (failed) return IoError("raw RocksDB write failed");
  return written / elapsed;
}

constexpr int kSealedSubjects = 64;

// kasane appends: `threads` callers, each on its own stream, `per_call` events per Append. With
// `sealed`, each event carries the same content sealed instead of in clear: `payload` is sealed
// (in the loop, so sealing's cost counts) for one of kSealedSubjects subjects and the event's
// clear payload is empty, as the domain stores an event whose content is all personal.
Result<double> Appends(const std::string& dir, double seconds, int threads, int per_call,
                       const std::string& payload, LatencyStats* stats, bool sealed = false) {
  EventLogOptions options;
  options.dir = dir;
  KASANE_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, EventLog::Open(options));
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::vector<double> latencies;
  double elapsed = RunFor(threads, seconds, [&](int t, std::atomic<bool>& stop) {
    std::string stream = "bench-" + std::to_string(t);
    // The subjects' ids, as a caller holds them (a person id from its command).
    std::vector<std::string> subjects;
    for (int i = 0; i < kSealedSubjects; ++i)
      subjects.push_back("bench-subject-" + std::to_string(i));
    std::vector<double> mine;
    uint64_t n = 0;
    while (!stop) {
      std::vector<NewEvent> events;
      events.reserve(per_call);
      for (int i = 0; i < per_call; ++i) {
        events.push_back(MakeEvent(t, n++, sealed ? std::string() : payload));
        if (sealed) {
          NewEvent& e = events.back();
          auto part = log->Seal(e.id, subjects[n % kSealedSubjects], "bench.part", payload);
          if (!part.ok()) {
            failed = true;
            return;
          }
          e.sealed.push_back(std::move(part).value());
        }
      }
      auto start = SteadyClock::now();
      auto r = log->Append(stream, ExpectedVersion::Any(), std::move(events));
      mine.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count());
      if (!r.ok()) {
        failed = true;
        return;
      }
      written += per_call;
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  });
  if (failed) return IoError("an append failed during the benchmark");
  *stats = Stats(latencies);
  return written / elapsed;
}

}  // namespace

std::string AppendBenchmarkReport::ToJson() const {
  nlohmann::json j;
  j["raw_batch100_eps"] = raw_batch100_eps;
  j["raw_c64_eps"] = raw_c64_eps;
  j["append_batch100_eps"] = append_batch100_eps;
  j["append_batch100_sealed_eps"] = append_batch100_sealed_eps;
  j["append_c1_eps"] = append_c1_eps;
  j["append_c16_eps"] = append_c16_eps;
  j["append_c64_eps"] = append_c64_eps;
  auto lat = [&](const char* name, const LatencyStats& s) {
    j[std::string(name) + "_p50_us"] = s.p50_us;
    j[std::string(name) + "_p99_us"] = s.p99_us;
  };
  lat("append_batch100", batch100);
  lat("append_batch100_sealed", batch100_sealed);
  lat("append_c1", c1);
  lat("append_c16", c16);
  lat("append_c64", c64);
  j["event_bytes"] = event_bytes;
  j["sealed_event_bytes"] = sealed_event_bytes;
  j["rounds"] = rounds;
  j["ratio_batch100"] = Median(ratio_batch100_rounds);
  j["ratio_c64"] = Median(ratio_c64_rounds);
  j["ratio_batch100_rounds"] = ratio_batch100_rounds;
  j["ratio_c64_rounds"] = ratio_c64_rounds;
  j["ratio_sealed"] = Median(ratio_sealed_rounds);
  j["ratio_sealed_rounds"] = ratio_sealed_rounds;
  return j.dump();
}

Result<AppendBenchmarkReport> RunAppendBenchmark(const AppendBenchmarkOptions& options) {
  AppendBenchmarkReport report;
  std::string payload(options.payload_bytes, 'p');
  {
    RecordedEvent sample;
    NewEvent e = MakeEvent(0, 0, payload);
    sample.id = e.id;
    sample.stream = "bench-0";
    sample.type = e.type;
    sample.actor = e.actor;
    sample.payload = e.payload;
    sample.occurred_at = e.occurred_at;
    sample.recorded_at = e.occurred_at;
    report.event_bytes = EncodeEnvelope(sample).size();
    sample.payload.clear();  // sealed: the content moves from the payload into a sealed part
    SealedPart part;         // the sizes of a sealed part of the payload (nonce 24, tag 16)
    part.subject = "bench-subject-0";
    part.path = "bench.part";
    part.nonce.assign(24, 'n');
    part.ciphertext.assign(payload.size() + 16, 'c');
    sample.sealed.push_back(part);
    report.sealed_event_bytes = EncodeEnvelope(sample).size();
  }
  double secs = options.seconds_per_mode;
  auto wanted = [&](const char* mode) {
    if (options.only.empty()) return true;
    std::string list = "," + options.only + ",";
    return list.find("," + std::string(mode) + ",") != std::string::npos;
  };
  std::vector<double> raw_b, app_b, app_bs, raw_c, app_c, app_1, app_16;
  LatencyStats sb, sbs, s64, s1, s16;
  report.rounds = std::max(1, options.rounds);
  for (int round = 0; round < report.rounds; ++round) {
    double rb = 0, ab = 0, sealed = 0, rc = 0, ac = 0;
    if (wanted("raw_batch100")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(rb, RawBatch100(d.path(), secs, report.event_bytes));
      raw_b.push_back(rb);
    }
    if (wanted("append_batch100")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(ab, Appends(d.path(), secs, 1, 100, payload, &sb));
      app_b.push_back(ab);
    }
    if (wanted("append_batch100_sealed")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(sealed, Appends(d.path(), secs, 1, 100, payload, &sbs, true));
      app_bs.push_back(sealed);
    }
    if (wanted("raw_c64")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(rc, RawC64(d.path(), secs, report.event_bytes));
      raw_c.push_back(rc);
    }
    if (wanted("append_c64")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(ac, Appends(d.path(), secs, 64, 1, payload, &s64));
      app_c.push_back(ac);
    }
    if (wanted("append_c1")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(double v, Appends(d.path(), secs, 1, 1, payload, &s1));
      app_1.push_back(v);
    }
    if (wanted("append_c16")) {
      KASANE_ASSIGN_OR_RETURN(ScratchDir d, ScratchDir::Make(options.temp_root, "kasane-bench"));
      KASANE_ASSIGN_OR_RETURN(double v, Appends(d.path(), secs, 16, 1, payload, &s16));
      app_16.push_back(v);
    }
    if (rb > 0 && ab > 0) report.ratio_batch100_rounds.push_back(ab / rb);
    if (rc > 0 && ac > 0) report.ratio_c64_rounds.push_back(ac / rc);
    if (ab > 0 && sealed > 0) report.ratio_sealed_rounds.push_back(sealed / ab);
    // Latency figures are those of the last round.
    report.batch100 = sb;
    report.batch100_sealed = sbs;
    report.c64 = s64;
    report.c1 = s1;
    report.c16 = s16;
  }
  report.raw_batch100_eps = Median(raw_b);
  report.append_batch100_eps = Median(app_b);
  report.append_batch100_sealed_eps = Median(app_bs);
  report.raw_c64_eps = Median(raw_c);
  report.append_c64_eps = Median(app_c);
  report.append_c1_eps = Median(app_1);
  report.append_c16_eps = Median(app_16);
  return report;
}

}  // namespace kasane::eventstore

// The rebuild benchmark behind `kasane bench rebuild`: how fast every projection is rebuilt from
// the log, measured side by side with reading and decoding that log and nothing else, in one
// run, in a temporary folder.
//
// It writes a synthetic log (projections/synthetic.h) once, then runs `rounds` rounds of:
//   replay_only: EventLog::ReadAll in the engine's batches (512 events) and DecodeWithoutContent
//     of every event: exactly the reading and decoding the engine does, without folding case
//     states or any projection work (replay_evolve adds the folding, for reference);
//   rebuild: a fresh ProjectionEngine (every projection of ProjectionNames(), a new views
//     folder) and CatchUp() from position 0, timed from the call to its return;
// and, on the last round's engine, reads the whole timeline of the ~1,000-event case
// (`timeline_reads` times, through Reader("timeline") and ReadTimeline) for its latency.
// Figures are medians over the rounds; the ratio is the median of the per-round ratios, so each
// compares two passes made seconds apart on the same disk and cache.
//
// Thread-safety: RunRebuildBenchmark runs on the calling thread (the generator and RocksDB use
// their own threads); call it from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kasane::projections {

struct RebuildBenchmarkOptions {
  uint64_t events = 1'000'000;  // synthetic log size
  int rounds = 3;
  uint64_t seed = 1;
  size_t active_cases = 2000;
  int timeline_reads = 200;
  // Also rebuild each projection alone once per round (where the time goes; slower).
  bool per_projection = false;
  std::string temp_root;  // where the temporary folder goes; empty = $TMPDIR or /tmp
  // Progress lines for a human ("generate: 500000/1000000"); may be null.
  std::function<void(std::string_view)> log;
};

struct RebuildBenchmarkReport {
  uint64_t events = 0;
  uint64_t cases = 0;
  uint64_t timeline_events = 0;  // entries of the big case's timeline
  uint64_t active_cases = 0;
  uint64_t unexpected_refusals = 0;         // the generator's own check (0 unless it has a bug)
  std::map<std::string, uint64_t> by_type;  // the synthetic log's mix
  double generate_seconds = 0;
  double replay_only_eps = 0;    // median
  double replay_evolve_eps = 0;  // replay_only plus folding case states (what the engine shares)
  double rebuild_eps = 0;        // median
  double timeline_p50_us = 0;
  double timeline_p99_us = 0;
  int rounds = 0;
  std::vector<std::string> projections;
  std::vector<double> replay_only_eps_rounds;
  std::vector<double> replay_evolve_eps_rounds;
  std::vector<double> rebuild_eps_rounds;
  std::vector<double> ratio_rounds;  // rebuild / replay_only, per round
  // With per_projection: events/s of each projection rebuilt alone (median over rounds).
  std::vector<std::pair<std::string, double>> projection_eps;

  double ratio() const;
  // One JSON object: events, cases, replay_only_eps, rebuild_eps, ratio_rebuild,
  // timeline_1000_p99_us, rounds, the per-round arrays, and the rest.
  std::string ToJson() const;
};

// Runs the benchmark. Fails when the temporary folder, the log or the views cannot be created,
// the generator fails, or a projection stops (its Status).
Result<RebuildBenchmarkReport> RunRebuildBenchmark(const RebuildBenchmarkOptions& options);

}  // namespace kasane::projections

// The append benchmark behind `kasane bench append`: kasane's durable appends measured side by
// side with plain RocksDB doing the same amount of synced writing, in one run, in a temporary
// folder. Lives in eventstore/ because the baseline talks to RocksDB directly.
//
// Thread-safety: RunAppendBenchmark spawns and joins its own threads; call it from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace kasane::eventstore {

struct AppendBenchmarkOptions {
  double seconds_per_mode = 2.0;  // wall time each mode runs in each round
  int rounds = 3;                 // each round runs every mode, raw and kasane back to back
  size_t payload_bytes = 256;     // opaque payload per event
  std::string temp_root;          // where the temporary folders go; empty = $TMPDIR or /tmp
  // Run only these modes, comma-separated (e.g. "append_batch100,append_batch100_sealed", which
  // the sealed ratio needs); empty = all.
  std::string only;
};

struct LatencyStats {
  double p50_us = 0;
  double p99_us = 0;
};

// Figures are medians over the rounds; ratios are medians of the per-round ratios, so that each
// ratio compares runs made seconds apart on the same disk.
struct AppendBenchmarkReport {
  double raw_batch100_eps = 0;  // plain RocksDB, WriteBatch of 100 values, sync=true
  double raw_c64_eps = 0;       // plain RocksDB, 64 threads doing single synced Puts
  double append_batch100_eps = 0;
  // As append_batch100, but each event also carries one part of payload_bytes sealed with
  // EventLog::Seal in the caller's loop (so the cost of sealing counts), for 64 subjects.
  double append_batch100_sealed_eps = 0;
  double append_c1_eps = 0;
  double append_c16_eps = 0;
  double append_c64_eps = 0;
  LatencyStats batch100, batch100_sealed, c1, c16, c64;  // per Append call
  size_t event_bytes = 0;         // stored bytes of one event (canonical envelope)
  size_t sealed_event_bytes = 0;  // stored bytes of one event of append_batch100_sealed
  int rounds = 0;
  std::vector<double> ratio_batch100_rounds;  // append_batch100 / raw_batch100, per round
  std::vector<double> ratio_c64_rounds;       // append_c64 / raw_c64, per round
  std::vector<double> ratio_sealed_rounds;    // append_batch100_sealed / append_batch100

  // One JSON object with the keys named in BENCHMARKS.md.
  std::string ToJson() const;
};

// Runs every mode. Fails only when a folder or database cannot be created or an append fails.
Result<AppendBenchmarkReport> RunAppendBenchmark(const AppendBenchmarkOptions& options);

}  // namespace kasane::eventstore

// The HTTP benchmark behind `kasane bench http`: the API's single-event commands and case view
// reads over 32 keep-alive connections, measured side by side with the same appends made
// in-process, in one run, against one ApiServer on 127.0.0.1 in a temporary folder.
//
// Each round runs three phases back to back, each for `seconds` after `warmup_seconds`:
//   store_append  32 threads each append one outreach.recorded per call directly to the server's
//                 EventLog (domain::DomainEvent -> projections::ToLogEvent -> EventLog::Append),
//                 each to its own case stream (opened with a case.opened first);
//   http_append   32 threads, each with its own keep-alive httplib::Client, each POSTing
//                 /v1/cases/{caseId}/outreach with a fresh eventId to the case it opened with
//                 POST /v1/cases in this round; only 201 counts;
//   http_read     32 threads, each GETting /v1/cases/{caseId} of its own read case (opened once
//                 at setup) as the staff member who opened it: the profiles are shown in full, so
//                 every read is scope-filtered and appends an access record first; only 200
//                 counts.
// Every other answer (or no answer) is an error, counted and sampled by status and problem type
// only (never a body: it may carry personal content). Throughputs are per second of measured
// wall time; the medians over rounds are the headline figures, the ratios are medians of the
// per-round ratios (each compares phases run seconds apart). Latencies are per request, over
// every measured request of every round.
//
// The JSON report's keys (BENCHMARKS.md, "HTTP"):
//   store_append_c32_eps, http_append_c32_eps, http_read_c32_rps   medians over rounds
//   ratio_http_append = http_append / store_append, ratio_http_read = http_read / store_append
//   <each of the five above>_rounds                                 per-round figures
//   store_append_p50_us, store_append_p99_us, http_append_p50_us, http_append_p99_us,
//   http_read_p50_us, http_read_p99_us
//   http_append_requests, http_append_errors, http_read_requests, http_read_errors (measured),
//   http_append_error_sample, http_read_error_sample ("" when none),
//   http_append_connections_opened, http_read_connections_opened (TCP connections the clients
//   opened in measured and warm-up time; 32 per round means keep-alive held),
//   setup_retries (case openings sent again after getting no answer; should be 0),
//   errors_within_budget (each phase's error fraction <= max_error_fraction),
//   connections, server_threads, seconds, warmup_seconds, rounds, nproc, temp_root.
//
// Thread-safety: RunHttpBenchmark starts and joins its own threads; call it from one thread.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace kasane::api {

// Concurrent connections (and in-process appending threads) of every phase.
inline constexpr int kHttpBenchConnections = 32;

struct HttpBenchOptions {
  double seconds = 5.0;               // measured wall time of each phase in each round
  double warmup_seconds = 0.5;        // unmeasured time before each phase's measurement
  int rounds = 3;                     // each round runs store_append, http_append, http_read
  size_t server_threads = 96;         // the server's worker threads (> kHttpBenchConnections)
  std::string temp_root;              // where the temporary folder goes; empty = $TMPDIR or /tmp
  double max_error_fraction = 0.001;  // errors_within_budget: at most this fraction per phase
  // The event times and token issue times; null: the system clock. Must outlive the call.
  const Clock* clock = nullptr;
  // Progress lines (never personal content); null: silent.
  std::function<void(std::string_view)> log;
};

// Runs the benchmark and returns the report described above. Requests the server refuses are
// counted as errors, not failures. Fails when the temporary folder or the server cannot be set
// up, when bootstrapping the directory or opening a case answers anything but 201, or when an
// in-process append fails.
Result<nlohmann::json> RunHttpBenchmark(const HttpBenchOptions& options);

}  // namespace kasane::api

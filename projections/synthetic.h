// The synthetic workload: a realistic log of a municipality's 重層的支援体制整備事業, written
// through the domain's own rules, for the rebuild benchmark and for tests that need volume.
//
// The generator plays the worked examples of DOMAIN.md as templates over many cases: intake with a
// household of 1-4 persons, consents (some by proxy, some refused), referrals to coordination
// (accepted, declined, returned), lead agency, assessments, 支援会議 and 重層的支援会議 with
// members who acknowledge confidentiality (late joiners, members leaving), disclosures by consent,
// by meeting and for an urgent case (and refused ones: consent scope, tax, usage suspension), plan
// draft / approval / revision / monitoring / evaluation / suspension / resumption / termination,
// outreach, participation support, corrections, APPI requests and their decisions, access
// records (in `access-<yyyymmdd>` streams, JST days), and the admin stream (agencies, staff,
// staff transfers). Every case command goes through domain::Decide against the case's state
// (folded with domain::Evolve) and the directory (folded with EvolveDirectory), so the log is
// one Decide would have produced: a refused disclosure appends the disclosure.refused event
// Decide returns. Events are sealed by ToLogEvent (each personal field under its own person's
// key). The synthetic personal text is treated as personal like any other: never printed.
//
// Time: a simulated clock (business time, occurred_at) moves forward; a window of
// `active_cases` cases is open at once, each acting at its own pace (minutes apart inside a
// meeting, days or weeks between steps, months until monitoring and evaluation); when a case
// ends a new one opens. So cases interleave the way a municipality's do, neither round-robin nor
// one at a time. The optional big case (~big_case_events events, a long-running household with
// repeated plan cycles) is spread evenly over the whole log.
//
// Appending: the events of up to `window_events` consecutive commands are grouped per stream
// (each stream's events in one Append with its exact expected version) and appended by
// `appenders` threads at once, so the log's group commit covers many cases per fsync. Within a
// window the global order of different streams depends on thread scheduling; every stream's
// content and order, and the order of windows, do not.
//
// Determinism: for a seed and options, the same domain events (ids, streams, versions, payloads,
// actors, occurred_at) in the same order per stream; with appenders = 1, the same global order
// too. Seal nonces and the log's recorded_at differ from run to run, as they must.
//
// Thread-safety: WriteSyntheticLog runs its own appender threads and joins them before it
// returns; call it from one thread. The log may be used by others meanwhile (appends interleave).
//
//   SyntheticOptions o;
//   o.events = 1'000'000;
//   KASANE_ASSIGN_OR_RETURN(SyntheticSummary s, WriteSyntheticLog(*log, o));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "eventstore/event_log.h"

namespace kasane::projections {

struct SyntheticOptions {
  // Events to write, admin and access records included. Exactly this many are written.
  uint64_t events = 1'000'000;
  uint64_t seed = 1;
  // Cases open at the same time.
  size_t active_cases = 2000;
  // One case of about big_case_events events (for the timeline benchmark), its steps spread
  // evenly over the log. Needs events well above big_case_events to reach that size.
  bool with_big_case = true;
  size_t big_case_events = 1000;
  // Simulated business time of the first event (default 2017-04-01 00:00 JST).
  UnixNanos start = 1'490'972'400LL * 1'000'000'000LL;
  // Events grouped per stream into one round of concurrent Appends. 0: half the active cases
  // (at least 64, at most 4096), so a case rarely has more than one event in a window and the
  // grouping does not bunch a case's events together.
  size_t window_events = 0;
  // Threads calling Append (and sealing) at once; 1 makes the log's global order deterministic.
  int appenders = 32;
  // Called after each window is durable with (events written, events requested). May be null.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct SyntheticSummary {
  uint64_t events = 0;            // written, every stream
  uint64_t cases = 0;             // case streams opened
  uint64_t finished_cases = 0;    // cases whose script ended (terminated, closed, returned)
  uint64_t admin_events = 0;      // in stream "admin"
  uint64_t access_events = 0;     // access.recorded, in access-<yyyymmdd> streams
  uint64_t refused_commands = 0;  // commands Decide refused (each disclosure one is recorded)
  // Commands refused although the script expected them to pass (a generator bug; 0 in tests).
  uint64_t unexpected_refusals = 0;
  std::string big_case_id;  // "" without the big case
  uint64_t big_case_events = 0;
  UnixNanos first_occurred_at = 0;
  UnixNanos last_occurred_at = 0;
  std::map<std::string, uint64_t> by_type;  // event type -> count
};

// Writes the workload into `log` (see the file comment): streams "admin", "case-c-<n>" and
// "access-<yyyymmdd>". Failure: kFailedPrecondition when the log already has an "admin" stream
// (the generator builds the directory from nothing); kInternal when Decide answers a command with
// an error Status (a generator bug, the message names the event type, never content); the Status of
// ToLogEvent or Append. Events of windows already appended stay in the log.
Result<SyntheticSummary> WriteSyntheticLog(eventstore::EventLog& log,
                                           const SyntheticOptions& options);

}  // namespace kasane::projections

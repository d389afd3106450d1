// CaseStore: the current state of each case and of the directory, folded from the log, for the
// command service (decide) and the scope policy (every read).
//
// A snapshot holds the case's domain::CaseState (the same Evolve the rules and projections use)
// and the case's events without personal content (DecodeWithoutContent), each with its log
// position, because the scope policy evaluates events one by one. Snapshots are immutable and
// shared: a reader keeps the one it loaded while a writer publishes a newer one.
//
// Load checks the stream's head (one RocksDB read) and folds only the events added since the
// cached snapshot, so a snapshot is never stale once an append has returned. A case is extended
// under its own mutex: in place when nobody else holds its snapshot (the usual case for a
// command), else on a copy (a reader keeps the snapshot it has). Up to `max_cases` cases are
// cached; beyond that an arbitrary one is dropped and reloaded on next use.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "domain/case_state.h"
#include "domain/directory.h"
#include "domain/events.h"
#include "domain/scope_policy.h"
#include "eventstore/event_log.h"
#include "projections/case_view.h"

namespace kasane::api {

// An event of a case without its personal content, where it sits in the log, and its sealed
// parts as the log holds them (ciphertext: nothing readable without the subject's key), so that
// a read that may show the content opens them (projections::OpenSealedParts) instead of reading
// and decoding the event from the log again. Erasure reaches them as it reaches the log's copy:
// the subject's key is gone.
struct CaseEvent {
  uint64_t position = 0;
  domain::DomainEvent event;
  std::vector<eventstore::SealedPart> sealed;
};

struct CaseSnapshot {
  CaseSnapshot() = default;
  CaseSnapshot(const CaseSnapshot& o) : state(o.state), events(o.events), extras(o.extras) {}

  domain::CaseState state;             // opened=false when the case does not exist
  std::vector<CaseEvent> events;       // in stream order; events[i] has version i
  projections::CaseViewExtras extras;  // what the case view needs beyond the state
  // The case view of this snapshot (projections::BuildCaseView, the function the case_view
  // projection stores), built once on first use and shared by every reader of the snapshot.
  std::shared_ptr<const nlohmann::json> View() const;
  // The stream's event count (= state.version), the ETag of the case's representations.
  uint64_t count() const { return events.size(); }
  // The event at `position`, or nullptr when it is not one of this case's.
  const CaseEvent* AtPosition(uint64_t position) const;
  // The event at `position` with its personal content, as projections::FromLogEvent reads it
  // from the log, from this snapshot's copy. kNotFound when it is not one of this case's.
  Result<projections::DecodedEvent> Unsealed(uint64_t position,
                                             const eventstore::EventLog& log) const;

 private:
  friend class CaseStore;
  mutable std::mutex view_mu_;
  mutable std::shared_ptr<const nlohmann::json> view_;  // GUARDED_BY(view_mu_)
};

struct DirectorySnapshot {
  domain::Directory directory;
  uint64_t count = 0;  // events in the admin stream
};

inline constexpr std::string_view kAdminStream = "admin";
std::string CaseStream(const domain::CaseId& id);

// Whether `principal` has any relation to the case (auditors: always): at least one of its
// events is visible to them in some measure (domain::Evaluate). A case the caller has no
// relation to is answered as if it did not exist (404), for reads and commands alike.
bool RelatedTo(const domain::Principal& principal, const CaseSnapshot& snap, UnixNanos now);

// Whether `principal` may record into the case: related to it (RelatedTo), or its agency is
// named by the case: intake or lead agency, a consent's recipient, a referral's sender or
// receiver, a meeting member's agency, a plan role (draft or approved) or the 伴走支援 agency, a
// disclosure's recipient. Anyone else is answered 404 for a command on an existing case, as for
// a missing one, so commands do not reveal which cases exist. (Who may record what is decide's.)
bool MayRecordInto(const domain::Principal& principal, const CaseSnapshot& snap, UnixNanos now);

// Whether `principal` may see the case's structure: the case view's consents, referrals,
// meetings, plan and household relations, and the audit bundle, which are built from many of
// its events. Auditors and the secretariat (metadata), staff to whom the policy grants the case's
// opening event in full (its intake, lead and plan agencies under consent), and apps whose scope
// covers the opening event. Everyone else related to the case sees its id and version only.
bool SeesCaseStructure(const domain::Principal& principal, const CaseSnapshot& snap, UnixNanos now);

class CaseStore {
 public:
  explicit CaseStore(const eventstore::EventLog& log, size_t max_cases = 8192);

  // The case as of the log's latest commit. Failure: the log's read errors, or kDataLoss when
  // an event of the stream does not decode.
  Result<std::shared_ptr<const CaseSnapshot>> Load(const domain::CaseId& id);
  // Extends the cached case `id` with `events`, just appended to its stream at `first_version`
  // (their positions are set from `first_position`), each given as DecodeWithoutContent reads
  // it back (see projections::ToLogEvent with `without_content`) with the sealed parts it was
  // appended with, so that the next Load need not read them from the log. Does nothing unless
  // the cached snapshot ends just before `first_version` (otherwise, or when the case is not
  // cached, Load reads the log as always).
  void Offer(const domain::CaseId& id, uint64_t first_version, uint64_t first_position,
             std::vector<CaseEvent> events);
  // Events Offer has taken so far (for tests).
  uint64_t offered_events() const { return offered_events_.load(); }
  // The directory (agencies, staff) as of the latest commit of the admin stream.
  Result<std::shared_ptr<const DirectorySnapshot>> Directory();

 private:
  std::atomic<uint64_t> offered_events_{0};
  const eventstore::EventLog& log_;
  const size_t max_cases_;
  struct Entry {
    std::mutex mu;
    std::shared_ptr<CaseSnapshot> snap;  // GUARDED_BY(mu); handed out as const
  };
  // Under entry.mu: extends the entry's snapshot (in place when nobody else holds it, else a
  // copy; a new one when it has none) with the events `feed(from, add)` passes to
  // `add(position, event, sealed parts)` from version `from` on, then makes it the entry's. On a
  // feed error the entry keeps no snapshot (the next Load reads the case again). Used by Load and
  // Offer.
  template <typename Feed>
  static Result<std::shared_ptr<CaseSnapshot>> Extend(Entry& entry, Feed feed);
  std::mutex mu_;
  std::map<domain::CaseId, std::shared_ptr<Entry>> cases_;  // GUARDED_BY(mu_)
  std::mutex directory_mu_;
  std::shared_ptr<const DirectorySnapshot> directory_;  // GUARDED_BY(directory_mu_)
};

}  // namespace kasane::api

// ProjectionEngine: runs every projection over the log (docs/projections.md).
//
// Each projection has a checkpoint (the next position it must apply) stored with its state in
// the ViewStore. The engine reads the log from the smallest checkpoint in chunks, decodes each
// event once (without unsealing: projections hold no personal content), folds case events into
// the case's state (shared by all projections of one pass), gives each projection the events at
// or after its checkpoint, and commits every projection's changes with its new checkpoint in
// one batch per chunk. Positions have no gaps, so "every event in order" is checked, not hoped.
//
// Events whose type is not in the domain's catalogue (domain::AllEventTypes) are written by
// other writers of the generic log (the erasure marker of `kasane erase`, tools); they are
// passed over and counted (events_ignored), never decoded.
//
// The follower retries a chunk it could not read or commit (the log or the views' storage
// failed, e.g. a full disk) after 200 ms, doubling up to 5 s, and reports the failure in
// ProjectionStatus::follow_error until a chunk goes through; nothing is skipped or stopped.
//
// Failure: a projection whose Apply (or the decoding of an event) fails stops at that event's
// position: its chunk is discarded, its checkpoint stays before it, the reason is logged and
// kept in its status, and it is never fed again until the engine is reopened (and then it
// retries the same event). Nothing is skipped. Other projections go on.
//
// Rebuild: a projection is rebuilt from position 0 into a new generation while the active one
// keeps serving reads and following the log; when the new one has caught up with the log head,
// the engine switches to it in one batch and drops the old one. A stored generation with another
// schema version, or a checkpoint beyond the log's head (a restored older log), is rebuilt at
// open.
//
// Read-your-writes: WaitFor(name, position, timeout) returns once the projection has applied
// the event at `position`, or false when the timeout passed first.
//
// Thread-safety: all public methods are safe to call concurrently, with two exceptions that
// deadlock: calling CatchUp or Rebuild while holding a ViewReader, and calling into the engine
// from a `progress` callback other than Reader() (CatchUp's and Rebuild's final callbacks run
// with the follower paused). Rebuild of a projection already being rebuilt is
// kFailedPrecondition. Start() runs a follower
// thread; CatchUp() runs one on the calling thread (both serialise on the same lock).
//
//   KASANE_ASSIGN_OR_RETURN(auto engine, ProjectionEngine::Open(log, dir + "/views", {}));
//   engine->Start();
//   if (!engine->WaitFor("case_view", r.last_position, 2s)) return Unavailable("not yet");
//   KASANE_ASSIGN_OR_RETURN(ViewReader reader, engine->Reader("case_view"));
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "eventstore/event_log.h"
#include "projections/projection.h"
#include "projections/view_store.h"

namespace kasane::projections {

// Events read from the log at once (a chunk is read in batches of this size).
inline constexpr size_t kReadBatchEvents = 512;

struct EngineOptions {
  // Most events applied per committed chunk (read from the log in batches of 512). Larger
  // chunks write each case's view less often while catching up; a live commit is one chunk.
  size_t chunk_events = 65536;
  // While following the log: how long to let new events gather after a wake-up before applying
  // them, so that a steady stream of small group commits becomes fewer, larger view commits
  // (each view commit is a RocksDB write of every projection's changes). Adds at most this much
  // to the views' lag; 0 applies every commit at once.
  std::chrono::milliseconds follow_linger{5};
  // Case states kept in memory between chunks (others are folded again from the log on use).
  size_t case_cache = 4096;
  // The projections to run, by name; empty means all (ProjectionNames()).
  std::vector<std::string> projections;
};

// What the engine reports about one projection (metrics, `kasane rebuild`, the API's health).
struct ProjectionStatus {
  std::string name;
  uint32_t generation = 0;
  uint64_t checkpoint = 0;      // events applied: positions [0, checkpoint)
  uint64_t lag = 0;             // log size - checkpoint, when the status was taken
  uint64_t events_applied = 0;  // since the engine opened, rebuilds included
  uint64_t events_ignored = 0;  // likewise: types outside the domain's catalogue
  bool stopped = false;         // failed and no longer fed
  uint64_t stopped_at = 0;      // the position it could not apply
  std::string stop_reason;      // why (no personal content)
  bool rebuilding = false;
  uint64_t rebuild_checkpoint = 0;
  // The follower's last failure to read the log or write the views (a full disk, say), retried
  // with backoff; empty once a chunk went through again.
  std::string follow_error;
};

// Reads one projection's active generation. Holds a shared lock: a rebuild's switch waits for
// readers, so a reader never sees a generation being dropped. Keep it short-lived.
class ViewReader {
 public:
  ViewReader(const ViewStore& store, uint32_t generation, uint64_t checkpoint,
             std::shared_lock<std::shared_mutex> lock)
      : store_(&store), generation_(generation), checkpoint_(checkpoint), lock_(std::move(lock)) {}
  // The view reflects every event at a position below this.
  uint64_t checkpoint() const { return checkpoint_; }
  Result<std::optional<std::string>> Get(std::string_view key) const {
    return store_->Get(generation_, key);
  }
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const {
    return store_->Scan(generation_, prefix, fn);
  }
  Status ScanFrom(std::string_view prefix, std::string_view start,
                  const std::function<bool(std::string_view, std::string_view)>& fn) const {
    return store_->ScanFrom(generation_, prefix, start, fn);
  }
  uint32_t generation() const { return generation_; }

 private:
  const ViewStore* store_;
  uint32_t generation_;
  uint64_t checkpoint_;
  std::shared_lock<std::shared_mutex> lock_;
};

class ProjectionEngine final {
 public:
  // Opens (creating) the views database in `dir` for `log`, which must outlive the engine.
  // kInvalidArgument for an unknown projection name; the ViewStore's errors.
  static Result<std::unique_ptr<ProjectionEngine>> Open(eventstore::EventLog& log,
                                                        const std::string& dir,
                                                        EngineOptions options = {});
  // Stops the follower thread.
  ~ProjectionEngine();
  ProjectionEngine(const ProjectionEngine&) = delete;
  ProjectionEngine& operator=(const ProjectionEngine&) = delete;

  // Applies every committed event up to the log's current size, on the calling thread.
  // `progress(done, total)` after each chunk (may be null). OK when every projection caught up;
  // otherwise the first stop's Status (each stopped projection is in Statuses()).
  Status CatchUp(const std::function<void(uint64_t, uint64_t)>& progress = nullptr);

  // Starts the follower: catches up, then applies each new commit as the log announces it.
  void Start();
  // Stops the follower (idempotent). Committed chunks stay committed.
  void Stop();

  // Waits until projection `name` has applied the event at `position` (its checkpoint is beyond
  // it). False when `timeout` passes first, the projection stopped before it, or the name is
  // unknown.
  bool WaitFor(std::string_view name, uint64_t position, std::chrono::milliseconds timeout) const;

  // A reader of projection `name`'s active generation. kNotFound for an unknown name.
  Result<ViewReader> Reader(std::string_view name) const;

  // Rebuilds `name` from position 0 into a new generation while the current one keeps serving,
  // then switches to it (see the file comment). `progress(done, total)` after each chunk.
  // kNotFound for an unknown name; the failure Status when an event cannot be applied (the old
  // generation then stays active and the new one is dropped).
  Status Rebuild(std::string_view name,
                 const std::function<void(uint64_t, uint64_t)>& progress = nullptr);

  std::vector<ProjectionStatus> Statuses() const;

  const ViewStore& store() const { return *store_; }
  eventstore::EventLog& log() const { return *log_; }

 private:
  struct Slot;
  class CaseStates;
  struct InFlight;
  struct Pass;

  ProjectionEngine(eventstore::EventLog& log, std::unique_ptr<ViewStore> store,
                   EngineOptions options);
  Slot* FindSlot(std::string_view name) const;
  // Applies one chunk of `pass` (at most chunk_events, below `to`) and commits it. Stops are
  // recorded in the slots; an error Status is the log's or the store's, with nothing committed.
  // When not `live`, the chunk's commit runs on another thread while the caller applies the
  // next chunk; FinishCommit waits for it and publishes the new checkpoints.
  Status RunChunk(Pass& pass, uint64_t to, bool live);
  Status FinishCommit(Pass& pass);
  void FollowLoop();

  eventstore::EventLog* log_;
  std::unique_ptr<ViewStore> store_;
  EngineOptions options_;

  std::vector<std::unique_ptr<Slot>> slots_;
  std::unique_ptr<Pass> live_;

  // Serialises chunk application (the follower, CatchUp, a rebuild's final catch-up).
  mutable std::mutex apply_mu_;
  // Readers share it; a rebuild's switch takes it exclusively.
  mutable std::shared_mutex swap_mu_;
  // Guards the status fields of the slots; progress_cv_ is notified after every commit.
  mutable std::mutex status_mu_;
  mutable std::condition_variable progress_cv_;

  std::mutex follower_mu_;  // Start and Stop
  std::atomic<bool> stop_{false};
  std::string follow_error_;  // GUARDED_BY(status_mu_)
  std::thread follower_;
};

}  // namespace kasane::projections

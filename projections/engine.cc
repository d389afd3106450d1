#include "projections/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "projections/event_codec.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {

namespace {

// True for the types of the domain's event catalogue. The log is generic: other writers (the
// erasure marker `kasane erase` appends, tools) may add events of other types, which are no
// projection's concern. An event of a domain type that does not decode still stops them.
bool IsDomainType(std::string_view type) {
  static const std::unordered_set<std::string_view> kTypes = [] {
    std::vector<std::string_view> all = domain::AllEventTypes();
    return std::unordered_set<std::string_view>(all.begin(), all.end());
  }();
  return kTypes.contains(type);
}

}  // namespace

struct ProjectionEngine::Slot {
  std::string name;
  std::unique_ptr<Projection> projection;
  uint32_t schema = 0;
  uint32_t generation = 0;
  // Committed: what readers see. Written by the applier under status_mu_; read under status_mu_
  // (or by the applier itself).
  uint64_t checkpoint = 0;
  // Applied: >= checkpoint while a chunk's commit is in flight. The applier's own.
  uint64_t applied_to = 0;
  uint64_t events_applied = 0;
  uint64_t events_ignored = 0;  // of types outside the domain's catalogue
  bool stopped = false;
  uint64_t stopped_at = 0;
  std::string stop_reason;
  bool rebuilding = false;
  uint64_t rebuild_checkpoint = 0;
};

// The states of the cases a pass has seen recently. A state is folded from the case's stream
// (without personal content) when it is missing or when the event is not the next one the
// cached state expects (the pass skipped events that every projection had already applied).
class ProjectionEngine::CaseStates {
 public:
  CaseStates(const eventstore::EventLog& log, size_t capacity) : log_(&log), capacity_(capacity) {}

  // The state of the case of `stream` after `e` (at version `version`).
  Result<const domain::CaseState*> Advance(const std::string& stream, const domain::DomainEvent& e,
                                           eventstore::Version version) {
    Entry& entry = entries_[stream];
    entry.last_use = ++tick_;
    if (entry.next_version != version) {
      entry.state = domain::CaseState{};
      entry.next_version = 0;
      while (entry.next_version < version) {
        KASANE_ASSIGN_OR_RETURN(
            std::vector<eventstore::RecordedEvent> batch,
            log_->ReadStream(stream, entry.next_version, eventstore::Direction::kForward,
                             std::min<size_t>(1024, version - entry.next_version)));
        if (batch.empty()) return DataLoss("stream " + stream + " ends before its event");
        for (const eventstore::RecordedEvent& r : batch) {
          if (!IsDomainType(r.type)) {  // another writer's event: no part of the case's state
            ++entry.next_version;
            continue;
          }
          KASANE_ASSIGN_OR_RETURN(DecodedEvent d, DecodeWithoutContent(r));
          entry.state = domain::Evolve(std::move(entry.state), d.event);
          ++entry.next_version;
        }
      }
    }
    entry.state = domain::Evolve(std::move(entry.state), e);
    entry.next_version = version + 1;
    return &entry.state;
  }

  // Passes over another writer's event at `version` of `stream`, keeping a cached state current.
  void Skip(const std::string& stream, eventstore::Version version) {
    auto it = entries_.find(stream);
    if (it != entries_.end() && it->second.next_version == version) ++it->second.next_version;
  }

  // Forgets the least recently used states beyond capacity.
  void Trim() {
    if (entries_.size() <= capacity_) return;
    std::vector<std::pair<uint64_t, const std::string*>> uses;
    uses.reserve(entries_.size());
    for (const auto& [stream, entry] : entries_) uses.emplace_back(entry.last_use, &stream);
    const size_t keep = capacity_ * 3 / 4;
    std::nth_element(uses.begin(), uses.begin() + static_cast<long>(uses.size() - keep),
                     uses.end());
    std::vector<std::string> drop;
    for (size_t i = 0; i < uses.size() - keep; ++i) drop.push_back(*uses[i].second);
    for (const std::string& s : drop) entries_.erase(s);
  }

 private:
  struct Entry {
    domain::CaseState state;
    eventstore::Version next_version = 0;
    uint64_t last_use = 0;
  };
  const eventstore::EventLog* log_;
  size_t capacity_;
  uint64_t tick_ = 0;
  std::unordered_map<std::string, Entry> entries_;
};

// A chunk whose changes are being committed on another thread while the next one is applied.
struct ProjectionEngine::InFlight {
  std::vector<Changes> changes;   // one per slot of the pass
  std::vector<size_t> committed;  // slots whose changes and checkpoint are in the commit
  std::vector<uint64_t> applied;  // events applied per slot
  std::vector<uint64_t> ignored;  // events of other types passed per slot
  uint64_t end = 0;
  std::future<Status> done;
};

struct ProjectionEngine::Pass {
  std::vector<Slot*> slots;
  CaseStates cases;
  std::unique_ptr<InFlight> inflight;
};

ProjectionEngine::ProjectionEngine(eventstore::EventLog& log, std::unique_ptr<ViewStore> store,
                                   EngineOptions options)
    : log_(&log), store_(std::move(store)), options_(std::move(options)) {}

ProjectionEngine::~ProjectionEngine() { Stop(); }

Result<std::unique_ptr<ProjectionEngine>> ProjectionEngine::Open(eventstore::EventLog& log,
                                                                 const std::string& dir,
                                                                 EngineOptions options) {
  if (options.chunk_events == 0) return InvalidArgument("chunk_events must be positive");
  std::vector<std::string> names =
      options.projections.empty() ? ProjectionNames() : options.projections;
  KASANE_ASSIGN_OR_RETURN(std::unique_ptr<ViewStore> store, ViewStore::Open(dir));
  std::unique_ptr<ProjectionEngine> engine(
      new ProjectionEngine(log, std::move(store), std::move(options)));
  ViewStore& vs = *engine->store_;
  const uint64_t log_size = log.Size();
  for (const std::string& name : names) {
    auto slot = std::make_unique<Slot>();
    slot->name = name;
    slot->projection = MakeProjection(name);
    if (slot->projection == nullptr) return InvalidArgument("unknown projection " + name);
    if (engine->FindSlot(name) != nullptr)
      return InvalidArgument("projection listed twice: " + name);
    slot->schema = slot->projection->SchemaVersion();
    KASANE_ASSIGN_OR_RETURN(std::optional<ViewStore::Meta> meta, vs.GetMeta(name));
    bool fresh = !meta.has_value() || meta->schema != slot->schema;
    uint64_t checkpoint = 0;
    if (!fresh) {
      KASANE_ASSIGN_OR_RETURN(checkpoint, vs.GetCheckpoint(meta->generation));
      if (checkpoint > log_size) {
        // The log is older than the views (a backup was restored): they describe events that
        // are not in it, so they are rebuilt.
        spdlog::warn("projection {} is at position {} beyond the log's {}; rebuilding", name,
                     checkpoint, log_size);
        fresh = true;
      }
    }
    if (fresh) {
      KASANE_ASSIGN_OR_RETURN(uint32_t gen, vs.NewGeneration());
      Changes none(vs, gen);
      GenerationCommit commit{&none, 0};
      KASANE_RETURN_IF_ERROR(vs.Commit(std::span<const GenerationCommit>(&commit, 1),
                                       {{name, ViewStore::Meta{gen, slot->schema}}}));
      if (meta.has_value()) KASANE_RETURN_IF_ERROR(vs.DropGeneration(meta->generation));
      slot->generation = gen;
      checkpoint = 0;
    } else {
      slot->generation = meta->generation;
    }
    slot->checkpoint = checkpoint;
    slot->applied_to = checkpoint;
    engine->slots_.push_back(std::move(slot));
  }
  // A rebuild interrupted before its switch (a crash, kill -9) left a generation nobody uses.
  KASANE_ASSIGN_OR_RETURN(std::vector<uint32_t> orphans, vs.OrphanGenerations());
  for (uint32_t gen : orphans) {
    spdlog::info("dropping generation {} left by an interrupted rebuild", gen);
    KASANE_RETURN_IF_ERROR(vs.DropGeneration(gen));
  }
  engine->live_ =
      std::unique_ptr<Pass>(new Pass{{}, CaseStates(log, engine->options_.case_cache), nullptr});
  for (auto& s : engine->slots_) engine->live_->slots.push_back(s.get());
  return engine;
}

ProjectionEngine::Slot* ProjectionEngine::FindSlot(std::string_view name) const {
  for (const auto& s : slots_) {
    if (s->name == name) return s.get();
  }
  return nullptr;
}

Status ProjectionEngine::RunChunk(Pass& pass, uint64_t to, bool live) {
  uint64_t from = UINT64_MAX;
  for (Slot* s : pass.slots) {
    if (!s->stopped) from = std::min(from, s->applied_to);
  }
  if (from == UINT64_MAX || from >= to) return Status::Ok();
  const uint64_t n = std::min<uint64_t>(to - from, options_.chunk_events);

  const size_t k = pass.slots.size();
  std::vector<Changes> changes;
  changes.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    changes.emplace_back(*store_, pass.slots[i]->generation);
    // Reads fall back to the chunk still being committed, then to the store.
    if (pass.inflight != nullptr) changes.back().set_previous(&pass.inflight->changes[i]);
  }
  std::vector<std::optional<std::pair<uint64_t, Status>>> failed(k);
  std::vector<uint64_t> applied(k, 0);
  std::vector<uint64_t> ignored(k, 0);
  auto fail = [&](size_t i, uint64_t position, Status why) {
    if (!failed[i].has_value()) failed[i] = std::make_pair(position, std::move(why));
  };
  // The log could not be read: nothing of this chunk is kept (it is applied again), and the
  // chunk before it finishes its commit (or, if that fails, every projection goes back to its
  // checkpoint).
  auto abandon = [&](Status why) {
    for (Slot* s : pass.slots) s->projection->Discard();
    Status previous = FinishCommit(pass);
    if (!previous.ok()) spdlog::warn("projections: {}", previous.ToString());
    return why;
  };

  // The chunk is read in smaller batches: a commit covers chunk_events, but only kReadBatchEvents
  // events are held in memory at once.
  uint64_t expected = from;
  while (expected < from + n) {
    const size_t want =
        static_cast<size_t>(std::min<uint64_t>(kReadBatchEvents, from + n - expected));
    Result<std::vector<eventstore::RecordedEvent>> read = log_->ReadAll(expected, want);
    if (!read.ok()) return abandon(read.status());
    if (read->empty()) {
      return abandon(DataLoss("the log ends at position " + std::to_string(expected) +
                              ", below its size " + std::to_string(from + n)));
    }
    for (const eventstore::RecordedEvent& r : *read) {
      if (r.position != expected) {
        return abandon(DataLoss("the log returned position " + std::to_string(r.position) +
                                " where " + std::to_string(expected) + " was expected"));
      }
      ++expected;
      bool needed = false;
      for (size_t i = 0; i < k; ++i) {
        needed |= !pass.slots[i]->stopped && !failed[i] && pass.slots[i]->applied_to <= r.position;
      }
      if (!needed) continue;
      if (!IsDomainType(r.type)) {
        if (!internal::CaseIdOfStream(r.stream).empty()) pass.cases.Skip(r.stream, r.version);
        for (size_t i = 0; i < k; ++i) {
          if (!pass.slots[i]->stopped && !failed[i] && pass.slots[i]->applied_to <= r.position) {
            ++ignored[i];
          }
        }
        continue;
      }
      Result<DecodedEvent> decoded = DecodeWithoutContent(r);
      const domain::CaseState* state = nullptr;
      Status problem = decoded.status();
      if (decoded.ok() && !internal::CaseIdOfStream(r.stream).empty()) {
        Result<const domain::CaseState*> advanced =
            pass.cases.Advance(r.stream, decoded->event, r.version);
        if (advanced.ok()) {
          state = *advanced;
        } else if (advanced.status().code() == StatusCode::kIoError ||
                   advanced.status().code() == StatusCode::kResourceExhausted ||
                   advanced.status().code() == StatusCode::kUnavailable) {
          return abandon(advanced.status());  // reading the stream failed: retried, not a stop
        } else {
          problem = advanced.status();
        }
      }
      for (size_t i = 0; i < k; ++i) {
        Slot* s = pass.slots[i];
        if (s->stopped || failed[i] || s->applied_to > r.position) continue;
        if (!problem.ok()) {
          fail(i, r.position, problem);
          continue;
        }
        ProjectedEvent pe{decoded->event, r.position, r.stream, r.version, state};
        Status st = s->projection->Apply(pe, changes[i]);
        if (!st.ok()) {
          fail(i, r.position, std::move(st));
        } else {
          ++applied[i];
        }
      }
    }
  }
  if (expected == from) return Status::Ok();
  const uint64_t end = expected;

  auto chunk = std::make_unique<InFlight>();
  chunk->end = end;
  chunk->applied = std::move(applied);
  chunk->ignored = std::move(ignored);
  for (size_t i = 0; i < k; ++i) {
    Slot* s = pass.slots[i];
    if (s->stopped || failed[i] || s->applied_to >= end) continue;
    Status st = s->projection->Flush(changes[i]);
    if (!st.ok()) {
      fail(i, s->applied_to, std::move(st));
      continue;
    }
    chunk->committed.push_back(i);
  }
  // The previous chunk must be durable before this one is committed after it.
  Status previous = FinishCommit(pass);
  if (!previous.ok()) {
    for (Slot* s : pass.slots) s->projection->Discard();
    return previous;  // nothing of this chunk is committed; it is applied again
  }
  for (Changes& c : changes) c.set_previous(nullptr);
  chunk->changes = std::move(changes);
  for (size_t i : chunk->committed) pass.slots[i]->applied_to = end;
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    for (size_t i = 0; i < k; ++i) {
      if (!failed[i].has_value()) continue;
      Slot* s = pass.slots[i];
      s->projection->Discard();
      s->stopped = true;
      s->stopped_at = failed[i]->first;
      s->stop_reason = failed[i]->second.ToString();
      spdlog::error("projection {} stopped at position {}{}: {}", s->name, s->stopped_at,
                    &pass == live_.get() ? "" : " (rebuild)", s->stop_reason);
    }
  }
  progress_cv_.notify_all();  // a WaitFor on a projection that just stopped returns now
  if (!chunk->committed.empty()) {
    std::vector<GenerationCommit> commits;
    for (size_t i : chunk->committed) commits.push_back(GenerationCommit{&chunk->changes[i], end});
    ViewStore* store = store_.get();
    chunk->done = std::async(std::launch::async, [store, commits = std::move(commits)] {
      return store->Commit(commits);
    });
    pass.inflight = std::move(chunk);
  }
  pass.cases.Trim();
  if (live) return FinishCommit(pass);  // a live commit is visible before the next one
  return Status::Ok();
}

Status ProjectionEngine::FinishCommit(Pass& pass) {
  if (pass.inflight == nullptr) return Status::Ok();
  std::unique_ptr<InFlight> chunk = std::move(pass.inflight);
  Status written = chunk->done.get();
  if (!written.ok()) {
    // Nothing of the chunk was written: every projection goes back to its checkpoint.
    for (Slot* s : pass.slots) {
      s->projection->Discard();
      s->applied_to = s->checkpoint;
    }
    return written;
  }
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    for (size_t i : chunk->committed) {
      pass.slots[i]->checkpoint = chunk->end;
      pass.slots[i]->events_applied += chunk->applied[i];
      pass.slots[i]->events_ignored += chunk->ignored[i];
    }
  }
  progress_cv_.notify_all();
  return Status::Ok();
}

Status ProjectionEngine::CatchUp(const std::function<void(uint64_t, uint64_t)>& progress) {
  std::lock_guard<std::mutex> lock(apply_mu_);
  const uint64_t to = log_->Size();
  Status first = Status::Ok();
  for (;;) {
    uint64_t low = UINT64_MAX;
    for (Slot* s : live_->slots) {
      if (!s->stopped) low = std::min(low, s->applied_to);
    }
    if (low == UINT64_MAX || low >= to) break;
    // A stopped projection is recorded in its slot and the others go on; an error here is the
    // store's or the log's, and ends the catch-up with nothing of the chunk applied. Chunks are
    // committed on another thread while the next one is applied.
    KASANE_RETURN_IF_ERROR(RunChunk(*live_, to, false));
    if (progress) progress(std::min(low + options_.chunk_events, to), to);
  }
  KASANE_RETURN_IF_ERROR(FinishCommit(*live_));
  for (Slot* s : live_->slots) {
    if (s->stopped && first.ok()) {
      first = Unavailable("projection " + s->name + " stopped at position " +
                          std::to_string(s->stopped_at) + ": " + s->stop_reason);
    }
  }
  return first;
}

void ProjectionEngine::Start() {
  std::lock_guard<std::mutex> lock(follower_mu_);
  if (follower_.joinable()) return;
  stop_ = false;
  follower_ = std::thread([this] { FollowLoop(); });
}

void ProjectionEngine::Stop() {
  std::lock_guard<std::mutex> lock(follower_mu_);
  stop_ = true;
  if (follower_.joinable()) follower_.join();
}

void ProjectionEngine::FollowLoop() {
  constexpr auto kFirstRetry = std::chrono::milliseconds(200);
  constexpr auto kLastRetry = std::chrono::milliseconds(5000);
  auto retry = kFirstRetry;
  while (!stop_) {
    const uint64_t to = log_->Size();
    uint64_t low = UINT64_MAX;
    Status st = Status::Ok();
    {
      std::lock_guard<std::mutex> lock(apply_mu_);
      st = RunChunk(*live_, to, true);
      for (Slot* s : live_->slots) {
        if (!s->stopped) low = std::min(low, s->applied_to);
      }
    }
    if (!st.ok()) {
      // The store or the log could not be read or written (a full disk, say): nothing was
      // applied; try again, less often while it lasts.
      spdlog::warn("projections: {}; retrying in {} ms", st.ToString(), retry.count());
      {
        std::lock_guard<std::mutex> lock(status_mu_);
        follow_error_ = st.ToString();
      }
      for (auto slept = std::chrono::milliseconds(0); slept < retry && !stop_;
           slept += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      retry = std::min(retry * 2, kLastRetry);
      continue;
    }
    if (retry != kFirstRetry) {
      retry = kFirstRetry;
      std::lock_guard<std::mutex> lock(status_mu_);
      follow_error_.clear();
      spdlog::info("projections: following the log again");
    }
    if (low == UINT64_MAX) low = to;  // every projection stopped: just wait for shutdown
    if (low >= to) {
      const uint64_t now = log_->WaitForSizeAbove(to, std::chrono::milliseconds(100));
      // Let a burst of commits gather (EngineOptions::follow_linger) before applying it.
      if (now > to && options_.follow_linger.count() > 0 && !stop_) {
        std::this_thread::sleep_for(options_.follow_linger);
      }
    }
  }
}

bool ProjectionEngine::WaitFor(std::string_view name, uint64_t position,
                               std::chrono::milliseconds timeout) const {
  Slot* s = FindSlot(name);
  if (s == nullptr) return false;
  std::unique_lock<std::mutex> lock(status_mu_);
  progress_cv_.wait_for(lock, timeout, [&] { return s->checkpoint > position || s->stopped; });
  return s->checkpoint > position;
}

Result<ViewReader> ProjectionEngine::Reader(std::string_view name) const {
  std::shared_lock<std::shared_mutex> lock(swap_mu_);
  Slot* s = FindSlot(name);
  if (s == nullptr) return NotFound("no projection named " + std::string(name));
  uint64_t checkpoint;
  uint32_t generation;
  {
    std::lock_guard<std::mutex> status(status_mu_);
    checkpoint = s->checkpoint;
    generation = s->generation;
  }
  return ViewReader(*store_, generation, checkpoint, std::move(lock));
}

Status ProjectionEngine::Rebuild(std::string_view name,
                                 const std::function<void(uint64_t, uint64_t)>& progress) {
  Slot* live = FindSlot(name);
  if (live == nullptr) return NotFound("no projection named " + std::string(name));
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    if (live->rebuilding)
      return FailedPrecondition("projection " + live->name + " is being rebuilt");
    live->rebuilding = true;
  }
  Result<uint32_t> reserved = store_->NewGeneration();
  if (!reserved.ok()) {
    std::lock_guard<std::mutex> lock(status_mu_);
    live->rebuilding = false;
    return reserved.status();
  }
  const uint32_t gen = *reserved;
  Slot fresh;
  fresh.name = live->name;
  fresh.projection = MakeProjection(name);
  fresh.schema = fresh.projection->SchemaVersion();
  fresh.generation = gen;
  Pass pass{{&fresh}, CaseStates(*log_, options_.case_cache), nullptr};
  auto set_rebuilding = [&](bool on) {
    std::lock_guard<std::mutex> lock(status_mu_);
    live->rebuilding = on;
    live->rebuild_checkpoint = fresh.checkpoint;
  };
  auto abandon = [&](Status why) {
    Status pending = FinishCommit(pass);  // no commit may still be writing the generation
    (void)pending;
    set_rebuilding(false);
    Status dropped = store_->DropGeneration(gen);
    if (!dropped.ok())
      spdlog::warn("dropping abandoned generation {}: {}", gen, dropped.ToString());
    return why;
  };
  set_rebuilding(true);
  // Build from 0 while the active generation serves and follows the log.
  for (;;) {
    const uint64_t to = log_->Size();
    if (fresh.applied_to + options_.chunk_events >= to) break;
    Status st = RunChunk(pass, to, false);
    if (!st.ok() || fresh.stopped) return abandon(st.ok() ? Unavailable(fresh.stop_reason) : st);
    set_rebuilding(true);
    if (progress) progress(fresh.checkpoint, to);
  }
  // Catch up the last events with the follower paused, then switch.
  std::lock_guard<std::mutex> apply(apply_mu_);
  // The live pass has no commit in flight once it switches (an earlier error may have left one).
  if (Status st = FinishCommit(*live_); !st.ok()) return abandon(st);
  const uint64_t to = log_->Size();
  while (fresh.applied_to < to) {
    Status st = RunChunk(pass, to, false);
    if (!st.ok() || fresh.stopped) return abandon(st.ok() ? Unavailable(fresh.stop_reason) : st);
  }
  if (Status st = FinishCommit(pass); !st.ok()) return abandon(st);
  if (progress) progress(fresh.checkpoint, to);
  uint32_t old_gen = 0;
  Status switched = Status::Ok();
  {
    std::unique_lock<std::shared_mutex> swap(swap_mu_);
    Changes none(*store_, gen);
    GenerationCommit commit{&none, fresh.checkpoint};
    switched = store_->Commit(std::span<const GenerationCommit>(&commit, 1),
                              {{live->name, ViewStore::Meta{gen, fresh.schema}}});
  }
  if (!switched.ok()) return abandon(switched);  // outside the readers' lock: it compacts
  {
    std::unique_lock<std::shared_mutex> swap(swap_mu_);
    std::lock_guard<std::mutex> lock(status_mu_);
    old_gen = live->generation;
    live->projection = std::move(fresh.projection);
    live->generation = gen;
    live->schema = fresh.schema;
    live->checkpoint = fresh.checkpoint;
    live->applied_to = fresh.checkpoint;
    live->events_applied += fresh.events_applied;
    live->events_ignored += fresh.events_ignored;
    live->stopped = false;
    live->stop_reason.clear();
    live->rebuilding = false;
    live->rebuild_checkpoint = 0;
  }
  progress_cv_.notify_all();
  spdlog::info("projection {} rebuilt to position {} (generation {})", live->name, to, gen);
  return store_->DropGeneration(old_gen);
}

std::vector<ProjectionStatus> ProjectionEngine::Statuses() const {
  const uint64_t size = log_->Size();
  std::vector<ProjectionStatus> out;
  std::lock_guard<std::mutex> lock(status_mu_);
  for (const auto& s : slots_) {
    ProjectionStatus p;
    p.name = s->name;
    p.generation = s->generation;
    p.checkpoint = s->checkpoint;
    p.lag = size > s->checkpoint ? size - s->checkpoint : 0;
    p.events_applied = s->events_applied;
    p.events_ignored = s->events_ignored;
    p.stopped = s->stopped;
    p.stopped_at = s->stopped_at;
    p.stop_reason = s->stop_reason;
    p.rebuilding = s->rebuilding;
    p.rebuild_checkpoint = s->rebuild_checkpoint;
    p.follow_error = follow_error_;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace kasane::projections

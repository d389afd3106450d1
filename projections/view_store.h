// ViewStore: where projections keep their state, a RocksDB database of its own beside the log
// (`<data>/views`). The log is never written by projections, and the views can be deleted at any
// time: everything in them is rebuilt from the log.
//
// Layout (docs/projections.md): every projection's state lives in a *generation*, a numbered key
// range `s<gen:u32be><key>`. A projection's active generation and schema version are in
// `m<name>`; each generation's checkpoint (the next position to apply) is `c<gen:u32be>`. A
// rebuild writes a new generation while the active one keeps serving, then switches `m<name>`
// in one batch and deletes the old range. A projection's state changes and its checkpoint are
// always written in one WriteBatch (Commit), so after a crash they agree.
//
// Writes are not fsynced: they reach the WAL (which survives kill -9); after a power loss the
// views may be behind the log, never ahead of their checkpoint, and catch up again. A failed
// Commit (a full disk) is retried by the engine; the next Commit first resumes RocksDB from its
// background-error state, so the views catch up by themselves once space is freed.
//
// Nothing personal is stored here (projections/projection.h); personal content is resolved from
// the log at read time.
//
// Thread-safety: all methods are safe to call concurrently. `Changes` is single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kasane::projections {

class ViewStore;

// A projection's pending writes in one generation: reads see them before the store's state.
class Changes {
 public:
  Changes(const ViewStore& store, uint32_t generation) : store_(&store), generation_(generation) {}

  uint32_t generation() const { return generation_; }
  // Reads fall back to `previous` (the chunk still being committed) before the store; null
  // for none. It must outlive its use.
  void set_previous(const Changes* previous) { previous_ = previous; }
  // The value at `key`: this chunk's writes, then the previous chunk's, then the store;
  // nullopt when absent or deleted. Does not see PutNew writes.
  Result<std::optional<std::string>> Get(std::string_view key) const;
  void Put(std::string_view key, std::string value) {
    writes_[std::string(key)] = std::move(value);
  }
  void Delete(std::string_view key) { writes_[std::string(key)] = std::nullopt; }
  // A write to a key that nothing reads back while applying and that this chunk writes once
  // (keys ending in the event's position: timeline entries, register lines). Cheaper than Put;
  // invisible to Get until committed.
  void PutNew(std::string key, std::string value) {
    new_writes_.emplace_back(std::move(key), std::move(value));
  }
  bool empty() const { return writes_.empty() && new_writes_.empty(); }
  void Clear() {
    writes_.clear();
    new_writes_.clear();
  }

  // The stored state after a commit does not depend on the order of these.
  const std::unordered_map<std::string, std::optional<std::string>>& writes() const {
    return writes_;
  }
  const std::vector<std::pair<std::string, std::string>>& new_writes() const { return new_writes_; }

 private:
  const ViewStore* store_;
  uint32_t generation_;
  const Changes* previous_ = nullptr;
  std::unordered_map<std::string, std::optional<std::string>> writes_;
  std::vector<std::pair<std::string, std::string>> new_writes_;
};

// What a commit writes for one generation: its changes and its new checkpoint.
struct GenerationCommit {
  const Changes* changes = nullptr;
  uint64_t checkpoint = 0;
};

class ViewStore final {
 public:
  struct Meta {
    uint32_t generation = 0;
    uint32_t schema = 0;
    friend bool operator==(const Meta&, const Meta&) = default;
  };

  // Opens (creating) the database in `dir`. kIoError when RocksDB cannot open it.
  static Result<std::unique_ptr<ViewStore>> Open(const std::string& dir);
  ~ViewStore();
  ViewStore(const ViewStore&) = delete;
  ViewStore& operator=(const ViewStore&) = delete;

  // The active generation of projection `name`, or nullopt when it has none yet.
  Result<std::optional<Meta>> GetMeta(std::string_view name) const;
  // Reserves a generation number never used before in this store (durable counter).
  Result<uint32_t> NewGeneration();
  // The next position generation `gen` must apply (0 for a new one).
  Result<uint64_t> GetCheckpoint(uint32_t gen) const;

  Result<std::optional<std::string>> Get(uint32_t gen, std::string_view key) const;
  // Calls fn(key, value) for every key of `gen` starting with `prefix`, in key order, until fn
  // returns false. Keys are given without the generation prefix. Reads one consistent snapshot.
  Status Scan(uint32_t gen, std::string_view prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // Like Scan, from `start` (inclusive, must begin with prefix) up to the end of `prefix`.
  Status ScanFrom(
      uint32_t gen, std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // Writes every commit's changes and checkpoint, and each `activate` (name -> meta), in one
  // atomic batch.
  Status Commit(std::span<const GenerationCommit> commits,
                const std::map<std::string, Meta>& activate = {});
  // Deletes generation `gen`'s state and checkpoint (after it was replaced).
  Status DropGeneration(uint32_t gen);
  // Generations that have a checkpoint but are no projection's active one (a rebuild that was
  // interrupted before it switched); Open of the engine drops them.
  Result<std::vector<uint32_t>> OrphanGenerations() const;

  // Every (key, value) of generation `gen`, keys without the prefix, in order: for tests that
  // compare a rebuilt generation with an incrementally built one.
  Result<std::vector<std::pair<std::string, std::string>>> Dump(uint32_t gen) const;

 private:
  class Impl;
  explicit ViewStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kasane::projections

// EventLog: a generic, tamper-evident, append-only event log on RocksDB.
//
// Events are appended to named streams with an optimistic-concurrency expectation, get a global
// position with no gaps, and become leaves of an RFC 6962 Merkle tree whose signed checkpoints let
// an outsider holding only the verifier key check that history was never rewritten. The on-disk
// format is specified in docs/storage-format.md.
//
// Durability: one writer thread owns the append path. It drains every queued Append, checks
// expectations and idempotency in order, assigns versions and positions, hashes, extends the
// Merkle tree, and commits all of it in one WriteBatch with sync=true (group commit). Append
// returns only after that commit, so an acknowledged event survives kill -9 and power loss.
// If a commit fails (an fsync or write error, or RocksDB itself running out of space), or so does
// the write of a checkpoint or a subject key, the log stops accepting appends until it is reopened
// (every later Append fails with kIoError): it never acknowledges what it cannot prove durable, and
// it does not guess whether a failed fsync left the file system trustworthy. Reads keep working.
//
// Full disk (docs/operations.md, "Full disk"): before it sequences appends, the log reads the
// free space of the file system that holds `dir/log` (statvfs, once per group of appends) and
// refuses, with kResourceExhausted and writing nothing, every ordinary append that would leave
// less than EventLogOptions::min_free_bytes free, and every priority append (AppendOptions) that
// would leave less than priority_min_free_bytes. Such a refusal is not a failed commit: the log
// stays open and the next append succeeds once space is freed, without a restart. The reserve is
// what lets the API keep recording access records (閲覧記録) and refusals on a full disk, so staff
// can still read cases while commands are refused, and what keeps RocksDB's own flushes and
// compactions from ever meeting ENOSPC.
//
// Thread-safety: all methods are safe to call concurrently from any thread. Reads never block the
// writer and see only whole commits.
//
//   KASANE_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, EventLog::Open(options));
//   KASANE_ASSIGN_OR_RETURN(AppendResult r,
//       log->Append("case-42", ExpectedVersion::NoStream(), {event}));
//   KASANE_ASSIGN_OR_RETURN(std::string note, log->Checkpoint());
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "eventstore/event.h"
#include "eventstore/merkle.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace kasane::eventstore {

// What one group commit wrote (EventLogOptions::on_commit), for metrics.
struct CommitStats {
  uint64_t events = 0;  // events made durable by the commit
  size_t requests = 0;  // Append calls answered by it (retries and refusals included)
  std::chrono::nanoseconds write_time{0};  // the synced RocksDB write
};

struct EventLogOptions {
  // The data folder; the database lives in `dir/log`, the signing key in `dir/signing.key`.
  std::string dir;
  // The checkpoint origin and signing key name. Fixed when the folder is created.
  std::string origin = "kasane.local/log";
  // Must outlive the log. Null means a SystemClock owned by the log.
  const Clock* clock = nullptr;
  // Used once, to create the signing key. Null means SystemRandom.
  Random* random = nullptr;
  // Create the folder if it does not exist. When false, a missing folder is kNotFound.
  bool create_if_missing = true;
  // The master key that wraps every subject's data key (sealed payloads). When unset, the key is
  // read from `dir/master.key` (mode 0600, 64 hex digits), created there on first open; an
  // existing store whose master.key is missing does not open (kDataLoss). Deployments that keep
  // it elsewhere pass it here (the CLI reads --master-key-file or KASANE_MASTER_KEY). Opening
  // with a key other than the one the store was created with is kInvalidArgument.
  std::optional<std::array<uint8_t, 32>> master_key;
  // Called on the committer thread after each successful group commit that wrote events. Must
  // be cheap, thread-safe and must not call back into the log.
  std::function<void(const CommitStats&)> on_commit;

  // The free-space reserve (see the file comment). An ordinary append is refused with
  // kResourceExhausted when the file system holding `dir/log` would be left with less than
  // `min_free_bytes` free; a priority append (AppendOptions::priority: access records, refusal
  // records) only below `priority_min_free_bytes`, which should be the smaller. 0 turns a check
  // off (then only RocksDB's own ENOSPC stops writes, and that stops the log until reopened).
  // Checkpoint() is held to the priority reserve, Seal() to the ordinary one.
  uint64_t min_free_bytes = uint64_t{64} << 20;
  uint64_t priority_min_free_bytes = uint64_t{16} << 20;
  // Called for each write refused for space (an append, a Seal, a Checkpoint), with its
  // priority, on the thread that asked. Must be cheap and thread-safe and must not call back into
  // the log. For metrics.
  std::function<void(bool priority)> on_space_refused;

  // Test seams. TEST_free_bytes replaces the statvfs probe of the reserve (it is called from
  // the writer thread and from Storage(), Seal() and Checkpoint(), so it must be thread-safe).
  // TEST_env replaces RocksDB's default Env, e.g. with a fault-injecting file system; it must
  // outlive the log.
  std::function<Result<uint64_t>()> TEST_free_bytes;
  std::shared_ptr<rocksdb::Env> TEST_env;
};

// How one Append uses the free-space reserve.
struct AppendOptions {
  // May use the emergency part of the reserve (down to priority_min_free_bytes): the records
  // that must be written for a read to be served or a refusal to be on record.
  bool priority = false;
};

// The log's view of its storage, for health checks (Storage()).
struct StorageHealth {
  // False once a commit failed: the log accepts no appends until reopened.
  bool writable = true;
  std::string failure;  // why not writable (no personal content)
  // The free bytes of the file system holding the log, when the reserve is checked and the
  // probe answered.
  std::optional<uint64_t> free_bytes;
  bool below_reserve = false;           // ordinary appends are refused for space now
  bool below_priority_reserve = false;  // priority appends too
  uint64_t refused_for_space = 0;       // writes refused for space since open
};

enum class Direction { kForward, kBackward };

struct TreeHead {
  uint64_t size = 0;  // number of events
  Hash root{};
};

// What Verify found. `ok()` only when every check held.
struct VerifyReport {
  uint64_t events_checked = 0;
  uint64_t nodes_checked = 0;
  uint64_t checkpoints_checked = 0;
  uint64_t streams_checked = 0;
  std::vector<std::string> problems;  // empty when the store is intact
  bool ok() const { return problems.empty(); }
};

class EventLog final {
 public:
  // Opens (or creates) the log in options.dir. Creates the signing key and the master key (mode
  // 0600) on first open. Loads the erasure ledger and destroys again the data key of any erased
  // subject that is present (an older backup was restored) before returning.
  // Fails with kInvalidArgument for a bad origin or one that differs from the folder's, or the
  // wrong master key; kIoError when RocksDB cannot open; kDataLoss when the stored head is
  // unreadable or a key file is missing.
  static Result<std::unique_ptr<EventLog>> Open(EventLogOptions options);

  // Drains pending appends, stops the writer and closes the database.
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `events` atomically and contiguously to `stream`.
  // On success returns the positions and versions assigned, after they are durable.
  // Fails, writing nothing, with: kInvalidArgument (bad stream name, type, empty batch, duplicate
  // ids in the call, a call that mixes known and new ids, or known ids that were not one
  // contiguous append to this stream); kConflict when `expected` does not hold (the message
  // states the stream's current version); kAlreadyExists when a known id has different content;
  // kUnavailable after shutdown began. When the commit itself fails (kIoError, or the storage's
  // kResourceExhausted / kDataLoss), the outcome is unknown: the events may be present after a
  // reopen, so retry with the same ids; the log accepts no further appends until reopened.
  // If every id is already in the log with the same content, in the same stream and at
  // consecutive positions and versions (as one append, or as consecutive appends, put them),
  // returns their positions with replayed=true and writes nothing.
  // kResourceExhausted when the free-space reserve refuses it (EventLogOptions::min_free_bytes):
  // nothing was written and the log stays open; retry once space is freed.
  Result<AppendResult> Append(const std::string& stream, ExpectedVersion expected,
                              std::vector<NewEvent> events);
  Result<AppendResult> Append(const std::string& stream, ExpectedVersion expected,
                              std::vector<NewEvent> events, const AppendOptions& append_options);

  // Whether the log accepts appends, and its free space against the reserve (reads the probe).
  StorageHealth Storage() const;

  // Reads the event at `position`. kNotFound past the head.
  Result<RecordedEvent> ReadAt(Position position) const;
  // Up to `limit` events from `from` in position order.
  Result<std::vector<RecordedEvent>> ReadAll(Position from, size_t limit) const;
  // Up to `limit` events of `stream` starting at version `from` (inclusive), forward or backward.
  // Backward with from = UINT64_MAX starts at the head. An unknown stream yields kNotFound.
  Result<std::vector<RecordedEvent>> ReadStream(const std::string& stream, Version from,
                                                Direction direction, size_t limit) const;
  // The stream's head; kNotFound when the stream does not exist.
  Result<StreamHead> GetStreamHead(const std::string& stream) const;
  // The event with this id; kNotFound if unknown.
  Result<RecordedEvent> ReadById(const EventId& id) const;

  // Number of committed events (= the next position = the tree size).
  uint64_t Size() const;
  // Blocks until Size() > after or the timeout passes; returns Size(). The subscription primitive
  // for projections and the change feed: woken by every commit.
  uint64_t WaitForSizeAbove(uint64_t after, std::chrono::milliseconds timeout) const;

  // The current tree head (size and root).
  TreeHead Head() const;
  // Root of the first `size` events. kInvalidArgument if size > Size().
  Result<Hash> RootAt(uint64_t size) const;
  // Inclusion proof of `position` in the tree of `size` (position < size <= Size()).
  Result<std::vector<Hash>> InclusionProof(Position position, uint64_t size) const;
  // Consistency proof between sizes (0 < size1 <= size2 <= Size()).
  Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

  // Signs the current tree head as a C2SP checkpoint (signed note), stores it, returns its text.
  // kResourceExhausted below the priority reserve, writing nothing.
  Result<std::string> Checkpoint();
  // The latest stored checkpoint; kNotFound if none was ever signed.
  Result<std::string> LatestCheckpoint() const;
  // The signed-note verifier key: name+hex(keyid)+base64(0x01||pubkey).
  const std::string& VerifierKey() const;
  const std::string& Origin() const;

  // --- Sealed payloads: personal content encrypted per data subject (docs/erasure.md) ---

  // Encrypts `plaintext` for `subject` (an opaque person id, never a name) with XChaCha20-Poly1305
  // under the subject's random data key, created and stored wrapped by the master key on first
  // use (durably, before this returns). The associated data binds `event_id`, `subject` and
  // `path`, so a part cannot be moved to another event, person or field. The caller puts the
  // part in NewEvent::sealed; the Merkle leaf then covers the ciphertext.
  // Fails with kFailedPrecondition when the subject has been erased, kInvalidArgument for an
  // empty subject or path, kResourceExhausted below the ordinary free-space reserve (a first
  // use writes the subject's key).
  Result<SealedPart> Seal(const EventId& event_id, const std::string& subject,
                          const std::string& path, std::string_view plaintext);
  // Decrypts a part of event `event_id`. Returns std::nullopt when the subject was erased (its
  // key is destroyed); kDataLoss when the part does not authenticate (tampered, or moved).
  Result<std::optional<std::string>> Unseal(const EventId& event_id, const SealedPart& part) const;
  // Erases a subject. First appends the subject id to the erasure ledger `dir/erasure.ledger`
  // (fsynced), then deletes its wrapped data key (sync), drops it from memory, flushes every
  // column family and compacts the key's range so that, once this returns, no file of the
  // database (SST or WAL) still holds the key: every part sealed for the subject is then
  // unreadable, while every event, proof and checkpoint still verifies. Idempotent: erasing an
  // erased subject finishes any destruction a failure interrupted and otherwise does nothing.
  // Appending an erasure event is the caller's. kInvalidArgument for a bad subject id, kIoError
  // when the ledger or the database cannot be written (the subject may then already be erased
  // in the ledger: retry). Slow (a flush and a compaction): an administrative operation.
  Status EraseSubject(const std::string& subject);
  // True once EraseSubject has written the subject to the ledger (loaded at open).
  bool IsErased(const std::string& subject) const;

  // --- Backup and restore (docs/erasure.md) ---

  // Writes a consistent, online copy of the data folder into `to_dir` (created; must not exist or
  // be empty): a RocksDB checkpoint of the database in `to_dir/log`, then signing.key, master.key
  // (when the log uses the file; a master key passed in options is not copied) and
  // erasure.ledger. Erasures wait while it runs, so the copied ledger covers every erasure the
  // copied database reflects. The backup holds the master key unless it is kept elsewhere.
  Status Backup(const std::string& to_dir) const;
  // Copies the backup `from_dir` into the data folder `dir`. `dir` may be absent, empty, or
  // hold only what outlives a lost database: its erasure.ledger, which is KEPT, and its key
  // files, which must equal the backup's. The restored ledger is the union of the backup's, the
  // kept one and every file in `extra_ledgers`, so erasures made after the backup was taken are
  // applied when the restored log is next opened (which destroys those keys again). Does not
  // open or verify the log: the caller does. kInvalidArgument for a `dir` holding anything else
  // (a database above all), key files of another store, or a folder that is not a backup.
  // `foreign`: names of entries in `dir` that belong to the caller, not to the log (the
  // projections' views), which are tolerated and left as they are.
  static Status RestoreBackup(const std::string& from_dir, const std::string& dir,
                              const std::vector<std::string>& extra_ledgers,
                              const std::vector<std::string>& foreign = {});

  // The wrapped data key record stored for `subject` in `subject_keys`, or nullopt. For tests.
  Result<std::optional<std::string>> TEST_StoredSubjectKey(const std::string& subject) const;

  // Recomputes every leaf, node and root from the stored events, checks the head, every stored
  // checkpoint and the indexes. `progress(done, total)` is called now and then (may be null).
  // Returns a report; a non-OK Result only when the check itself could not run.
  Result<VerifyReport> Verify(const std::function<void(uint64_t, uint64_t)>& progress) const;

 private:
  class Impl;
  explicit EventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kasane::eventstore

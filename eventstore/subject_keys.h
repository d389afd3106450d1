// SubjectKeyStore: the data keys behind sealed payloads, and their destruction (crypto-shredding).
// Internal to EventLog, which owns the database; nothing else includes this header.
//
// Each data subject (a person, named by an opaque id) has one random 32-byte data key, created on
// first use and stored in the `subject_keys` column family wrapped (XChaCha20-Poly1305) by the
// master key. Sealing encrypts a part with the subject's key; the associated data binds event
// id, subject and path. Erasing a subject appends its id to the erasure ledger beside the
// database (fsynced) first, then deletes the wrapped key and makes RocksDB drop every file that
// still holds it (flush, compaction of the key's range, purge of obsolete WAL and SST files).
// Formats: docs/storage-format.md; guarantees: docs/erasure.md.
//
// Thread-safety: every method is safe to call concurrently. Unwrapped keys are cached in memory
// behind a reader-writer lock; key creation and erasure are serialised by their own mutexes, so
// a subject's key is created at most once and never again after the subject is erased.
#pragma once

#include <rocksdb/db.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/random.h"
#include "base/status.h"
#include "eventstore/event.h"

namespace kasane::eventstore {

using MasterKey = std::array<uint8_t, 32>;

inline constexpr char kMasterKeyFile[] = "master.key";
inline constexpr char kErasureLedgerFile[] = "erasure.ledger";

// A subject id: 1..256 bytes, no control characters (so a ledger line holds exactly one).
Status ValidateSubject(std::string_view subject);

// The master key for the data folder `dir`: `given` if set, else `dir/master.key` (one line of
// 64 lower-case hex digits, mode 0600). The file is created from `random` when it is missing and
// `may_create` holds (a new folder, or one that never had a master key); otherwise a missing file
// is kDataLoss (a new key could not unwrap the stored ones).
Result<MasterKey> LoadOrCreateMasterKey(const std::string& dir,
                                        const std::optional<MasterKey>& given, bool may_create,
                                        Random& random);

// A value derived from the master key (keyed BLAKE2b of a fixed label) stored in the database, so
// that opening with the wrong master key fails at once instead of at the first Unseal.
std::string MasterKeyCheck(const MasterKey& key);

// Reads a ledger file: the subject ids, one per line, in order, without duplicates. A missing file
// is an empty ledger. A last line without its newline (a write torn by a crash, which therefore
// never returned) is ignored. kDataLoss for a line that is not a valid subject id.
// What to make of a last line without its newline: in the live ledger it is an append a crash
// cut short (dropped); in a ledger handed to restore it is a complete line (kept).
enum class LedgerTail { kDropUnterminated, kKeepUnterminated };
Result<std::vector<std::string>> ReadErasureLedger(const std::string& path,
                                                   LedgerTail tail = LedgerTail::kDropUnterminated);
// Writes `subjects` as a new ledger file at `path` (must not exist), fsynced with its folder.
Status WriteErasureLedger(const std::string& path, const std::vector<std::string>& subjects);

class SubjectKeyStore final {
 public:
  // `db` and `cf` (the subject_keys column family) must outlive the store; `all_cfs` are every
  // column family of `db` (flushed on erasure so that no WAL file keeps an erased key). Loads
  // the ledger at `dir/erasure.ledger` (truncating a torn last line) and destroys again the key
  // of every ledger subject still present (as after restoring an older backup).
  // Finishes every erasure the ledger at `dir/erasure.ledger` names whose destruction is not
  // recorded as complete (a crash between the ledger line and the purge, or a restored older
  // copy): deletes those keys and purges them from every file. Cuts a torn last ledger line.
  // Needs no master key, so it runs before the master key is checked.
  static Status ReplayLedger(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                             const std::vector<rocksdb::ColumnFamilyHandle*>& all_cfs,
                             const std::string& dir);
  static Result<std::unique_ptr<SubjectKeyStore>> Open(
      rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
      std::vector<rocksdb::ColumnFamilyHandle*> all_cfs, const std::string& dir,
      const MasterKey& master);
  ~SubjectKeyStore();
  SubjectKeyStore(const SubjectKeyStore&) = delete;
  SubjectKeyStore& operator=(const SubjectKeyStore&) = delete;

  // See EventLog::Seal, EventLog::Unseal, EventLog::EraseSubject, EventLog::IsErased.
  // `before_new_key` runs (and may refuse) only when the subject has no key in memory, before
  // a key is loaded or created and stored; a subject already cached writes nothing.
  Result<SealedPart> Seal(const EventId& event_id, const std::string& subject,
                          const std::string& path, std::string_view plaintext,
                          const std::function<Status()>& before_new_key = nullptr);
  Result<std::optional<std::string>> Unseal(const EventId& event_id, const SealedPart& part) const;
  Status Erase(const std::string& subject);
  bool IsErased(const std::string& subject) const;

  // Holds erasures off while a backup copies the database and then the ledger.
  std::unique_lock<std::mutex> PauseErasures() { return std::unique_lock<std::mutex>(erase_mu_); }

  // The wrapped key record stored for `subject`, or nullopt. For tests.
  Result<std::optional<std::string>> TEST_StoredRecord(const std::string& subject) const;

 private:
  SubjectKeyStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                  std::vector<rocksdb::ColumnFamilyHandle*> all_cfs, std::string ledger_path,
                  const MasterKey& master);

  using DataKey = std::array<uint8_t, 32>;
  // The subject's key from the cache, else the database (cached then). With `create`, a missing
  // key is generated and stored (sync) first. nullopt when missing and not created.
  Result<std::optional<DataKey>> KeyFor(const std::string& subject, bool create) const;
  Status AppendToLedger(const std::string& subject);
  // Deletes the stored keys of `subjects` and makes RocksDB drop every file that held them.
  Status DestroyStoredKeys(const std::vector<std::string>& subjects);

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  const std::vector<rocksdb::ColumnFamilyHandle*> all_cfs_;
  const std::string ledger_path_;
  MasterKey master_;

  mutable std::shared_mutex cache_mu_;
  mutable std::unordered_map<std::string, DataKey> cache_;  // GUARDED_BY(cache_mu_)
  std::unordered_set<std::string> erased_;                  // GUARDED_BY(cache_mu_)
  mutable std::mutex create_mu_;  // serialises key loads/creation with erasure
  std::mutex erase_mu_;           // serialises erasures and backups
};

}  // namespace kasane::eventstore

#include "eventstore/subject_keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "eventstore/file_util.h"
#include "eventstore/rocks_util.h"

namespace kasane::eventstore {
namespace {

namespace fs = std::filesystem;

constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr uint8_t kWrapVersion = 0x01;
// version ‖ nonce ‖ wrapped key ‖ tag
constexpr size_t kWrappedBytes = 1 + kNonceBytes + 32 + kTagBytes;
constexpr std::string_view kWrapLabel = "kasane-subject-key/1";
constexpr std::string_view kSealLabel = "kasane-sealed/1";
constexpr std::string_view kCheckLabel = "kasane-master-key-check/1";

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) abort();  // an unusable system: nothing can be sealed
  });
}

// Random bytes for nonces, drawn in blocks from a per-thread generator: a 32-byte seed from
// libsodium's CSPRNG (the kernel) expanded with randombytes_buf_deterministic (ChaCha20), and
// replaced by the first 32 bytes of each block it yields (fast key erasure), so that neither the
// pool nor the seed can reproduce nonces already handed out. One getrandom(2) per thread instead
// of one per 4 KiB (the kernel's generator cost about a twentieth of a Seal). Each byte is
// handed out once; the pool is per thread and discarded in a forked child (ForkGeneration,
// base/random.h), so no two seals ever share a nonce. (XChaCha20's 192-bit nonces only need to be
// unique; they are public.)
void FillNonce(uint8_t* out, size_t n) {
  static_assert(randombytes_SEEDBYTES == 32);
  struct Pool {
    std::array<uint8_t, 4096> bytes;
    std::array<uint8_t, randombytes_SEEDBYTES> seed;
    size_t used = 4096;
    uint64_t generation = 0;
    ~Pool() {
      sodium_memzero(bytes.data(), bytes.size());
      sodium_memzero(seed.data(), seed.size());
    }
  };
  thread_local Pool pool;
  uint64_t generation = ForkGeneration();
  if (pool.generation != generation) {
    randombytes_buf(pool.seed.data(), pool.seed.size());
    pool.used = pool.bytes.size();
    pool.generation = generation;
  }
  if (pool.used + n > pool.bytes.size()) {
    randombytes_buf_deterministic(pool.bytes.data(), pool.bytes.size(), pool.seed.data());
    std::memcpy(pool.seed.data(), pool.bytes.data(), pool.seed.size());
    sodium_memzero(pool.bytes.data(), pool.seed.size());
    pool.used = pool.seed.size();
  }
  std::memcpy(out, pool.bytes.data() + pool.used, n);
  sodium_memzero(pool.bytes.data() + pool.used, n);
  pool.used += n;
}

const uint8_t* U8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// label ‖ event id (16) ‖ u32 BE len ‖ subject ‖ u32 BE len ‖ path: unambiguous by construction.
// Built in a stack buffer when it fits (every subject and path the domain uses), else on the heap.
class SealAd {
 public:
  SealAd(const EventId& event_id, std::string_view subject, std::string_view path) {
    size_ = kSealLabel.size() + event_id.bytes.size() + 8 + subject.size() + path.size();
    uint8_t* out = inline_.data();
    if (size_ > inline_.size()) {
      heap_.resize(size_);
      out = heap_.data();
    }
    data_ = out;
    out = Put(out, kSealLabel);
    std::memcpy(out, event_id.bytes.data(), event_id.bytes.size());
    out += event_id.bytes.size();
    out = PutU32(out, static_cast<uint32_t>(subject.size()));
    out = Put(out, subject);
    out = PutU32(out, static_cast<uint32_t>(path.size()));
    Put(out, path);
  }
  SealAd(const SealAd&) = delete;
  SealAd& operator=(const SealAd&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  static uint8_t* Put(uint8_t* out, std::string_view s) {
    std::memcpy(out, s.data(), s.size());
    return out + s.size();
  }
  static uint8_t* PutU32(uint8_t* out, uint32_t v) {
    for (int i = 3; i >= 0; --i) *out++ = static_cast<uint8_t>((v >> (8 * i)) & 0xff);
    return out;
  }
  std::array<uint8_t, 384> inline_;
  std::vector<uint8_t> heap_;
  const uint8_t* data_;
  size_t size_;
};

std::string WrapAd(std::string_view subject) {
  std::string ad(kWrapLabel);
  ad.append(subject);
  return ad;
}

}  // namespace

Status ValidateSubject(std::string_view subject) {
  if (subject.empty() || subject.size() > 256) {
    return InvalidArgument("a subject id must be 1..256 bytes");
  }
  for (char c : subject) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      return InvalidArgument("a subject id must not hold control characters");
  }
  // Ids are printed in JSON and written to the ledger: refuse what cannot be, before anything
  // is destroyed.
  if (!IsValidUtf8(subject)) return InvalidArgument("a subject id must be UTF-8");
  return Status::Ok();
}

Result<MasterKey> LoadOrCreateMasterKey(const std::string& dir,
                                        const std::optional<MasterKey>& given, bool may_create,
                                        Random& random) {
  EnsureSodium();
  if (given) return *given;
  fs::path path = fs::path(dir) / kMasterKeyFile;
  std::error_code ec;
  MasterKey key{};
  if (fs::exists(path, ec)) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    size_t len = 0;
    if (line.size() != 64 ||
        sodium_hex2bin(key.data(), key.size(), line.data(), line.size(), nullptr, &len, nullptr) !=
            0 ||
        len != 32) {
      sodium_memzero(line.data(), line.size());
      return DataLoss(path.string() + " is not 64 hex digits");
    }
    sodium_memzero(line.data(), line.size());
    return key;
  }
  if (!may_create) {
    return DataLoss("the master key " + path.string() +
                    " is missing; restore it from backup, or pass it with --master-key-file / "
                    "KASANE_MASTER_KEY (a new key could not unwrap any stored data key)");
  }
  random.Fill(key);
  std::string hex(65, '\0');
  sodium_bin2hex(hex.data(), hex.size(), key.data(), key.size());
  hex[64] = '\n';
  Status s = CreateFileAtomically(path, hex, 0600);
  sodium_memzero(hex.data(), hex.size());
  if (!s.ok()) return s;
  return key;
}

std::string MasterKeyCheck(const MasterKey& key) {
  EnsureSodium();
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), U8(kCheckLabel),
                     kCheckLabel.size(), key.data(), key.size());
  return out;
}

Result<std::vector<std::string>> ReadErasureLedger(const std::string& path, LedgerTail tail) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return out;
  if (ec) return IoError("cannot stat " + path + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return IoError("cannot read " + path);
  std::string text = buf.str();
  if (tail == LedgerTail::kKeepUnterminated && !text.empty() && text.back() != '\n') {
    text.push_back('\n');
  }
  std::unordered_set<std::string> seen;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) break;  // a torn last line (or the end)
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (!ValidateSubject(line).ok()) {
      return DataLoss("the erasure ledger " + path + " holds a line that is not a subject id");
    }
    if (seen.insert(line).second) out.push_back(std::move(line));
  }
  return out;
}

Status WriteErasureLedger(const std::string& path, const std::vector<std::string>& subjects) {
  std::string text;
  for (const auto& s : subjects) {
    KASANE_RETURN_IF_ERROR(ValidateSubject(s));
    text += s;
    text += '\n';
  }
  return CreateFileAtomically(path, text, 0600);
}

SubjectKeyStore::SubjectKeyStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                 std::vector<rocksdb::ColumnFamilyHandle*> all_cfs,
                                 std::string ledger_path, const MasterKey& master)
    : db_(db),
      cf_(cf),
      all_cfs_(std::move(all_cfs)),
      ledger_path_(std::move(ledger_path)),
      master_(master) {}

SubjectKeyStore::~SubjectKeyStore() {
  for (auto& [subject, key] : cache_) sodium_memzero(key.data(), key.size());
  sodium_memzero(master_.data(), master_.size());
}

// Deletes the keys of `subjects` (present or not) and drives their bytes out of every RocksDB
// file: flush every column family, compact the range to the bottom level, purge obsolete files.
Status DestroyKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                   const std::vector<rocksdb::ColumnFamilyHandle*>& all_cfs,
                   const std::vector<std::string>& subjects) {
  rocksdb::WriteBatch batch;
  std::string lo = subjects.front(), hi = subjects.front();
  for (const auto& subject : subjects) {
    KASANE_RETURN_IF_ERROR(FromRocks(batch.Delete(cf, subject), "deleting a subject key"));
    lo = std::min(lo, subject);
    hi = std::max(hi, subject);
  }
  KASANE_RETURN_IF_ERROR(FromRocks(db->Write(SyncWrite(), &batch), "deleting subject keys"));
  // The wrapped key is still in the WAL, a memtable or SST files. Flushing every column family
  // moves all data out of the WAL files written so far, so they become obsolete; compacting the
  // key's range to the bottom level with nothing older below drops both the value and its
  // tombstone; purging then deletes the obsolete WAL and SST files.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  KASANE_RETURN_IF_ERROR(FromRocks(db->Flush(flush, all_cfs), "flushing after an erasure"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  rocksdb::Slice begin(lo), end(hi);
  KASANE_RETURN_IF_ERROR(
      FromRocks(db->CompactRange(compact, cf, &begin, &end), "compacting subject keys"));
  // Re-enabling deletions (without force, so a backup in progress keeps its files) runs a full
  // scan for obsolete files and deletes them in this thread.
  KASANE_RETURN_IF_ERROR(FromRocks(db->DisableFileDeletions(), "pausing file deletions"));
  KASANE_RETURN_IF_ERROR(
      FromRocks(db->EnableFileDeletions(/*force=*/false), "purging obsolete files"));
  return Status::Ok();
}

// Under this key the subject_keys column family records which ledger its destructions have
// completed for: a BLAKE2b digest of the ledger's text. It holds a control character, so it is
// no subject id.
constexpr char kPurgedMarker[] = "\x01purged-ledger";

Result<std::string> LedgerText(const std::string& ledger) {
  std::error_code ec;
  if (!fs::exists(ledger, ec)) return std::string();
  std::ifstream in(ledger, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return IoError("cannot read " + ledger);
  return buf.str();
}

std::string LedgerDigest(const std::string& text) {
  std::string digest(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(digest.data()), digest.size(),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return digest;
}

Status MarkPurged(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& ledger) {
  KASANE_ASSIGN_OR_RETURN(std::string text, LedgerText(ledger));
  return FromRocks(db->Put(SyncWrite(), cf, kPurgedMarker, LedgerDigest(text)),
                   "recording completed erasures");
}

Result<std::unique_ptr<SubjectKeyStore>> SubjectKeyStore::Open(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
    std::vector<rocksdb::ColumnFamilyHandle*> all_cfs, const std::string& dir,
    const MasterKey& master) {
  EnsureSodium();
  std::string ledger = (fs::path(dir) / kErasureLedgerFile).string();
  std::unique_ptr<SubjectKeyStore> store(
      new SubjectKeyStore(db, cf, std::move(all_cfs), ledger, master));
  KASANE_ASSIGN_OR_RETURN(std::vector<std::string> subjects, ReadErasureLedger(ledger));
  store->erased_.insert(subjects.begin(), subjects.end());
  return store;
}

Status SubjectKeyStore::ReplayLedger(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                     const std::vector<rocksdb::ColumnFamilyHandle*>& all_cfs,
                                     const std::string& dir) {
  EnsureSodium();
  std::string ledger = (fs::path(dir) / kErasureLedgerFile).string();
  // Cut a torn last line (a crash during an append) so that the next append starts a fresh line.
  KASANE_ASSIGN_OR_RETURN(std::string text, LedgerText(ledger));
  if (!text.empty() && text.back() != '\n') {
    size_t keep = text.rfind('\n');
    keep = keep == std::string::npos ? 0 : keep + 1;
    if (::truncate(ledger.c_str(), static_cast<off_t>(keep)) != 0) {
      return IoError("cannot truncate the torn end of " + ledger + ": " + std::strerror(errno));
    }
    text.resize(keep);
  }
  if (text.empty()) return Status::Ok();
  std::string marker;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, kPurgedMarker, &marker);
  if (s.ok() && marker == LedgerDigest(text)) return Status::Ok();
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading completed erasures");
  // The ledger names an erasure whose destruction may not have finished (a crash between the
  // ledger line and the purge), or this is a restored copy: destroy every ledger subject's key.
  KASANE_ASSIGN_OR_RETURN(std::vector<std::string> subjects, ReadErasureLedger(ledger));
  if (subjects.empty()) return Status::Ok();
  KASANE_RETURN_IF_ERROR(DestroyKeys(db, cf, all_cfs, subjects));
  return MarkPurged(db, cf, ledger);
}

bool SubjectKeyStore::IsErased(const std::string& subject) const {
  std::shared_lock<std::shared_mutex> lock(cache_mu_);
  return erased_.count(subject) > 0;
}

Result<std::optional<SubjectKeyStore::DataKey>> SubjectKeyStore::KeyFor(const std::string& subject,
                                                                        bool create) const {
  {
    std::shared_lock<std::shared_mutex> lock(cache_mu_);
    if (erased_.count(subject)) return std::optional<DataKey>();
    if (auto it = cache_.find(subject); it != cache_.end()) return std::optional(it->second);
  }
  // Slow path: load or create under create_mu_, which erasure also takes, so a key erased
  // meanwhile is never loaded back into the cache nor created again.
  std::lock_guard<std::mutex> creating(create_mu_);
  {
    std::shared_lock<std::shared_mutex> lock(cache_mu_);
    if (erased_.count(subject)) return std::optional<DataKey>();
    if (auto it = cache_.find(subject); it != cache_.end()) return std::optional(it->second);
  }
  DataKey key{};
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, subject, &value);
  if (s.ok()) {
    if (value.size() != kWrappedBytes || static_cast<uint8_t>(value[0]) != kWrapVersion) {
      return DataLoss("a stored subject key is malformed");
    }
    std::string ad = WrapAd(subject);
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            key.data(), &len, nullptr, U8(value) + 1 + kNonceBytes, 32 + kTagBytes, U8(ad),
            ad.size(), U8(value) + 1, master_.data()) != 0 ||
        len != 32) {
      return DataLoss("a stored subject key does not unwrap with this master key");
    }
  } else if (s.IsNotFound()) {
    if (!create) return std::optional<DataKey>();
    // Keys and nonces come from libsodium's CSPRNG, never from an injected (maybe seeded) Random:
    // a repeated nonce under one key would expose the plaintexts.
    randombytes_buf(key.data(), key.size());
    std::string wrapped(kWrappedBytes, '\0');
    auto* w = reinterpret_cast<uint8_t*>(wrapped.data());
    w[0] = kWrapVersion;
    randombytes_buf(w + 1, kNonceBytes);
    std::string ad = WrapAd(subject);
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(w + 1 + kNonceBytes, &len, key.data(), key.size(),
                                               U8(ad), ad.size(), nullptr, w + 1, master_.data());
    Status put = FromRocks(db_->Put(SyncWrite(), cf_, subject, wrapped), "storing a subject key");
    if (!put.ok()) {
      sodium_memzero(key.data(), key.size());
      return put;
    }
  } else {
    return FromRocks(s, "reading a subject key");
  }
  std::unique_lock<std::shared_mutex> lock(cache_mu_);
  cache_[subject] = key;
  std::optional<DataKey> out(key);
  sodium_memzero(key.data(), key.size());
  return out;
}

Result<SealedPart> SubjectKeyStore::Seal(const EventId& event_id, const std::string& subject,
                                         const std::string& path, std::string_view plaintext,
                                         const std::function<Status()>& before_new_key) {
  if (path.empty()) return InvalidArgument("a sealed part needs a path");
  // The fast path, one shared lock: a cached key's subject was validated when the key was
  // created or loaded, and erasure takes the key out of the cache before it returns.
  DataKey key;
  bool cached = false;
  {
    std::shared_lock<std::shared_mutex> lock(cache_mu_);
    if (auto it = cache_.find(subject); it != cache_.end()) {
      key = it->second;
      cached = true;
    }
  }
  if (!cached) {
    KASANE_RETURN_IF_ERROR(ValidateSubject(subject));
    if (before_new_key) KASANE_RETURN_IF_ERROR(before_new_key());
    KASANE_ASSIGN_OR_RETURN(std::optional<DataKey> loaded, KeyFor(subject, /*create=*/true));
    if (!loaded) return FailedPrecondition("subject " + subject + " has been erased");
    key = *loaded;
    sodium_memzero(loaded->data(), loaded->size());
  }
  SealedPart part;
  part.subject = subject;
  part.path = path;
  part.nonce.resize(kNonceBytes);
  FillNonce(reinterpret_cast<uint8_t*>(part.nonce.data()), kNonceBytes);
  part.ciphertext.resize(plaintext.size() + kTagBytes);
  SealAd ad(event_id, subject, path);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<uint8_t*>(part.ciphertext.data()),
                                             &len, U8(plaintext), plaintext.size(), ad.data(),
                                             ad.size(), nullptr, U8(part.nonce), key.data());
  sodium_memzero(key.data(), key.size());
  part.ciphertext.resize(len);
  return part;
}

Result<std::optional<std::string>> SubjectKeyStore::Unseal(const EventId& event_id,
                                                           const SealedPart& part) const {
  if (!ValidateSubject(part.subject).ok() || part.path.empty()) {
    return DataLoss("a sealed part has no valid subject or path");
  }
  KASANE_ASSIGN_OR_RETURN(std::optional<DataKey> key, KeyFor(part.subject, /*create=*/false));
  if (!key) {
    if (IsErased(part.subject)) return std::optional<std::string>();
    return DataLoss(
        "no data key is stored for the subject of a sealed part, and it was not erased");
  }
  if (part.nonce.size() != kNonceBytes || part.ciphertext.size() < kTagBytes) {
    sodium_memzero(key->data(), key->size());
    return DataLoss("a sealed part is malformed");
  }
  std::string plain(part.ciphertext.size() - kTagBytes, '\0');
  SealAd ad(event_id, part.subject, part.path);
  unsigned long long len = 0;
  int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
      reinterpret_cast<uint8_t*>(plain.data()), &len, nullptr, U8(part.ciphertext),
      part.ciphertext.size(), ad.data(), ad.size(), U8(part.nonce), key->data());
  sodium_memzero(key->data(), key->size());
  if (rc != 0) {
    return DataLoss(
        "a sealed part does not authenticate (tampered, or moved to another event, "
        "subject or path)");
  }
  plain.resize(len);
  return std::optional<std::string>(std::move(plain));
}

Status SubjectKeyStore::AppendToLedger(const std::string& subject) {
  return AppendLineDurably(ledger_path_, subject, 0600);
}

Status SubjectKeyStore::Erase(const std::string& subject) {
  KASANE_RETURN_IF_ERROR(ValidateSubject(subject));
  std::lock_guard<std::mutex> erasing(erase_mu_);
  {
    std::lock_guard<std::mutex> creating(create_mu_);
    if (!IsErased(subject)) {
      // The ledger first: once it is durable, the key is destroyed again at every open, even
      // if this process dies before the delete below.
      KASANE_RETURN_IF_ERROR(AppendToLedger(subject));
      std::unique_lock<std::shared_mutex> lock(cache_mu_);
      erased_.insert(subject);
      if (auto it = cache_.find(subject); it != cache_.end()) {
        sodium_memzero(it->second.data(), it->second.size());
        cache_.erase(it);
      }
    }
  }
  // Idempotent: a retry after a failure below finishes the destruction. The delete may already
  // be durable while the key's bytes still sit in WAL or SST files, so the flush, compaction and
  // purge run every time. Until the marker says so, every open repeats them (ReplayLedger).
  KASANE_RETURN_IF_ERROR(DestroyStoredKeys({subject}));
  return MarkPurged(db_, cf_, ledger_path_);
}

Status SubjectKeyStore::DestroyStoredKeys(const std::vector<std::string>& subjects) {
  return DestroyKeys(db_, cf_, all_cfs_, subjects);
}

Result<std::optional<std::string>> SubjectKeyStore::TEST_StoredRecord(
    const std::string& subject) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, subject, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  KASANE_RETURN_IF_ERROR(FromRocks(s, "reading a subject key"));
  return std::optional<std::string>(std::move(value));
}

}  // namespace kasane::eventstore

#include "eventstore/event_log.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "eventstore/envelope_codec.h"
#include "eventstore/file_util.h"
#include "eventstore/rocks_util.h"
#include "eventstore/signed_note.h"
#include "eventstore/subject_keys.h"

namespace kasane::eventstore {
namespace {

constexpr char kFormat[] = "kasane-log/1";
constexpr char kMetaFormat[] = "format";
constexpr char kMetaOrigin[] = "origin";
constexpr char kMetaHead[] = "head";
constexpr char kMetaMasterKeyCheck[] = "master_key_check";
constexpr char kSigningKeyFile[] = "signing.key";
constexpr char kDbDir[] = "log";

// Column family indexes, in the order they are opened.
enum Cf : size_t {
  kMeta = 0,
  kEvents,
  kEventIds,
  kStreams,
  kStreamIndex,
  kMerkle,
  kCheckpoints,
  kSubjectKeys
};
const std::vector<std::string> kCfNames = {rocksdb::kDefaultColumnFamilyName,
                                           "events",
                                           "event_ids",
                                           "streams",
                                           "stream_index",
                                           "merkle",
                                           "checkpoints",
                                           "subject_keys"};

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

uint64_t GetU64(std::string_view in, size_t offset = 0) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[offset + i]);
  return v;
}

std::string U64Key(uint64_t v) {
  std::string k;
  PutU64(&k, v);
  return k;
}

std::string StreamIndexKey(uint64_t stream_id, Version version) {
  std::string k;
  k.reserve(16);
  PutU64(&k, stream_id);
  PutU64(&k, version);
  return k;
}

// Keyed by the last leaf the node covers, then level, so that nodes are written in key order
// as the log grows (appends to the end of the memtable, never a search).
std::string MerkleKey(uint32_t level, uint64_t index) {
  std::string k;
  k.reserve(9);
  PutU64(&k, ((index + 1) << level) - 1);
  k.push_back(static_cast<char>(level));
  return k;
}

std::string IdKey(const EventId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

// A stream's id and head. The `streams` CF holds only the id (written once, when the stream is
// created); the head is the end of the stream's last run in `stream_index`.
struct StreamInfo {
  uint64_t id = 0;
  Version head_version = 0;
  Position head_position = 0;
};

// What meta/head holds.
struct HeadRecord {
  uint64_t size = 0;
  Hash root{};
  UnixNanos last_recorded_at = 0;
  uint64_t next_stream_id = 1;

  std::string Encode() const {
    std::string v;
    v.reserve(56);
    PutU64(&v, size);
    v.append(reinterpret_cast<const char*>(root.data()), root.size());
    PutU64(&v, static_cast<uint64_t>(last_recorded_at));
    PutU64(&v, next_stream_id);
    return v;
  }
  static Result<HeadRecord> Decode(std::string_view v) {
    if (v.size() != 56) return DataLoss("head record is not 56 bytes");
    HeadRecord h;
    h.size = GetU64(v, 0);
    std::memcpy(h.root.data(), v.data() + 8, 32);
    h.last_recorded_at = static_cast<UnixNanos>(GetU64(v, 40));
    h.next_stream_id = GetU64(v, 48);
    return h;
  }
};

struct EventIdHash {
  size_t operator()(const EventId& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof(h));
    return h;
  }
};

}  // namespace

class EventLog::Impl final : public NodeReader {
 public:
  explicit Impl(EventLogOptions options) : options_(std::move(options)) {}

  ~Impl() override {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    queue_cv_.notify_all();
    if (sequencer_.joinable()) sequencer_.join();
    commit_cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    keys_.reset();
    for (auto* h : handles_) {
      if (db_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    handles_.clear();
    if (db_) db_->Close().PermitUncheckedError();
  }

  Status Open() {
    if (options_.clock == nullptr) {
      owned_clock_ = std::make_unique<SystemClock>();
      options_.clock = owned_clock_.get();
    }
    namespace fs = std::filesystem;
    fs::path dir(options_.dir);
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
      if (!options_.create_if_missing)
        return NotFound("data folder " + dir.string() + " does not exist");
      fs::create_directories(dir, ec);
      if (ec) return IoError("cannot create " + dir.string() + ": " + ec.message());
      // The new folder's entry must survive a crash too, or so would nothing inside it.
      fs::path absolute = fs::absolute(dir, ec);
      if (ec) return IoError("cannot resolve " + dir.string() + ": " + ec.message());
      KASANE_RETURN_IF_ERROR(SyncDir(absolute.parent_path()));
    }

    // A folder that holds keys or an erasure ledger but no database lost its database: creating
    // a new one would sign a second history with the same key (a fork an auditor would see).
    if (!fs::exists(dir / kDbDir / "CURRENT", ec)) {
      for (const char* file : {kSigningKeyFile, "master.key", "erasure.ledger"}) {
        if (fs::exists(dir / file, ec)) {
          return DataLoss("the data folder holds " + std::string(file) +
                          " but no log database: restore the database from a backup; if this is "
                          "a first start that crashed before any event, remove the key files");
        }
      }
    }

    rocksdb::Options db_options;
    if (options_.TEST_env) db_options.env = options_.TEST_env.get();
    db_options.create_if_missing = options_.create_if_missing;
    db_options.create_missing_column_families = true;
    db_options.max_background_jobs = 2;
    db_options.keep_log_file_num = 4;
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options.info_log =
        std::make_shared<StderrLogger>("rocksdb (log)", rocksdb::InfoLogLevel::WARN_LEVEL);
    // One writer thread owns every write, so concurrent memtable inserts buy nothing, and the
    // hashed memtable of event_ids requires them off.
    db_options.allow_concurrent_memtable_write = false;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& name : kCfNames) {
      rocksdb::ColumnFamilyOptions cf_options(db_options);
      if (name == "event_ids" || name == "streams") {
        // Point lookups that usually miss (new ids, new streams): bloom filters avoid disk reads.
        rocksdb::BlockBasedTableOptions table;
        table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
        cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      }
      if (name == "event_ids") {
        // Ids are random: a single skiplist makes every insert a full search. A hashed memtable
        // of linked lists (the whole 16-byte id is the prefix) makes an insert one node in a
        // short list and a lookup a bucket probe, so no memtable bloom is needed. Measured on
        // 100-event batches (BENCHMARKS.md): default skiplist +340 us, hashed skiplist +110 us,
        // hashed linked lists +60 us over writing the events alone. 2^20 buckets: a 64 MiB
        // memtable holds about a million ids (some 60 bytes each), so a bucket's list stays
        // about one node long; 2^18 left lists of four, whose memcmp walks cost 35 us per
        // 100-event batch (p50 325 -> 290 us on tmpfs). The bucket array is 8 MiB per memtable.
        // Full scans (kasane verify) must ask for total_order_seek.
        cf_options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(16));
        cf_options.memtable_factory.reset(rocksdb::NewHashLinkListRepFactory(1 << 20));
      } else if (name == "streams") {
        // A miss (a new stream) should not walk the memtable.
        cf_options.memtable_whole_key_filtering = true;
        cf_options.memtable_prefix_bloom_size_ratio = 0.05;
      }
      cfs.emplace_back(name, cf_options);
    }
    rocksdb::DB* db = nullptr;
    KASANE_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::Open(db_options, (dir / kDbDir).string(), cfs, &handles_, &db),
                  "opening the log database"));
    db_.reset(db);

    std::string format;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kMetaFormat, &format);
    bool fresh = s.IsNotFound();
    if (!fresh) KASANE_RETURN_IF_ERROR(FromRocks(s, "reading the format"));
    if (!fresh && format != kFormat) {
      return DataLoss("unknown log format '" + format + "' (expected " + kFormat + ")");
    }

    KASANE_RETURN_IF_ERROR(LoadOrCreateSigningKey(fresh));
    KASANE_RETURN_IF_ERROR(OpenSubjectKeys(fresh));

    if (fresh) {
      rocksdb::WriteBatch batch;
      HeadRecord head;
      head.root = EmptyRoot();
      batch.Put(handles_[kMeta], kMetaFormat, kFormat);
      batch.Put(handles_[kMeta], kMetaOrigin, options_.origin);
      batch.Put(handles_[kMeta], kMetaHead, head.Encode());
      KASANE_RETURN_IF_ERROR(FromRocks(db_->Write(SyncWrite(), &batch), "initialising the log"));
    } else {
      std::string origin;
      KASANE_RETURN_IF_ERROR(
          FromRocks(db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kMetaOrigin, &origin),
                    "reading the origin"));
      if (origin != options_.origin) {
        return InvalidArgument("this data folder's origin is '" + origin + "', not '" +
                               options_.origin + "'");
      }
    }

    std::string head_bytes;
    KASANE_RETURN_IF_ERROR(
        FromRocks(db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kMetaHead, &head_bytes),
                  "reading the head"));
    KASANE_ASSIGN_OR_RETURN(seq_head_, HeadRecord::Decode(head_bytes));
    // A tree whose right edge does not reproduce the stored head is damaged: the log still
    // opens, so that it can be read and verified, but refuses to extend it.
    auto frontier = MerkleFrontier::Load(*this, seq_head_.size);
    Status head_ok = CheckHeadAgainstLog(rocksdb::ReadOptions(), seq_head_);
    if (!head_ok.ok()) {
      failure_ = "the log failed its integrity check when opened (" + head_ok.message() +
                 "); it accepts no appends: run kasane verify";
      failed_.store(true);
    } else if (!frontier.ok() || frontier->Root() != seq_head_.root) {
      failure_ =
          "the log failed its integrity check when opened (the stored events and Merkle "
          "nodes do not reproduce the stored head); it accepts no appends: run kasane verify";
      failed_.store(true);
    } else {
      frontier_ = std::move(frontier).value();
    }
    committed_size_ = seq_head_.size;
    committed_root_ = seq_head_.root;
    sequencer_ = std::thread([this] { SequencerLoop(); });
    committer_ = std::thread([this] { CommitterLoop(); });
    return Status::Ok();
  }

  // Cheap checks that the stored head agrees with the log's edges: the last event exists and no
  // event lies beyond it, recorded-at continues from the last event, and the next stream id is
  // above every stream id in use. A head that fails them was rolled back or forged.
  Status CheckHeadAgainstLog(const rocksdb::ReadOptions& ro, const HeadRecord& head) const {
    std::string bytes;
    if (db_->Get(ro, handles_[kEvents], U64Key(head.size), &bytes).ok()) {
      return DataLoss("an event exists beyond the head (position " + std::to_string(head.size) +
                      ")");
    }
    if (head.size > 0) {
      auto last = ReadAtWith(ro, head.size - 1);
      if (!last.ok()) return DataLoss("the head's last event is missing or unreadable");
      if (last->recorded_at != head.last_recorded_at) {
        return DataLoss("the head's recorded-at differs from the last event's");
      }
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kStreamIndex]));
    it->SeekToLast();
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the stream index"));
    if (it->Valid() &&
        (it->key().size() != 16 || GetU64(it->key().ToStringView()) >= head.next_stream_id)) {
      return DataLoss("a stream id in use is not below the head's next stream id");
    }
    return Status::Ok();
  }

  // NodeReader over the merkle column family. Only perfect nodes whose level is a positive
  // multiple of kStoredLevelStride are stored (see docs/storage-format.md); any other node is
  // folded from at most 2^(stride-1) stored nodes below it, or from its events (the events are
  // the leaves). Proofs therefore still cost O(log n) reads.
  Result<Hash> GetNode(uint32_t level, uint64_t index) const override {
    return GetNodeAt(rocksdb::ReadOptions(), level, index);
  }

  static bool IsStoredLevel(uint32_t level) { return level > 0 && level % kStoredLevelStride == 0; }

  Result<Hash> GetNodeAt(const rocksdb::ReadOptions& ro, uint32_t level, uint64_t index) const {
    if (IsStoredLevel(level)) return GetStoredNode(ro, level, index);
    uint32_t base = level - level % kStoredLevelStride;
    uint64_t width = uint64_t{1} << (level - base);
    std::vector<Hash> hashes;
    hashes.reserve(width);
    if (base == 0) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kEvents]));
      uint64_t first = index * width;
      it->Seek(U64Key(first));
      for (uint64_t i = 0; i < width; ++i, it->Next()) {
        if (!it->Valid() || it->key().size() != 8 ||
            GetU64(it->key().ToStringView()) != first + i) {
          KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading events"));
          return DataLoss("event " + std::to_string(first + i) + " is missing");
        }
        std::string_view bytes = it->value().ToStringView();
        hashes.push_back(HashLeaf(std::span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
      }
    } else {
      for (uint64_t i = 0; i < width; ++i) {
        KASANE_ASSIGN_OR_RETURN(Hash h, GetStoredNode(ro, base, index * width + i));
        hashes.push_back(h);
      }
    }
    for (; width > 1; width /= 2) {
      for (uint64_t i = 0; i < width / 2; ++i) {
        hashes[i] = HashChildren(hashes[2 * i], hashes[2 * i + 1]);
      }
    }
    return hashes[0];
  }

  Result<Hash> GetStoredNode(const rocksdb::ReadOptions& ro, uint32_t level, uint64_t index) const {
    std::string v;
    rocksdb::Status s = db_->Get(ro, handles_[kMerkle], MerkleKey(level, index), &v);
    if (s.IsNotFound()) {
      return DataLoss("Merkle node " + std::to_string(level) + "/" + std::to_string(index) +
                      " is missing");
    }
    KASANE_RETURN_IF_ERROR(FromRocks(s, "reading a Merkle node"));
    if (v.size() != 32) return DataLoss("Merkle node is not 32 bytes");
    Hash h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
  }

  Result<AppendResult> Append(const std::string& stream, ExpectedVersion expected,
                              std::vector<NewEvent> events, const AppendOptions& append_options) {
    KASANE_RETURN_IF_ERROR(ValidateStreamName(stream));
    if (events.empty()) return InvalidArgument("an append needs at least one event");
    if (events.size() > kMaxEventsPerAppend) {
      return InvalidArgument("an append holds at most " + std::to_string(kMaxEventsPerAppend) +
                             " events");
    }
    std::unordered_set<EventId, EventIdHash> ids;
    size_t total_bytes = 0;
    for (const auto& e : events) {
      KASANE_ASSIGN_OR_RETURN(size_t bytes, ValidateNewEvent(e));
      total_bytes += bytes;
      if (total_bytes > kMaxAppendBytes) {
        return InvalidArgument("an append holds at most " + std::to_string(kMaxAppendBytes) +
                               " bytes");
      }
      if (!ids.insert(e.id).second) {
        return InvalidArgument("event id " + e.id.ToString() + " appears twice in one append");
      }
    }
    auto request = std::make_unique<Request>();
    request->stream = stream;
    request->expected = expected;
    request->events = std::move(events);
    request->priority = append_options.priority;
    request->bytes = total_bytes;
    std::future<Result<AppendResult>> done = request->promise.get_future();
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (stopping_) return Unavailable("the log is shutting down");
      queue_.push_back(std::move(request));
      queued_.fetch_add(1, std::memory_order_release);
    }
    queue_cv_.notify_one();
    return done.get();
  }

  Result<RecordedEvent> ReadAt(Position position) const { return ReadAtWith({}, position); }

  Result<RecordedEvent> ReadAtWith(const rocksdb::ReadOptions& ro, Position position) const {
    std::string v;
    rocksdb::Status s = db_->Get(ro, handles_[kEvents], U64Key(position), &v);
    if (s.IsNotFound()) return NotFound("no event at position " + std::to_string(position));
    KASANE_RETURN_IF_ERROR(FromRocks(s, "reading an event"));
    return DecodeEnvelope(v);
  }

  Result<std::vector<RecordedEvent>> ReadAll(Position from, size_t limit) const {
    std::vector<RecordedEvent> out;
    uint64_t end = committed_size_.load();
    if (from >= end || limit == 0) return out;
    uint64_t stop = from + std::min<uint64_t>(limit, end - from);
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handles_[kEvents]));
    Position expect = from;
    for (it->Seek(U64Key(from)); it->Valid() && expect < stop; it->Next(), ++expect) {
      if (it->key().size() != 8 || GetU64(it->key().ToStringView()) != expect) {
        return DataLoss("the log has a gap at position " + std::to_string(expect));
      }
      KASANE_ASSIGN_OR_RETURN(RecordedEvent e, DecodeEnvelope(it->value().ToStringView()));
      out.push_back(std::move(e));
    }
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the log"));
    if (expect != stop) return DataLoss("the log ends before position " + std::to_string(stop));
    return out;
  }

  // The stream's id (from `streams`) and head (the end of its last run). `ro` should carry a
  // snapshot when the two must agree.
  Result<StreamInfo> LookupStream(const rocksdb::ReadOptions& ro, const std::string& stream) const {
    std::string v;
    rocksdb::Status s = db_->Get(ro, handles_[kStreams], stream, &v);
    if (s.IsNotFound()) return NotFound("stream '" + stream + "' does not exist");
    KASANE_RETURN_IF_ERROR(FromRocks(s, "reading a stream"));
    if (v.size() != 8) return DataLoss("stream record is not 8 bytes");
    uint64_t id = GetU64(v);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kStreamIndex]));
    it->SeekForPrev(StreamIndexKey(id, UINT64_MAX));
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the stream index"));
    if (!it->Valid() || it->key().size() != 16 || it->value().size() != 16 ||
        GetU64(it->key().ToStringView()) != id) {
      return DataLoss("stream '" + stream + "' has no events in the stream index");
    }
    uint64_t count = GetU64(it->value().ToStringView(), 8);
    if (count == 0) return DataLoss("an empty run in the stream index");
    return StreamInfo{id, GetU64(it->key().ToStringView(), 8) + count - 1,
                      GetU64(it->value().ToStringView()) + count - 1};
  }

  Result<std::vector<RecordedEvent>> ReadStream(const std::string& stream, Version from,
                                                Direction direction, size_t limit) const {
    KASANE_RETURN_IF_ERROR(ValidateStreamName(stream));
    // One snapshot so the stream record and its events agree.
    const rocksdb::Snapshot* snap = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    auto result = ReadStreamWith(ro, stream, from, direction, limit);
    db_->ReleaseSnapshot(snap);
    return result;
  }

  Result<std::vector<RecordedEvent>> ReadStreamWith(const rocksdb::ReadOptions& ro,
                                                    const std::string& stream, Version from,
                                                    Direction direction, size_t limit) const {
    KASANE_ASSIGN_OR_RETURN(StreamInfo info, LookupStream(ro, stream));
    std::vector<RecordedEvent> out;
    if (limit == 0) return out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kStreamIndex]));
    if (direction == Direction::kForward) {
      Version v = from;
      while (v <= info.head_version && out.size() < limit) {
        KASANE_ASSIGN_OR_RETURN(StreamRun run, RunContaining(*it, info.id, v));
        for (; v < run.first_version + run.count && v <= info.head_version && out.size() < limit;
             ++v) {
          KASANE_ASSIGN_OR_RETURN(RecordedEvent e,
                                  ReadAtWith(ro, run.first_position + (v - run.first_version)));
          out.push_back(std::move(e));
        }
      }
    } else {
      if (from > info.head_version) from = info.head_version;
      uint64_t next = from + 1;  // one past the next version to read
      while (next > 0 && out.size() < limit) {
        KASANE_ASSIGN_OR_RETURN(StreamRun run, RunContaining(*it, info.id, next - 1));
        for (; next > run.first_version && out.size() < limit; --next) {
          KASANE_ASSIGN_OR_RETURN(
              RecordedEvent e, ReadAtWith(ro, run.first_position + (next - 1 - run.first_version)));
          out.push_back(std::move(e));
        }
      }
    }
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading the stream index"));
    return out;
  }

  // One stream_index entry: versions [first_version, first_version + count) of a stream are at
  // positions [first_position, first_position + count). Each append writes one run.
  struct StreamRun {
    Version first_version = 0;
    Position first_position = 0;
    uint64_t count = 0;
  };

  static std::string StreamRunValue(Position first_position, uint64_t count) {
    std::string v;
    v.reserve(16);
    PutU64(&v, first_position);
    PutU64(&v, count);
    return v;
  }

  // The run of `stream_id` that holds `version`; kDataLoss if the index has none.
  static Result<StreamRun> RunContaining(rocksdb::Iterator& it, uint64_t stream_id,
                                         Version version) {
    it.SeekForPrev(StreamIndexKey(stream_id, version));
    if (!it.Valid()) {
      KASANE_RETURN_IF_ERROR(FromRocks(it.status(), "reading the stream index"));
      return DataLoss("the stream index misses version " + std::to_string(version));
    }
    std::string_view key = it.key().ToStringView();
    std::string_view value = it.value().ToStringView();
    if (key.size() != 16 || value.size() != 16 || GetU64(key) != stream_id) {
      return DataLoss("the stream index misses version " + std::to_string(version));
    }
    StreamRun run{GetU64(key, 8), GetU64(value), GetU64(value, 8)};
    if (version >= run.first_version + run.count) {
      return DataLoss("the stream index misses version " + std::to_string(version));
    }
    return run;
  }

  Result<StreamHead> GetStreamHead(const std::string& stream) const {
    KASANE_RETURN_IF_ERROR(ValidateStreamName(stream));
    {
      std::shared_lock<std::shared_mutex> lock(heads_mu_);
      if (auto it = committed_heads_.find(stream); it != committed_heads_.end()) return it->second;
    }
    const rocksdb::Snapshot* snap = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    auto info = LookupStream(ro, stream);
    db_->ReleaseSnapshot(snap);
    if (!info.ok()) return info.status();
    return StreamHead{info->head_version, info->head_position};
  }

  Result<RecordedEvent> ReadById(const EventId& id) const {
    std::string pos;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handles_[kEventIds], IdKey(id), &pos);
    if (s.IsNotFound()) return NotFound("no event with id " + id.ToString());
    KASANE_RETURN_IF_ERROR(FromRocks(s, "reading the id index"));
    if (pos.size() != 8) return DataLoss("id index entry is not 8 bytes");
    return ReadAt(GetU64(pos));
  }

  uint64_t Size() const { return committed_size_.load(); }

  uint64_t WaitForSizeAbove(uint64_t after, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(head_mu_);
    head_cv_.wait_for(lock, timeout, [&] { return committed_size_.load() > after || closed_; });
    return committed_size_.load();
  }

  TreeHead Head() const {
    std::lock_guard<std::mutex> lock(head_mu_);
    return TreeHead{committed_size_.load(), committed_root_};
  }

  Result<Hash> RootAt(uint64_t size) const {
    if (size > Size())
      return InvalidArgument("tree size " + std::to_string(size) + " is beyond the head");
    return eventstore::RootAt(*this, size);
  }

  Result<std::vector<Hash>> InclusionProof(Position position, uint64_t size) const {
    if (size > Size())
      return InvalidArgument("tree size " + std::to_string(size) + " is beyond the head");
    if (position >= size) return InvalidArgument("position must be below the tree size");
    return eventstore::InclusionProof(*this, position, size);
  }

  Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const {
    if (size2 > Size())
      return InvalidArgument("tree size " + std::to_string(size2) + " is beyond the head");
    if (size1 == 0 || size1 > size2) return InvalidArgument("consistency needs 0 < size1 <= size2");
    return eventstore::ConsistencyProof(*this, size1, size2);
  }

  Result<std::string> Checkpoint() {
    KASANE_RETURN_IF_ERROR(CheckSpace(/*priority=*/true, 1024));
    TreeHead head = Head();
    eventstore::Checkpoint cp;
    cp.origin = options_.origin;
    cp.size = head.size;
    cp.root = head.root;
    KASANE_ASSIGN_OR_RETURN(std::string note, signer_->Sign(cp.Marshal()));
    Status stored =
        FromRocks(db_->Put(SyncWrite(), handles_[kCheckpoints], U64Key(head.size), note),
                  "storing the checkpoint");
    if (!stored.ok()) {
      MarkFailed(stored);
      return stored;
    }
    return note;
  }

  Result<std::string> LatestCheckpoint() const {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handles_[kCheckpoints]));
    it->SeekToLast();
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
    if (!it->Valid()) return NotFound("no checkpoint has been signed yet");
    return it->value().ToString();
  }

  const std::string& VerifierKey() const { return verifier_key_; }
  const std::string& Origin() const { return options_.origin; }
  SubjectKeyStore& keys() const { return *keys_; }

  Status Backup(const std::string& to_dir) const;

  Result<VerifyReport> Verify(const std::function<void(uint64_t, uint64_t)>& progress) const;

  // The free bytes of the file system holding the database (or the test probe's answer).
  Result<uint64_t> FreeBytes() const {
    if (options_.TEST_free_bytes) return options_.TEST_free_bytes();
    struct statvfs st {};
    const std::string path = options_.dir + "/" + kDbDir;
    if (::statvfs(path.c_str(), &st) != 0) {
      return IoError("cannot read the free space of " + path + ": " + std::strerror(errno));
    }
    // f_bavail, not f_bfree: the blocks a file system keeps for root are not ours to count on.
    return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
  }

  uint64_t ReserveFor(bool priority) const {
    return priority ? options_.priority_min_free_bytes : options_.min_free_bytes;
  }

  // OK when writing about `bytes` more leaves the reserve of `priority` free; otherwise
  // kResourceExhausted (or the probe's error), and nothing is written. From any thread.
  // A refusal for space is counted (Storage().refused_for_space, on_space_refused).
  Status CheckSpace(bool priority, uint64_t bytes) const {
    const uint64_t reserve = ReserveFor(priority);
    if (reserve == 0) return Status::Ok();
    KASANE_ASSIGN_OR_RETURN(uint64_t free, FreeBytes());
    Status s = SpaceStatus(priority, free, bytes);
    if (!s.ok()) CountSpaceRefusal(priority);
    return s;
  }

  // Stops the log after a failed write to the database: RocksDB itself refuses writes after one
  // (its background-error state), and a failed fsync is not retried (see the file comment).
  void MarkFailed(const Status& st) {
    std::lock_guard<std::mutex> lock(failure_mu_);
    if (failed_.load()) return;
    failure_ = "the log stopped accepting writes after a failed commit (" + st.message() +
               "); nothing after it was written: restart the server (reopen the log), after "
               "freeing space if the disk is full";
    failed_.store(true);
  }

  void CountSpaceRefusal(bool priority) const {
    refused_for_space_.fetch_add(1);
    if (options_.on_space_refused) options_.on_space_refused(priority);
  }

  Status SpaceStatus(bool priority, uint64_t free, uint64_t bytes) const {
    const uint64_t reserve = ReserveFor(priority);
    if (free >= reserve && free - reserve >= bytes) return Status::Ok();
    return ResourceExhausted("the file system holding the log has " + std::to_string(free) +
                             " bytes free, below the " + (priority ? "emergency" : "ordinary") +
                             " reserve of " + std::to_string(reserve) +
                             " bytes; nothing was written: free space and retry");
  }

  StorageHealth Storage() const {
    StorageHealth h;
    h.writable = !failed_.load();
    if (!h.writable) h.failure = Failure();
    h.refused_for_space = refused_for_space_.load();
    if (options_.min_free_bytes > 0 || options_.priority_min_free_bytes > 0) {
      auto free = FreeBytes();
      if (free.ok()) {
        h.free_bytes = *free;
        h.below_reserve = !SpaceStatus(false, *free, 0).ok();
        h.below_priority_reserve = !SpaceStatus(true, *free, 0).ok();
      } else {
        h.below_reserve = h.below_priority_reserve = true;  // unknown: appends are refused
      }
    }
    return h;
  }

  std::string Failure() const {
    std::lock_guard<std::mutex> lock(failure_mu_);
    return failure_;
  }

 private:
  static constexpr size_t kMaxEventsPerAppend = 10000;
  static constexpr uint32_t kStoredLevelStride = 4;
  static constexpr size_t kBatchReserveBytes = 64 << 10;
  static constexpr std::chrono::microseconds kSpinForWork{100};
  static constexpr size_t kMaxCachedStreams = 1 << 20;

  struct Request {
    std::string stream;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<NewEvent> events;
    bool priority = false;  // AppendOptions::priority
    size_t bytes = 0;       // the events' validated size
    std::promise<Result<AppendResult>> promise;
  };

  // The free space as read once for a group of appends being sequenced, less what the appends
  // already let through in it will write.
  struct SpaceBudget {
    bool probed = false;
    Result<uint64_t> free = uint64_t{0};
    uint64_t planned = 0;
  };
  // A rough bound of what an accepted append adds to the disk: its events in the WAL, their
  // indexes, stream run and Merkle nodes (and later the same again in an SST).
  static uint64_t PlannedBytes(const Request& r) { return 2 * (r.bytes + 256 * r.events.size()); }

  // An event sequenced but perhaps not committed yet, so that a retry arriving before the commit
  // is still recognised. Content is compared through the leaf hash (the canonical encoding).
  struct PendingEvent {
    uint64_t stream_id;
    Version version;
    Position position;
    UnixNanos recorded_at;
    Hash leaf;  // set once the event is encoded (see Batch::slots)
  };
  using PendingIds = std::unordered_map<EventId, PendingEvent, EventIdHash>;

  // One event placed in a batch: where it goes, and once encoded, its bytes and leaf hash.
  struct Slot {
    const NewEvent* event;
    const std::string* stream;
    Version version;
    Position position;
    UnixNanos recorded_at;
    PendingEvent* pending;  // its entry in Batch::ids (node-stable)
    std::string bytes;      // the encoded envelope, until it is added to the WriteBatch
  };

  // Appends sequenced together and committed with one synced WriteBatch.
  struct Batch {
    rocksdb::WriteBatch wb{kBatchReserveBytes};
    std::vector<std::unique_ptr<Request>> requests;
    std::vector<Result<AppendResult>> outcomes;
    std::unordered_map<std::string, StreamInfo> touched;
    std::vector<std::pair<std::string, uint64_t>> new_streams;  // name, id
    PendingIds ids;
    std::vector<Slot> slots;   // events placed in this batch, in position order
    size_t written_slots = 0;  // slots already encoded into wb
    uint64_t first_size = 0;   // tree size before this batch
    HeadRecord head;           // tree head after this batch, set by Seal
    bool empty() const { return requests.empty(); }
  };

  // An id already sequenced: committed (pending == nullptr) or in a batch not yet committed.
  struct KnownId {
    Position position;
    const PendingEvent* pending;
  };

  // Loads (or creates) the master key, checks it against the one the store was created with,
  // and opens the subject key store, which replays the erasure ledger.
  Status OpenSubjectKeys(bool fresh) {
    // Erasures first: they need no master key, so a wrong or missing key cannot keep an erased
    // subject's key on disk.
    KASANE_RETURN_IF_ERROR(
        SubjectKeyStore::ReplayLedger(db_.get(), handles_[kSubjectKeys], handles_, options_.dir));
    std::string check;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), handles_[kMeta], kMetaMasterKeyCheck, &check);
    bool has_check = s.ok();
    if (!has_check && !s.IsNotFound()) return FromRocks(s, "reading the master key check");
    std::unique_ptr<Random> owned;
    Random* random = options_.random;
    if (random == nullptr) {
      owned = std::make_unique<SystemRandom>();
      random = owned.get();
    }
    // A store that never had a master key (new, or older than sealed payloads) may create one.
    KASANE_ASSIGN_OR_RETURN(
        MasterKey master,
        LoadOrCreateMasterKey(options_.dir, options_.master_key, fresh || !has_check, *random));
    std::string expected = MasterKeyCheck(master);
    if (has_check && check != expected) {
      return InvalidArgument("the master key is not the one this data folder was created with");
    }
    if (!has_check) {
      KASANE_RETURN_IF_ERROR(
          FromRocks(db_->Put(SyncWrite(), handles_[kMeta], kMetaMasterKeyCheck, expected),
                    "storing the master key check"));
    }
    auto keys =
        SubjectKeyStore::Open(db_.get(), handles_[kSubjectKeys], handles_, options_.dir, master);
    sodium_memzero(master.data(), master.size());
    if (options_.master_key) {  // the caller's copy, kept in the options, is not needed again
      sodium_memzero(options_.master_key->data(), options_.master_key->size());
      options_.master_key.reset();
    }
    if (!keys.ok()) return keys.status();
    keys_ = std::move(keys).value();
    return Status::Ok();
  }

  Status LoadOrCreateSigningKey(bool fresh) {
    namespace fs = std::filesystem;
    fs::path path = fs::path(options_.dir) / kSigningKeyFile;
    std::error_code ec;
    if (fs::exists(path, ec)) {
      std::ifstream in(path);
      std::string skey;
      std::getline(in, skey);
      if (!in && !in.eof()) return IoError("cannot read " + path.string());
      KASANE_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::FromSignerKey(skey));
      signer_ = std::make_unique<NoteSigner>(std::move(signer));
    } else {
      if (!fresh) {
        return DataLoss("the signing key " + path.string() +
                        " is missing; restore it from backup (a new key would orphan every "
                        "checkpoint already signed)");
      }
      std::unique_ptr<Random> owned;
      Random* random = options_.random;
      if (random == nullptr) {
        owned = std::make_unique<SystemRandom>();
        random = owned.get();
      }
      KASANE_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Generate(options_.origin, *random));
      KASANE_RETURN_IF_ERROR(CreateFileAtomically(path, signer.SignerKey() + "\n", 0600));
      signer_ = std::make_unique<NoteSigner>(std::move(signer));
    }
    if (signer_->name() != options_.origin) {
      return InvalidArgument("the signing key is named '" + signer_->name() +
                             "' but the origin is '" + options_.origin + "'");
    }
    verifier_key_ = signer_->VerifierKey();
    return Status::Ok();
  }

  // The append path is a two-stage pipeline. The sequencer thread checks expectations and
  // idempotency, assigns versions and positions, encodes, hashes and extends the Merkle tree,
  // building batch N+1 while the committer thread makes batch N durable (one WriteBatch,
  // sync=true) and answers its callers. Only after that commit are callers answered. A failed
  // commit stops the log: the batch sequenced on top of it is failed too, never written.
  void SequencerLoop() {
    auto cur = NewBatch();
    std::deque<std::unique_ptr<Request>> taken;
    while (true) {
      bool committer_free;
      if (cur->empty()) SpinForWork();
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        queue_cv_.wait(lock, [&] {
          return !queue_.empty() || (!cur->empty() && !committing_) ||
                 (stopping_ && cur->empty() && !committing_);
        });
        committer_free = !committing_;
        if (committer_free && cur->empty() && queue_.empty() && stopping_) {
          sequencer_done_ = true;
          break;
        }
        taken.swap(queue_);
      }
      // Once the committer is free, every batch handed to it is in the database.
      if (committer_free) inflight_ids_.clear();
      SpaceBudget budget;
      for (auto& r : taken) Sequence(*cur, std::move(r), budget);
      taken.clear();
      WriteSlots(*cur);
      if (committer_free && !cur->empty()) {
        Seal(*cur);
        PendingIds sealed_ids = std::move(cur->ids);
        bool inline_commit;
        {
          std::lock_guard<std::mutex> lock(queue_mu_);
          // With nothing else waiting there is no work to overlap with the commit: committing
          // here saves waking the committer (tens of microseconds on a virtual machine).
          inline_commit = queue_.empty();
          if (!inline_commit) {
            committing_ = true;
            handoff_ = std::move(cur);
          }
        }
        if (inline_commit) {
          CommitAndAnswer(*cur);
        } else {
          inflight_ids_ = std::move(sealed_ids);
          commit_cv_.notify_one();
        }
        cur = NewBatch();
      }
    }
    commit_cv_.notify_one();
  }

  // Waits briefly, awake, for the next append before the sequencer goes to sleep: a caller that
  // appends again right after its answer is then served without a wake-up, which costs tens of
  // microseconds on a virtual machine. It yields on every turn, so it never takes a core from a
  // caller still preparing its append, and it is bounded, so an idle log does not burn a core.
  void SpinForWork() {
    if (std::thread::hardware_concurrency() < 2) return;
    uint64_t seen = queued_.load(std::memory_order_acquire);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (!queue_.empty() || stopping_) return;
    }
    auto until = std::chrono::steady_clock::now() + kSpinForWork;
    while (queued_.load(std::memory_order_acquire) == seen &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();  // awake, but giving way to any runnable thread (the caller)
    }
  }

  void CommitterLoop() {
    while (true) {
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        commit_cv_.wait(lock, [&] { return handoff_ != nullptr || sequencer_done_; });
        if (!handoff_) break;
        batch = std::move(handoff_);
      }
      CommitAndAnswer(*batch, [this] {
        {
          std::lock_guard<std::mutex> lock(queue_mu_);
          committing_ = false;
        }
        queue_cv_.notify_one();
      });
    }
    std::lock_guard<std::mutex> lock(head_mu_);
    closed_ = true;
    head_cv_.notify_all();
  }

  // Commits the batch, calls `committed` (if any), then answers every caller in the batch.
  void CommitAndAnswer(Batch& batch, const std::function<void()>& committed = nullptr) {
    Status written = Commit(batch);
    if (committed) committed();
    for (size_t i = 0; i < batch.requests.size(); ++i) {
      if (written.ok()) {
        batch.requests[i]->promise.set_value(std::move(batch.outcomes[i]));
      } else {
        batch.requests[i]->promise.set_value(written);
      }
    }
  }

  std::unique_ptr<Batch> NewBatch() const {
    auto b = std::make_unique<Batch>();
    b->first_size = seq_head_.size;
    b->ids.reserve(128);
    return b;
  }

  // Writes the batch durably and publishes the new head. Non-OK once any commit has failed.
  Status Commit(Batch& b) {
    if (failed_.load()) return IoError(Failure());
    if (b.head.size == b.first_size) return Status::Ok();  // every request was refused or a retry
    const auto write_started = std::chrono::steady_clock::now();
    rocksdb::Status s = db_->Write(SyncWrite(), &b.wb);
    if (s.ok() && options_.on_commit) {
      options_.on_commit(CommitStats{b.head.size - b.first_size, b.requests.size(),
                                     std::chrono::steady_clock::now() - write_started});
    }
    if (!s.ok()) {
      Status st = FromRocks(s, "committing appends");
      MarkFailed(st);
      return Status(st.code(), st.message() + "; the log stopped accepting writes");
    }
    {
      std::unique_lock<std::shared_mutex> lock(heads_mu_);
      if (committed_heads_.size() + b.touched.size() > kMaxCachedStreams) committed_heads_.clear();
      for (const auto& [name, info] : b.touched) {
        committed_heads_[name] = StreamHead{info.head_version, info.head_position};
      }
    }
    {
      std::lock_guard<std::mutex> lock(head_mu_);
      committed_root_ = b.head.root;
      committed_size_.store(b.head.size);
    }
    head_cv_.notify_all();
    return Status::Ok();
  }

  // A request refused here (failed log, no space) leaves the batch as it was, like any refusal
  // of ApplyRequest: the positions of the others do not depend on it.
  void Sequence(Batch& b, std::unique_ptr<Request> r, SpaceBudget& budget) {
    if (failed_.load()) {
      b.outcomes.push_back(IoError(Failure()));
    } else if (Status space = CheckBudget(*r, budget); !space.ok()) {
      if (space.code() == StatusCode::kResourceExhausted) CountSpaceRefusal(r->priority);
      b.outcomes.push_back(std::move(space));
    } else {
      b.outcomes.push_back(ApplyRequest(b, *r));
      if (b.outcomes.back().ok() && !b.outcomes.back()->replayed)
        budget.planned += PlannedBytes(*r);
    }
    b.requests.push_back(std::move(r));
  }

  // The reserve check of one request against the group's budget (one probe per group).
  Status CheckBudget(const Request& r, SpaceBudget& budget) const {
    if (ReserveFor(r.priority) == 0) return Status::Ok();
    if (!budget.probed) {
      budget.free = FreeBytes();
      budget.probed = true;
    }
    if (!budget.free.ok()) return budget.free.status();
    const uint64_t free = *budget.free > budget.planned ? *budget.free - budget.planned : 0;
    return SpaceStatus(r.priority, free, PlannedBytes(r));
  }

  // Encodes and hashes the batch's new slots, then adds them to the WriteBatch and the Merkle
  // frontier in position order.
  void WriteSlots(Batch& b) {
    size_t begin = b.written_slots, end = b.slots.size();
    for (size_t i = begin; i < end; ++i) {
      Slot& slot = b.slots[i];
      slot.bytes =
          EncodeEnvelope(*slot.event, *slot.stream, slot.version, slot.position, slot.recorded_at);
      slot.pending->leaf = HashLeaf(AsBytes(slot.bytes));
    }
    for (size_t i = begin; i < end; ++i) {
      Slot& slot = b.slots[i];
      std::string pos_key = U64Key(slot.position);
      b.wb.Put(handles_[kEvents], pos_key, slot.bytes);
      b.wb.Put(handles_[kEventIds], IdKey(slot.event->id), pos_key);
      frontier_.Append(slot.pending->leaf, [&](uint32_t level, uint64_t index, const Hash& h) {
        if (!IsStoredLevel(level)) return;
        b.wb.Put(handles_[kMerkle], MerkleKey(level, index),
                 rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
      });
      std::string().swap(slot.bytes);
    }
    b.written_slots = end;
  }

  // Adds the stream heads and the tree head to the batch; the sequencer's caches move on.
  void Seal(Batch& b) {
    if (seq_head_.size != b.first_size) {
      for (const auto& [name, id] : b.new_streams) b.wb.Put(handles_[kStreams], name, U64Key(id));
      if (stream_cache_.size() + b.touched.size() > kMaxCachedStreams) stream_cache_.clear();
      for (const auto& [name, info] : b.touched) stream_cache_[name] = info;
      seq_head_.root = frontier_.Root();
      b.wb.Put(handles_[kMeta], kMetaHead, seq_head_.Encode());
    }
    b.head = seq_head_;
  }

  // Looks a stream up in this batch, then the sequencer's cache, then the database.
  Result<std::optional<StreamInfo>> SequencedStream(const std::string& stream, const Batch& b) {
    if (auto it = b.touched.find(stream); it != b.touched.end()) return std::optional(it->second);
    if (auto it = stream_cache_.find(stream); it != stream_cache_.end()) {
      return std::optional(it->second);
    }
    auto info = LookupStream(rocksdb::ReadOptions(), stream);
    if (!info.ok()) {
      if (info.status().code() == StatusCode::kNotFound) return std::optional<StreamInfo>();
      return info.status();
    }
    if (stream_cache_.size() >= kMaxCachedStreams) stream_cache_.clear();  // a cache: misses read
    stream_cache_.emplace(stream, *info);
    return std::optional(*info);
  }

  // Looks the request's ids up in this batch, the batch being committed, then the database (one
  // MultiGet). Returns one entry per event, empty for ids never seen.
  Result<std::vector<std::optional<KnownId>>> SequencedIds(const Request& r, const Batch& b) {
    std::vector<std::optional<KnownId>> known(r.events.size());
    std::vector<size_t> ask;
    std::vector<rocksdb::Slice> keys;
    for (size_t i = 0; i < r.events.size(); ++i) {
      const EventId& id = r.events[i].id;
      if (auto it = b.ids.find(id); it != b.ids.end()) {
        known[i] = KnownId{it->second.position, &it->second};
      } else if (auto it2 = inflight_ids_.find(id); it2 != inflight_ids_.end()) {
        known[i] = KnownId{it2->second.position, &it2->second};
      } else {
        ask.push_back(i);
        keys.emplace_back(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
      }
    }
    if (ask.empty()) return known;
    std::vector<rocksdb::PinnableSlice> values(ask.size());
    std::vector<rocksdb::Status> statuses(ask.size());
    db_->MultiGet(rocksdb::ReadOptions(), handles_[kEventIds], keys.size(), keys.data(),
                  values.data(), statuses.data());
    for (size_t k = 0; k < ask.size(); ++k) {
      if (statuses[k].IsNotFound()) continue;
      KASANE_RETURN_IF_ERROR(FromRocks(statuses[k], "reading the id index"));
      if (values[k].size() != 8) return DataLoss("id index entry is not 8 bytes");
      known[ask[k]] = KnownId{GetU64(values[k].ToStringView()), nullptr};
    }
    return known;
  }

  // An append whose ids are all known: the same content returns the original result.
  Result<AppendResult> Replay(const Request& r, const std::vector<KnownId>& known, Batch& b) {
    AppendResult result;
    result.replayed = true;
    for (size_t i = 0; i < r.events.size(); ++i) {
      const NewEvent& want = r.events[i];
      std::string stream;
      Version version;
      bool same;
      if (const PendingEvent* p = known[i].pending) {
        // Pending events are compared by re-encoding the retry where the original stands.
        WriteSlots(b);  // the original may be placed in this batch but not encoded yet
        KASANE_ASSIGN_OR_RETURN(std::optional<StreamInfo> info, SequencedStream(r.stream, b));
        if (!info || info->id != p->stream_id) {
          return AlreadyExists("event id " + want.id.ToString() +
                               " is already in the log in another stream");
        }
        stream = r.stream;
        version = p->version;
        std::string bytes = EncodeEnvelope(want, r.stream, p->version, p->position, p->recorded_at);
        same = HashLeaf(AsBytes(bytes)) == p->leaf;
        if (i == 0) result.recorded_at = p->recorded_at;
      } else {
        KASANE_ASSIGN_OR_RETURN(RecordedEvent have, ReadAt(known[i].position));
        stream = have.stream;
        version = have.version;
        same = have.SameContentAs(want);
        if (i == 0) result.recorded_at = have.recorded_at;
      }
      if (!same || stream != r.stream) {
        return AlreadyExists("event id " + want.id.ToString() +
                             " is already in the log with different content");
      }
      if (i == 0) {
        result.first_position = known[i].position;
        result.first_version = version;
      } else if (known[i].position != result.last_position + 1 ||
                 version != result.last_version + 1) {
        return InvalidArgument("these event ids were not appended together in this order");
      }
      result.last_position = known[i].position;
      result.last_version = version;
    }
    return result;
  }

  static std::span<const uint8_t> AsBytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  Status CheckExpected(const Request& r, const std::optional<StreamInfo>& info) {
    auto current = [&] {
      return info ? "its current version is " + std::to_string(info->head_version)
                  : std::string("it does not exist");
    };
    switch (r.expected.kind()) {
      case ExpectedVersion::Kind::kAny:
        return Status::Ok();
      case ExpectedVersion::Kind::kNoStream:
        if (!info) return Status::Ok();
        break;
      case ExpectedVersion::Kind::kStreamExists:
        if (info) return Status::Ok();
        break;
      case ExpectedVersion::Kind::kExact:
        if (info && info->head_version == r.expected.version()) return Status::Ok();
        break;
    }
    return Conflict("stream '" + r.stream + "' expected " + r.expected.ToString() + " but " +
                    current());
  }

  // Sequences one request into the batch, or refuses it without touching the batch.
  Result<AppendResult> ApplyRequest(Batch& b, const Request& r) {
    KASANE_ASSIGN_OR_RETURN(std::vector<std::optional<KnownId>> found, SequencedIds(r, b));
    std::vector<KnownId> known;
    for (const auto& k : found) {
      if (k) known.push_back(*k);
    }
    if (known.size() == r.events.size()) return Replay(r, known, b);
    if (!known.empty()) {
      return InvalidArgument("an append mixes event ids already in the log with new ones");
    }
    KASANE_ASSIGN_OR_RETURN(std::optional<StreamInfo> info, SequencedStream(r.stream, b));
    KASANE_RETURN_IF_ERROR(CheckExpected(r, info));

    StreamInfo next;
    Version version = 0;
    if (info) {
      next = *info;
      version = info->head_version + 1;
    } else {
      next.id = seq_head_.next_stream_id++;
      b.new_streams.emplace_back(r.stream, next.id);
    }
    UnixNanos now = std::max(options_.clock->Now(), seq_head_.last_recorded_at);
    seq_head_.last_recorded_at = now;
    AppendResult result;
    result.first_position = seq_head_.size;
    result.first_version = version;
    result.recorded_at = now;
    for (const auto& e : r.events) {
      Position position = seq_head_.size++;
      auto [it, inserted] = b.ids.emplace(e.id, PendingEvent{next.id, version, position, now, {}});
      b.slots.push_back(Slot{&e, &r.stream, version, position, now, &it->second, {}});
      next.head_version = version;
      next.head_position = position;
      ++version;
    }
    b.wb.Put(handles_[kStreamIndex], StreamIndexKey(next.id, result.first_version),
             StreamRunValue(result.first_position, r.events.size()));
    b.touched[r.stream] = next;
    result.last_position = seq_head_.size - 1;
    result.last_version = version - 1;
    return result;
  }

  EventLogOptions options_;
  std::unique_ptr<Clock> owned_clock_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<NoteSigner> signer_;
  std::string verifier_key_;
  std::unique_ptr<SubjectKeyStore> keys_;  // set by Open

  // The append queue and the hand-off between the two writer threads.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;            // wakes the sequencer
  std::condition_variable commit_cv_;           // wakes the committer
  std::deque<std::unique_ptr<Request>> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;                       // GUARDED_BY(queue_mu_)
  bool committing_ = false;                     // GUARDED_BY(queue_mu_)
  bool sequencer_done_ = false;                 // GUARDED_BY(queue_mu_)
  std::unique_ptr<Batch> handoff_;              // GUARDED_BY(queue_mu_)
  std::thread sequencer_;
  std::thread committer_;

  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> queued_{
      0};  // appends ever queued; lets the sequencer spin without the lock
  mutable std::atomic<uint64_t> refused_for_space_{0};
  // Why appends are refused once failed_ is set: written in Open, or by the commit that failed
  // (before failed_ is set).
  mutable std::mutex failure_mu_;
  std::string failure_ =
      "the log stopped accepting writes after a failed commit";  // GUARDED_BY(failure_mu_)

  // Owned by the sequencer thread: the state including sequenced but uncommitted batches.
  HeadRecord seq_head_;
  MerkleFrontier frontier_;
  std::unordered_map<std::string, StreamInfo> stream_cache_;
  PendingIds inflight_ids_;  // ids of the batch the committer holds

  // The committed head, for readers.
  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  std::atomic<uint64_t> committed_size_{0};
  Hash committed_root_{};  // GUARDED_BY(head_mu_)
  bool closed_ = false;    // GUARDED_BY(head_mu_)

  // The committed heads of the streams written since the log opened, for GetStreamHead: the
  // committer sets them after each commit, before answering its callers (so a caller reads its
  // own append); readers never insert (a head read from the database could be older than one the
  // committer sets meanwhile). A miss reads the database. Without it every command and case
  // read paid a snapshot, a stream lookup and an iterator seek per stream head (4% of the CPU
  // of `kasane bench http`).
  mutable std::shared_mutex heads_mu_;
  std::unordered_map<std::string, StreamHead> committed_heads_;  // GUARDED_BY(heads_mu_)
};

Result<VerifyReport> EventLog::Impl::Verify(
    const std::function<void(uint64_t, uint64_t)>& progress) const {
  VerifyReport report;
  auto problem = [&](std::string p) {
    if (report.problems.size() < 100) report.problems.push_back(std::move(p));
  };
  const rocksdb::Snapshot* snap = db_->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() { db->ReleaseSnapshot(s); }
  } release{db_.get(), snap};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;

  std::string head_bytes;
  KASANE_RETURN_IF_ERROR(
      FromRocks(db_->Get(ro, handles_[kMeta], kMetaHead, &head_bytes), "reading the head"));
  KASANE_ASSIGN_OR_RETURN(HeadRecord head, HeadRecord::Decode(head_bytes));

  // Checkpoints: each must carry a valid signature by this folder's key; its root is compared
  // with the recomputed root at its size below.
  KASANE_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(verifier_key_));
  std::map<uint64_t, Hash> checkpoint_roots;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kCheckpoints]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) {
        problem("a checkpoint is stored under a malformed key");
        continue;
      }
      uint64_t size = GetU64(it->key().ToStringView());
      auto text = OpenNote(it->value().ToStringView(), verifier);
      if (!text.ok()) {
        problem("checkpoint at size " + std::to_string(size) + ": " + text.status().message());
        continue;
      }
      auto cp = eventstore::Checkpoint::Parse(*text);
      if (!cp.ok() || cp->size != size || cp->origin != options_.origin) {
        problem("checkpoint at size " + std::to_string(size) +
                " does not parse or does not match its key");
        continue;
      }
      if (size > head.size) {
        problem("checkpoint at size " + std::to_string(size) + " is beyond the head");
        continue;
      }
      checkpoint_roots[size] = cp->root;
    }
    KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  }
  auto check_checkpoint = [&](uint64_t size, const Hash& root) {
    auto it = checkpoint_roots.find(size);
    if (it == checkpoint_roots.end()) return;
    ++report.checkpoints_checked;
    if (it->second != root) {
      problem("the signed checkpoint at size " + std::to_string(size) +
              " does not match the root recomputed from the events: history was altered");
    }
  };

  MerkleFrontier frontier;
  check_checkpoint(0, frontier.Root());
  struct StreamSeen {
    uint64_t id = 0;
    Version next_version = 0;
    Position last_position = 0;
  };
  std::unordered_map<std::string, StreamSeen> streams;
  std::unordered_map<uint64_t, std::string> stream_ids;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_[kEvents]));
  std::unique_ptr<rocksdb::Iterator> stream_index(db_->NewIterator(ro, handles_[kStreamIndex]));
  Position expect = 0;
  UnixNanos last_recorded_at = std::numeric_limits<UnixNanos>::min();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expect) {
    if (it->key().size() != 8 || GetU64(it->key().ToStringView()) != expect) {
      problem("the log has a gap or a foreign key at position " + std::to_string(expect));
      break;
    }
    std::string_view bytes = it->value().ToStringView();
    Hash leaf = HashLeaf(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    auto decoded = DecodeEnvelope(bytes);
    if (!decoded.ok()) {
      problem("event " + std::to_string(expect) + ": " + decoded.status().message());
    } else {
      const RecordedEvent& e = *decoded;
      if (e.recorded_at < last_recorded_at) {
        problem("event " + std::to_string(expect) + " was recorded before the event preceding it");
      }
      last_recorded_at = e.recorded_at;
      if (e.position != expect) {
        problem("event " + std::to_string(expect) + " claims position " +
                std::to_string(e.position));
      }
      // Id index.
      std::string pos;
      rocksdb::Status s = db_->Get(ro, handles_[kEventIds], IdKey(e.id), &pos);
      if (!s.ok() || pos.size() != 8 || GetU64(pos) != expect) {
        problem("the id index does not point event " + e.id.ToString() + " at position " +
                std::to_string(expect));
      }
      // Stream index and versions.
      auto [sit, inserted] = streams.try_emplace(e.stream);
      if (inserted) {
        auto info = LookupStream(ro, e.stream);
        if (!info.ok()) {
          problem("stream '" + e.stream + "' of event " + std::to_string(expect) +
                  " has no record");
        } else {
          sit->second.id = info->id;
          if (!stream_ids.emplace(info->id, e.stream).second) {
            problem("two streams share id " + std::to_string(info->id));
          }
        }
      }
      StreamSeen& seen = sit->second;
      if (e.version != seen.next_version) {
        problem("event " + std::to_string(expect) + " has version " + std::to_string(e.version) +
                " in '" + e.stream + "', expected " + std::to_string(seen.next_version));
      }
      auto run = RunContaining(*stream_index, seen.id, e.version);
      if (!run.ok() || run->first_position + (e.version - run->first_version) != expect) {
        problem("the stream index does not point '" + e.stream + "'@" + std::to_string(e.version) +
                " at position " + std::to_string(expect));
      }
      seen.next_version = e.version + 1;
      seen.last_position = expect;
    }
    frontier.Append(leaf, [&](uint32_t level, uint64_t index, const Hash& h) {
      if (!IsStoredLevel(level)) return;  // not stored: folded from what is checked here
      ++report.nodes_checked;
      auto stored = GetStoredNode(ro, level, index);
      if (!stored.ok() || *stored != h) {
        problem("Merkle node " + std::to_string(level) + "/" + std::to_string(index) + " (events " +
                std::to_string(index << level) + ".." + std::to_string(((index + 1) << level) - 1) +
                ") does not match the stored events");
      }
    });
    ++report.events_checked;
    check_checkpoint(frontier.size(), frontier.Root());
    if (progress && (expect % 65536 == 0)) progress(expect, head.size);
  }
  KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the log"));
  if (progress) progress(report.events_checked, head.size);

  if (report.events_checked != head.size) {
    problem("the head says " + std::to_string(head.size) + " events but the log holds " +
            std::to_string(report.events_checked));
  }
  if (Status edges = CheckHeadAgainstLog(ro, head); !edges.ok()) problem(edges.message());
  if (frontier.Root() != head.root) {
    problem("the stored tree head does not match the root recomputed from the events");
  }
  for (const auto& [size, root] : checkpoint_roots) {
    if (size > report.events_checked)
      problem("checkpoint at size " + std::to_string(size) + " has no events");
  }

  // Reverse direction: every index entry must belong to an event seen above.
  auto count_cf = [&](Cf cf) -> Result<uint64_t> {
    rocksdb::ReadOptions scan = ro;
    scan.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> cit(db_->NewIterator(scan, handles_[cf]));
    uint64_t n = 0;
    for (cit->SeekToFirst(); cit->Valid(); cit->Next()) ++n;
    KASANE_RETURN_IF_ERROR(FromRocks(cit->status(), "counting an index"));
    return n;
  };
  KASANE_ASSIGN_OR_RETURN(uint64_t ids, count_cf(kEventIds));
  if (ids != report.events_checked)
    problem("the id index holds entries for events that do not exist");
  {
    // Every event was found in a run above. Each run must also be well formed and belong to a
    // stream seen in the log, and each stream's runs must tile its versions from 0 to its last
    // one without gap or overlap: then the runs describe the log exactly.
    std::unique_ptr<rocksdb::Iterator> rit(db_->NewIterator(ro, handles_[kStreamIndex]));
    uint64_t current_id = 0;
    Version next_version = 0;
    const StreamSeen* current = nullptr;
    auto close_stream = [&] {
      if (current != nullptr && next_version != current->next_version) {
        problem("the stream index runs of stream id " + std::to_string(current_id) +
                " do not end at its last version");
      }
    };
    for (rit->SeekToFirst(); rit->Valid(); rit->Next()) {
      std::string_view key = rit->key().ToStringView(), value = rit->value().ToStringView();
      if (key.size() != 16 || value.size() != 16) {
        problem("a stream index entry is malformed");
        continue;
      }
      uint64_t id = GetU64(key), first_version = GetU64(key, 8);
      uint64_t first_position = GetU64(value), count = GetU64(value, 8);
      if (current == nullptr || id != current_id) {
        close_stream();
        auto name = stream_ids.find(id);
        current = name == stream_ids.end() ? nullptr : &streams.at(name->second);
        current_id = id;
        next_version = 0;
        if (current == nullptr) {
          problem("a stream index run belongs to stream id " + std::to_string(id) +
                  ", which has no events");
          continue;
        }
      }
      if (current == nullptr) continue;
      if (count == 0 || first_version != next_version || first_position >= head.size ||
          count > head.size - first_position) {
        problem("a stream index run of stream id " + std::to_string(id) + " at version " +
                std::to_string(first_version) + " is out of place");
      }
      next_version = first_version + count;
    }
    close_stream();
    KASANE_RETURN_IF_ERROR(FromRocks(rit->status(), "reading the stream index"));
  }
  KASANE_ASSIGN_OR_RETURN(uint64_t nodes, count_cf(kMerkle));
  if (nodes != report.nodes_checked)
    problem("the Merkle tree holds nodes for leaves that do not exist");
  {
    std::unique_ptr<rocksdb::Iterator> sit(db_->NewIterator(ro, handles_[kStreams]));
    for (sit->SeekToFirst(); sit->Valid(); sit->Next()) {
      ++report.streams_checked;
      std::string name = sit->key().ToString();
      auto info = LookupStream(ro, name);
      auto seen = streams.find(name);
      if (!info.ok() || seen == streams.end() || seen->second.next_version == 0 ||
          info->head_version + 1 != seen->second.next_version ||
          info->head_position != seen->second.last_position || info->id != seen->second.id) {
        problem("the head of stream '" + name + "' does not match its events");
      }
      if (info.ok() && info->id >= head.next_stream_id)
        problem("stream '" + name + "' has an unallocated id");
    }
    KASANE_RETURN_IF_ERROR(FromRocks(sit->status(), "reading streams"));
    if (report.streams_checked != streams.size()) problem("some streams have events but no record");
  }
  return report;
}

namespace {

namespace fs = std::filesystem;

// True when `dir` does not exist or is an empty folder.
Result<bool> IsAbsentOrEmpty(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  if (!fs::is_directory(dir, ec)) return false;
  return fs::is_empty(dir, ec);
}

// Copies `from` to `to` (which must not exist) and fsyncs the copy.
Status CopyFileSynced(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return IoError("cannot read " + from.string());
  std::stringstream buf;
  buf << in.rdbuf();
  std::string content = buf.str();
  struct stat st {};
  mode_t mode = ::stat(from.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
  Status s = CreateFileAtomically(to, content, mode);
  std::fill(content.begin(), content.end(), '\0');
  return s;
}

// Copies every file under `from` into `to` (created), fsyncing files and folders.
Status CopyTreeSynced(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create " + to.string() + ": " + ec.message());
  // Error-code iteration throughout: std::filesystem's range-for throws on a failed step.
  for (fs::directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    fs::path target = to / it->path().filename();
    fs::file_status status = it->status(ec);
    if (ec) break;
    if (fs::is_directory(status)) {
      KASANE_RETURN_IF_ERROR(CopyTreeSynced(it->path(), target));
    } else if (fs::is_regular_file(status)) {
      KASANE_RETURN_IF_ERROR(CopyFileSynced(it->path(), target));
    }
  }
  if (ec) return IoError("cannot list " + from.string() + ": " + ec.message());
  return SyncDir(to);
}

}  // namespace

Status EventLog::Impl::Backup(const std::string& to_dir) const {
  fs::path to(to_dir);
  KASANE_ASSIGN_OR_RETURN(bool empty, IsAbsentOrEmpty(to));
  if (!empty) return InvalidArgument("the backup folder " + to.string() + " is not empty");
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create " + to.string() + ": " + ec.message());
  // No erasure between the database copy and the ledger copy: the ledger then names every
  // subject whose key the copied database no longer holds (and perhaps a few it still holds,
  // which the restored log destroys again when it opens).
  auto paused = keys_->PauseErasures();
  rocksdb::Checkpoint* raw = nullptr;
  KASANE_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  KASANE_RETURN_IF_ERROR(
      FromRocks(checkpoint->CreateCheckpoint((to / kDbDir).string()), "copying the database"));
  fs::path dir(options_.dir);
  for (const char* name : {kSigningKeyFile, kMasterKeyFile, kErasureLedgerFile}) {
    if (fs::exists(dir / name, ec)) {
      KASANE_RETURN_IF_ERROR(CopyFileSynced(dir / name, to / name));
    }
  }
  int dfd = ::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status EventLog::RestoreBackup(const std::string& from_dir, const std::string& dir,
                               const std::vector<std::string>& extra_ledgers,
                               const std::vector<std::string>& foreign) {
  fs::path from(from_dir), to(dir);
  std::error_code ec;
  if (!fs::is_directory(from / kDbDir, ec) || !fs::exists(from / kSigningKeyFile, ec)) {
    return InvalidArgument(from.string() + " is not a kasane backup (no log/ or signing.key)");
  }
  // The target may hold what outlives a lost database: its erasure ledger, which is kept (so
  // erasures made after the backup are not undone), and its key files, which must be the
  // backup's own. Anything else, a database above all, is refused.
  bool kept_ledger = false;
  if (fs::exists(to, ec)) {
    for (fs::directory_iterator it(to, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      std::string name = entry.path().filename().string();
      if (name == kErasureLedgerFile) {
        kept_ledger = true;
      } else if (name == std::string(kDbDir) + ".partial") {
        continue;  // left by a restore that did not finish; replaced below
      } else if (std::find(foreign.begin(), foreign.end(), name) != foreign.end()) {
        continue;  // the caller's (e.g. the projections' views), left as it is
      } else if (name == kSigningKeyFile || name == kMasterKeyFile) {
        std::ifstream a(entry.path(), std::ios::binary), b(from / name, std::ios::binary);
        std::string mine((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
        std::string theirs((std::istreambuf_iterator<char>(b)), std::istreambuf_iterator<char>());
        if (mine != theirs) {
          return InvalidArgument("the data folder's " + name + " is not the backup's: " +
                                 to.string() + " belongs to another store");
        }
      } else {
        return InvalidArgument("the data folder " + to.string() + " is not empty (it holds " +
                               name + "); move the damaged database away first");
      }
    }
    if (ec) return IoError("cannot list " + to.string() + ": " + ec.message());
  }
  // Read every ledger before copying anything, so that a bad one changes nothing.
  KASANE_ASSIGN_OR_RETURN(
      std::vector<std::string> ledger,
      ReadErasureLedger((from / kErasureLedgerFile).string(), LedgerTail::kKeepUnterminated));
  std::unordered_set<std::string> seen(ledger.begin(), ledger.end());
  std::vector<std::string> to_merge = extra_ledgers;
  if (kept_ledger) to_merge.push_back((to / kErasureLedgerFile).string());
  for (const auto& extra : to_merge) {
    if (!fs::exists(extra, ec)) return NotFound("the erasure ledger " + extra + " does not exist");
    KASANE_ASSIGN_OR_RETURN(std::vector<std::string> more,
                            ReadErasureLedger(extra, LedgerTail::kKeepUnterminated));
    for (auto& subject : more) {
      if (seen.insert(subject).second) ledger.push_back(std::move(subject));
    }
  }
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create " + to.string() + ": " + ec.message());
  // The ledger first: if restore stops half-way, the folder already says what stays erased.
  if (!ledger.empty()) {
    fs::path merged = to / (std::string(kErasureLedgerFile) + ".restore");
    fs::remove(merged, ec);
    KASANE_RETURN_IF_ERROR(WriteErasureLedger(merged.string(), ledger));
    fs::rename(merged, to / kErasureLedgerFile, ec);
    if (ec) return IoError("cannot replace the erasure ledger: " + ec.message());
    KASANE_RETURN_IF_ERROR(SyncDir(to));
  }
  // The database is copied under another name and renamed when whole, so a restore that stops
  // half-way leaves no `log/` that looks like a database (and can simply be run again).
  fs::path partial = to / (std::string(kDbDir) + ".partial");
  fs::remove_all(partial, ec);
  if (ec) return IoError("cannot remove " + partial.string() + ": " + ec.message());
  KASANE_RETURN_IF_ERROR(CopyTreeSynced(from / kDbDir, partial));
  // Key files before the rename: once `log/` exists, everything it needs is beside it.
  for (const char* name : {kSigningKeyFile, kMasterKeyFile}) {
    if (fs::exists(from / name, ec) && !fs::exists(to / name, ec)) {
      KASANE_RETURN_IF_ERROR(CopyFileSynced(from / name, to / name));
    }
  }
  fs::rename(partial, to / kDbDir, ec);
  if (ec) return IoError("cannot move the restored database into place: " + ec.message());
  KASANE_RETURN_IF_ERROR(SyncDir(to));
  return Status::Ok();
}

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventLog::~EventLog() = default;

Result<std::unique_ptr<EventLog>> EventLog::Open(EventLogOptions options) {
  if (options.dir.empty()) return InvalidArgument("the data folder is not set");
  auto impl = std::make_unique<Impl>(std::move(options));
  KASANE_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

Result<AppendResult> EventLog::Append(const std::string& stream, ExpectedVersion expected,
                                      std::vector<NewEvent> events) {
  return impl_->Append(stream, expected, std::move(events), AppendOptions{});
}
Result<AppendResult> EventLog::Append(const std::string& stream, ExpectedVersion expected,
                                      std::vector<NewEvent> events,
                                      const AppendOptions& append_options) {
  return impl_->Append(stream, expected, std::move(events), append_options);
}
StorageHealth EventLog::Storage() const { return impl_->Storage(); }
Result<RecordedEvent> EventLog::ReadAt(Position position) const { return impl_->ReadAt(position); }
Result<std::vector<RecordedEvent>> EventLog::ReadAll(Position from, size_t limit) const {
  return impl_->ReadAll(from, limit);
}
Result<std::vector<RecordedEvent>> EventLog::ReadStream(const std::string& stream, Version from,
                                                        Direction direction, size_t limit) const {
  return impl_->ReadStream(stream, from, direction, limit);
}
Result<StreamHead> EventLog::GetStreamHead(const std::string& stream) const {
  return impl_->GetStreamHead(stream);
}
Result<RecordedEvent> EventLog::ReadById(const EventId& id) const { return impl_->ReadById(id); }
uint64_t EventLog::Size() const { return impl_->Size(); }
uint64_t EventLog::WaitForSizeAbove(uint64_t after, std::chrono::milliseconds timeout) const {
  return impl_->WaitForSizeAbove(after, timeout);
}
TreeHead EventLog::Head() const { return impl_->Head(); }
Result<Hash> EventLog::RootAt(uint64_t size) const { return impl_->RootAt(size); }
Result<std::vector<Hash>> EventLog::InclusionProof(Position position, uint64_t size) const {
  return impl_->InclusionProof(position, size);
}
Result<std::vector<Hash>> EventLog::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  return impl_->ConsistencyProof(size1, size2);
}
Result<std::string> EventLog::Checkpoint() { return impl_->Checkpoint(); }
Result<std::string> EventLog::LatestCheckpoint() const { return impl_->LatestCheckpoint(); }
const std::string& EventLog::VerifierKey() const { return impl_->VerifierKey(); }
const std::string& EventLog::Origin() const { return impl_->Origin(); }
Result<VerifyReport> EventLog::Verify(
    const std::function<void(uint64_t, uint64_t)>& progress) const {
  return impl_->Verify(progress);
}

Result<SealedPart> EventLog::Seal(const EventId& event_id, const std::string& subject,
                                  const std::string& path, std::string_view plaintext) {
  // A first use of the subject writes its key: held to the ordinary reserve like an append. A
  // subject whose key is cached writes nothing, so the file system is not probed (a statvfs
  // per sealed part cost about a tenth of a sealed 100-event batch).
  bool refused_for_space = false;
  auto sealed = impl_->keys().Seal(event_id, subject, path, plaintext, [&] {
    Status space = impl_->CheckSpace(/*priority=*/false, 4096 + plaintext.size());
    refused_for_space = !space.ok();
    return space;
  });
  // Writing a new subject's key failed in the database: the log stops as for a failed commit.
  // A refusal for space wrote nothing and leaves the log running.
  if (!sealed.ok() && !refused_for_space &&
      (sealed.status().code() == StatusCode::kIoError ||
       sealed.status().code() == StatusCode::kResourceExhausted)) {
    impl_->MarkFailed(sealed.status());
  }
  return sealed;
}
Result<std::optional<std::string>> EventLog::Unseal(const EventId& event_id,
                                                    const SealedPart& part) const {
  return impl_->keys().Unseal(event_id, part);
}
Status EventLog::EraseSubject(const std::string& subject) { return impl_->keys().Erase(subject); }
bool EventLog::IsErased(const std::string& subject) const {
  return impl_->keys().IsErased(subject);
}
Status EventLog::Backup(const std::string& to_dir) const { return impl_->Backup(to_dir); }
Result<std::optional<std::string>> EventLog::TEST_StoredSubjectKey(
    const std::string& subject) const {
  return impl_->keys().TEST_StoredRecord(subject);
}

}  // namespace kasane::eventstore

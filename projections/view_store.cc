#include "projections/view_store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <vector>

namespace kasane::projections {
namespace {

// RocksDB's diagnostics go to stderr, not a `LOG` file in the views folder: on a full disk that
// file fails, and Debian's RocksDB 7.8 (assertions on) aborts on the next line written to it
// (see eventstore/rocks_util.h, StderrLogger).
class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    vsnprintf(line, sizeof(line), format, ap);
    std::fprintf(stderr, "rocksdb (views): %s\n", line);
  }
};

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) return ResourceExhausted(what + ": no space left: " + s.ToString());
  if (s.IsCorruption()) return DataLoss(what + ": " + s.ToString());
  return IoError(what + ": " + s.ToString());
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBE(std::string_view s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

std::string StateKey(uint32_t gen, std::string_view key) {
  std::string k;
  k.reserve(5 + key.size());
  k.push_back('s');
  PutU32(&k, gen);
  k.append(key);
  return k;
}
std::string CheckpointKey(uint32_t gen) {
  std::string k = "c";
  PutU32(&k, gen);
  return k;
}
std::string MetaKey(std::string_view name) { return "m" + std::string(name); }
const std::string kNextGenerationKey = "n";

// The memtable insert hint's prefix: a state key up to the 0 byte that ends its first id
// ("s" gen tag id \0). Timeline entries and register lines of one id arrive in position order,
// so each insert lands next to the previous one of its prefix (RocksDB keeps a hint per prefix).
class IdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "kasane.views.IdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), End(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return End(key) != 0; }

 private:
  // The length of the prefix, 0 when the key has none.
  static size_t End(const rocksdb::Slice& key) {
    constexpr size_t kIdStart = 6;  // 's', 4 bytes of generation, the projection's tag
    if (key.size() <= kIdStart || key[0] != 's') return 0;
    const void* zero = memchr(key.data() + kIdStart, 0, key.size() - kIdStart);
    return zero == nullptr ? 0
                           : static_cast<size_t>(static_cast<const char*>(zero) - key.data()) + 1;
  }
};

}  // namespace

Result<std::optional<std::string>> Changes::Get(std::string_view key) const {
  const std::string k(key);
  auto it = writes_.find(k);
  if (it != writes_.end()) return it->second;
  if (previous_ != nullptr) {
    auto p = previous_->writes_.find(k);
    if (p != previous_->writes_.end()) return p->second;
  }
  return store_->Get(generation_, key);
}

class ViewStore::Impl {
 public:
  std::unique_ptr<rocksdb::DB> db;
  std::mutex generation_mu;
  // Set when a write failed: RocksDB then refuses every write (its background-error state) until
  // resumed, so the next Commit resumes first. The views are derived data written with their
  // checkpoint in one batch, so resuming after a full disk loses nothing: the engine applies the
  // failed chunk again.
  std::atomic<bool> needs_resume{false};
};

ViewStore::ViewStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ViewStore::~ViewStore() = default;

Result<std::unique_ptr<ViewStore>> ViewStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.info_log = std::make_shared<StderrLogger>();
  options.IncreaseParallelism(2);
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.compression = rocksdb::kNoCompression;
  options.memtable_insert_with_hint_prefix_extractor = std::make_shared<IdPrefix>();
  rocksdb::DB* db = nullptr;
  KASANE_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, dir, &db), "opening views " + dir));
  auto impl = std::make_unique<Impl>();
  impl->db.reset(db);
  return std::unique_ptr<ViewStore>(new ViewStore(std::move(impl)));
}

Result<std::optional<ViewStore::Meta>> ViewStore::GetMeta(std::string_view name) const {
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), MetaKey(name), &v);
  if (s.IsNotFound()) return std::optional<Meta>();
  KASANE_RETURN_IF_ERROR(FromRocks(s, "reading projection meta"));
  if (v.size() != 8) return DataLoss("projection meta of " + std::string(name) + " is malformed");
  return std::optional<Meta>(
      Meta{static_cast<uint32_t>(GetBE(v, 0, 4)), static_cast<uint32_t>(GetBE(v, 4, 4))});
}

Result<uint32_t> ViewStore::NewGeneration() {
  std::lock_guard<std::mutex> lock(impl_->generation_mu);
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), kNextGenerationKey, &v);
  uint32_t next = 1;
  if (s.ok() && v.size() == 4) {
    next = static_cast<uint32_t>(GetBE(v, 0, 4));
  } else if (!s.IsNotFound()) {
    KASANE_RETURN_IF_ERROR(FromRocks(s, "reading the generation counter"));
    return DataLoss("the generation counter is malformed");
  }
  std::string nv;
  PutU32(&nv, next + 1);
  KASANE_RETURN_IF_ERROR(FromRocks(impl_->db->Put(rocksdb::WriteOptions(), kNextGenerationKey, nv),
                                   "writing the generation counter"));
  return next;
}

Result<uint64_t> ViewStore::GetCheckpoint(uint32_t gen) const {
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), CheckpointKey(gen), &v);
  if (s.IsNotFound()) return uint64_t{0};
  KASANE_RETURN_IF_ERROR(FromRocks(s, "reading a projection checkpoint"));
  if (v.size() != 8) return DataLoss("a projection checkpoint is malformed");
  return GetBE(v, 0, 8);
}

Result<std::optional<std::string>> ViewStore::Get(uint32_t gen, std::string_view key) const {
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), StateKey(gen, key), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  KASANE_RETURN_IF_ERROR(FromRocks(s, "reading a view"));
  return std::optional<std::string>(std::move(v));
}

Status ViewStore::Scan(uint32_t gen, std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& fn) const {
  return ScanFrom(gen, prefix, prefix, fn);
}

Status ViewStore::ScanFrom(
    uint32_t gen, std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  const std::string full_prefix = StateKey(gen, prefix);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(StateKey(gen, start)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(full_prefix)) break;
    k.remove_prefix(5);
    if (!fn(std::string_view(k.data(), k.size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scanning a view");
}

Status ViewStore::Commit(std::span<const GenerationCommit> commits,
                         const std::map<std::string, Meta>& activate) {
  rocksdb::WriteBatch batch;
  for (const GenerationCommit& c : commits) {
    const uint32_t gen = c.changes->generation();
    for (const auto& [key, value] : c.changes->new_writes()) batch.Put(StateKey(gen, key), value);
    for (const auto& [key, value] : c.changes->writes()) {
      if (value.has_value()) {
        batch.Put(StateKey(gen, key), *value);
      } else {
        batch.Delete(StateKey(gen, key));
      }
    }
    std::string v;
    PutU64(&v, c.checkpoint);
    batch.Put(CheckpointKey(gen), v);
  }
  for (const auto& [name, meta] : activate) {
    std::string v;
    PutU32(&v, meta.generation);
    PutU32(&v, meta.schema);
    batch.Put(MetaKey(name), v);
  }
  if (impl_->needs_resume.load()) {
    KASANE_RETURN_IF_ERROR(
        FromRocks(impl_->db->Resume(), "resuming the views after a failed write"));
    impl_->needs_resume.store(false);
  }
  rocksdb::Status s = impl_->db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) impl_->needs_resume.store(true);
  return FromRocks(s, "writing views");
}

Status ViewStore::DropGeneration(uint32_t gen) {
  rocksdb::WriteBatch batch;
  std::string begin = StateKey(gen, ""), end = StateKey(gen + 1, "");
  batch.DeleteRange(begin, end);
  batch.Delete(CheckpointKey(gen));
  KASANE_RETURN_IF_ERROR(
      FromRocks(impl_->db->Write(rocksdb::WriteOptions(), &batch), "dropping a generation"));
  rocksdb::Slice b(begin), e(end);
  return FromRocks(impl_->db->CompactRange(rocksdb::CompactRangeOptions(), &b, &e),
                   "compacting a dropped generation");
}

Result<std::vector<uint32_t>> ViewStore::OrphanGenerations() const {
  std::set<uint32_t> active;
  std::vector<uint32_t> orphans;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("m"); it->Valid() && it->key().starts_with("m"); it->Next()) {
    if (it->value().size() == 8) {
      active.insert(static_cast<uint32_t>(GetBE(std::string_view(it->value().data(), 8), 0, 4)));
    }
  }
  for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) {
    if (it->key().size() != 5) continue;
    const auto gen = static_cast<uint32_t>(GetBE(std::string_view(it->key().data(), 5), 1, 4));
    if (!active.contains(gen)) orphans.push_back(gen);
  }
  KASANE_RETURN_IF_ERROR(FromRocks(it->status(), "listing generations"));
  return orphans;
}

Result<std::vector<std::pair<std::string, std::string>>> ViewStore::Dump(uint32_t gen) const {
  std::vector<std::pair<std::string, std::string>> out;
  KASANE_RETURN_IF_ERROR(Scan(gen, "", [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  }));
  return out;
}

}  // namespace kasane::projections

// Opens a log's database with RocksDB's own API, as an insider with file access could, so tests
// can alter what the log wrote and show that verification notices.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eventstore/envelope_codec.h"

namespace kasane::eventstore::testing {

class RawDb {
 public:
  // `data_dir` is the log's data folder; the database is in its `log/` folder.
  explicit RawDb(const std::string& data_dir) {
    std::string path = data_dir + "/log";
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, cfs, &handles_, &db).ok());
    db_.reset(db);
    for (size_t i = 0; i < names.size() && i < handles_.size(); ++i)
      by_name_[names[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) { return by_name_.at(name); }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

inline std::string PositionKey(uint64_t p) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, p >>= 8) k[i] = static_cast<char>(p & 0xff);
  return k;
}

// Replaces the payload of the event at `position` with a valid, canonical envelope that keeps its
// id, stream, version and position: only the content changes, as a forger would do it.
inline ::testing::AssertionResult RewriteEventPayload(const std::string& data_dir,
                                                      uint64_t position,
                                                      const std::string& payload) {
  RawDb raw(data_dir);
  std::string bytes;
  if (!raw.db()->Get({}, raw.cf("events"), PositionKey(position), &bytes).ok()) {
    return ::testing::AssertionFailure() << "no event at " << position;
  }
  auto event = DecodeEnvelope(bytes);
  if (!event.ok()) return ::testing::AssertionFailure() << event.status().ToString();
  event->payload = payload;
  if (!raw.db()->Put({}, raw.cf("events"), PositionKey(position), EncodeEnvelope(*event)).ok()) {
    return ::testing::AssertionFailure() << "put failed";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace kasane::eventstore::testing

// FaultFs: a RocksDB file system that fails writes on demand, to prove what the log does when
// fsync fails or the disk fills up (tests/eventstore/fault_fs_test.cc,
// tests/e2e/full_disk_test.cc).
//
// Wraps the default file system. Every writable file it opens checks the current fault on each
// call: kSync fails Sync/Fsync/RangeSync with IOError (a failed fsync: the data may or may not
// be on disk), kNoSpace fails Append/PositionedAppend with NoSpace (ENOSPC) and Sync too (a
// full disk). Files opened before the fault was set are affected as well (the WAL is).
//
// Thread-safety: the fault is an atomic; the file system is used by RocksDB from many threads.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace kasane::eventstore::testing {

class FaultFs final : public rocksdb::FileSystemWrapper {
 public:
  enum class Fault { kNone, kSync, kNoSpace };

  FaultFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "KasaneFaultFs"; }

  void Set(Fault f) { fault_.store(f); }
  Fault fault() const { return fault_.load(); }
  // Calls that failed because of an injected fault.
  uint64_t injected() const { return injected_.load(); }

  // An Env over this file system, for EventLogOptions::TEST_env. Keeps `fs` alive.
  static std::shared_ptr<rocksdb::Env> EnvOver(const std::shared_ptr<FaultFs>& fs) {
    return std::shared_ptr<rocksdb::Env>(rocksdb::NewCompositeEnv(fs).release());
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    if (fault() == Fault::kNoSpace) return NoSpace();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) result->reset(new File(std::move(file), this));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, &file, dbg);
    if (s.ok()) result->reset(new File(std::move(file), this));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->ReuseWritableFile(name, old, options, &file, dbg);
    if (s.ok()) result->reset(new File(std::move(file), this));
    return s;
  }

 private:
  rocksdb::IOStatus NoSpace() {
    injected_.fetch_add(1);
    return rocksdb::IOStatus::NoSpace("injected: no space left on device");
  }
  rocksdb::IOStatus SyncFailed() {
    injected_.fetch_add(1);
    return rocksdb::IOStatus::IOError("injected: fsync failed");
  }

  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, FaultFs* fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fault() == Fault::kNoSpace) return fs_->NoSpace();
      return target()->Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fault() == Fault::kNoSpace) return fs_->NoSpace();
      return target()->Append(data, o, v, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_->fault() == Fault::kNoSpace) return fs_->NoSpace();
      return target()->PositionedAppend(data, offset, o, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                       const rocksdb::IOOptions& o,
                                       const rocksdb::DataVerificationInfo& v,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_->fault() == Fault::kNoSpace) return fs_->NoSpace();
      return target()->PositionedAppend(data, offset, o, v, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (Status s = Check(); s != Status::kOk) return Fail(s);
      return target()->Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (Status s = Check(); s != Status::kOk) return Fail(s);
      return target()->Fsync(o, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t n, const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (Status s = Check(); s != Status::kOk) return Fail(s);
      return target()->RangeSync(offset, n, o, dbg);
    }

   private:
    enum class Status { kOk, kSync, kNoSpace };
    Status Check() const {
      switch (fs_->fault()) {
        case Fault::kNone:
          return Status::kOk;
        case Fault::kSync:
          return Status::kSync;
        case Fault::kNoSpace:
          return Status::kNoSpace;
      }
      return Status::kOk;
    }
    rocksdb::IOStatus Fail(Status s) {
      return s == Status::kSync ? fs_->SyncFailed() : fs_->NoSpace();
    }
    FaultFs* fs_;
  };

  std::atomic<Fault> fault_{Fault::kNone};
  std::atomic<uint64_t> injected_{0};
};

}  // namespace kasane::eventstore::testing

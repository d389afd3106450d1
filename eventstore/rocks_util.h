// How eventstore talks to RocksDB in one voice: the mapping of RocksDB statuses to kasane's, and
// the write options of a durable write. Included only by eventstore's own .cc files.
//
// Thread-safety: stateless functions.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/status.h>

#include <cstdarg>
#include <cstdio>
#include <memory>
#include <string>

#include "base/status.h"

namespace kasane::eventstore {

// OK stays OK; otherwise `what` plus RocksDB's message, as kNotFound, kResourceExhausted (no
// space left), kDataLoss (corruption) or kIoError (anything else).
inline Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return NotFound(what + ": not found");
  if (s.IsNoSpace()) return ResourceExhausted(what + ": no space left: " + s.ToString());
  if (s.IsCorruption()) return DataLoss(what + ": " + s.ToString());
  return IoError(what + ": " + s.ToString());
}

// RocksDB's own diagnostics, to stderr (the service's journal) instead of a `LOG` file in the
// database folder. On a full disk that file fails too, and Debian's RocksDB 7.8 (built with
// assertions) aborts the process on the next line it writes to a file writer that already
// failed (WritableFileWriter::AssertFalseAndGetStatusForPrevError), which a full-disk test
// reproduces. Diagnostics must not need disk space.
class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger(std::string prefix, rocksdb::InfoLogLevel level)
      : rocksdb::Logger(level), prefix_(std::move(prefix)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    vsnprintf(line, sizeof(line), format, ap);
    std::fprintf(stderr, "%s: %s\n", prefix_.c_str(), line);
  }

 private:
  std::string prefix_;
};

// A write that returns only once it is in the fsynced WAL.
inline rocksdb::WriteOptions SyncWrite() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

}  // namespace kasane::eventstore

// How eventstore talks to RocksDB in one voice: the mapping of RocksDB statuses to kasane's, and
// the write options of a durable write. Included only by eventstore's own .cc files.
//
// Thread-safety: stateless functions.
#pragma once

#include <rocksdb/options.h>
#include <rocksdb/status.h>

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

// A write that returns only once it is in the fsynced WAL.
inline rocksdb::WriteOptions SyncWrite() {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return wo;
}

}  // namespace kasane::eventstore

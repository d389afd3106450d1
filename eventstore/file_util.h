// Small, durable file operations for the files kept beside the database (signing.key,
// master.key, erasure.ledger). Every result is checked; every success is on disk. Also the
// temporary folder the benchmarks work in.
//
// Thread-safety: free functions; concurrent calls on the same path must be serialised by the
// caller.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kasane::eventstore {

// fsyncs a folder, so that entries created or renamed in it survive a crash.
Status SyncDir(const std::filesystem::path& dir);

// Writes all of `content` to `fd`.
Status WriteAll(int fd, std::string_view content, const std::string& what);

// Creates `path` with `content` and `mode` atomically: a crash leaves either no file or the
// whole file, never a torn one. Writes a temporary file beside it, fsyncs it, links it into place
// (failing with kAlreadyExists if `path` exists, which is then left untouched), removes the
// temporary name and fsyncs the folder.
Status CreateFileAtomically(const std::filesystem::path& path, std::string_view content,
                            mode_t mode);

// Appends `line` and a newline to `path` (created with `mode` if missing) and fsyncs it (and the
// folder when the file is new). If the write or the sync fails, the file is cut back to its
// previous length, so a failed append never leaves a fragment for the next one to extend.
Status AppendLineDurably(const std::filesystem::path& path, std::string_view line, mode_t mode);

// A new temporary folder "<root>/<prefix>-XXXXXX" (root empty: $TMPDIR, else /tmp), removed with
// everything in it when the ScratchDir is destroyed. For benchmarks. Move-only.
class ScratchDir {
 public:
  // kIoError when the folder cannot be created.
  static Result<ScratchDir> Make(const std::string& root, std::string_view prefix);
  ScratchDir(ScratchDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace kasane::eventstore

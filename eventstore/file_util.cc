#include "eventstore/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace kasane::eventstore {

namespace fs = std::filesystem;

Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open " + dir.string() + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot sync " + dir.string() + ": " + std::strerror(saved));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view content, const std::string& what) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write " + what + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status CreateFileAtomically(const fs::path& path, std::string_view content, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  ::unlink(tmp.c_str());  // a leftover of an earlier crash
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return IoError("cannot create " + tmp.string() + ": " + std::strerror(errno));
  Status s = WriteAll(fd, content, tmp.string());
  if (s.ok() && ::fsync(fd) != 0) {
    s = IoError("cannot sync " + tmp.string() + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (s.ok() && ::link(tmp.c_str(), path.c_str()) != 0) {
    s = errno == EEXIST ? AlreadyExists(path.string() + " already exists")
                        : IoError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  ::unlink(tmp.c_str());
  if (!s.ok()) return s;
  return SyncDir(path.parent_path());
}

Status AppendLineDurably(const fs::path& path, std::string_view line, mode_t mode) {
  std::error_code ec;
  bool existed = fs::exists(path, ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, mode);
  if (fd < 0) return IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return IoError("cannot stat " + path.string() + ": " + std::strerror(errno));
  }
  std::string text;
  if (st.st_size > 0) {
    // A fragment left by an earlier failed append (if cutting it back failed too) must not be
    // extended into another line: start on a fresh one.
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) != 1) {
      ::close(fd);
      return IoError("cannot read " + path.string() + ": " + std::strerror(errno));
    }
    if (last != '\n') text.push_back('\n');
  }
  text.append(line);
  text.push_back('\n');
  Status s = WriteAll(fd, text, path.string());
  if (s.ok() && ::fsync(fd) != 0) {
    s = IoError("cannot sync " + path.string() + ": " + std::strerror(errno));
  }
  if (!s.ok()) {
    // Leave no fragment behind; if even this fails, the reader cuts a torn last line at open.
    if (::ftruncate(fd, st.st_size) == 0) (void)::fsync(fd);
  }
  ::close(fd);
  if (!s.ok()) return s;
  if (!existed) return SyncDir(path.parent_path());
  return Status::Ok();
}

Result<ScratchDir> ScratchDir::Make(const std::string& root, std::string_view prefix) {
  std::string base = root;
  if (base.empty()) {
    const char* t = getenv("TMPDIR");
    base = t && *t ? t : "/tmp";
  }
  std::string templ = base + "/" + std::string(prefix) + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return IoError("cannot create a folder under " + base);
  return ScratchDir(templ);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace kasane::eventstore

// Helpers shared by the eventstore tests: a temporary folder and event builders.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/event.h"

namespace kasane::eventstore::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* t = getenv("TMPDIR");
    std::string templ = std::string(t && *t ? t : "/tmp") + "/kasane-test-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) abort();
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline EventId IdFrom(uint64_t a, uint64_t b = 0x5eed) {
  EventId id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(a >> (8 * (7 - i)));
    id.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * (7 - i)));
  }
  return id;
}

inline NewEvent MakeEvent(uint64_t n, std::string payload = "",
                          std::string type = "test.happened") {
  NewEvent e;
  e.id = IdFrom(n);
  e.type = std::move(type);
  e.occurred_at = 1'700'000'000'000'000'000 + static_cast<int64_t>(n);
  e.actor = Actor{"staff-1", "agency-1", "caseworker"};
  e.payload = payload.empty() ? "payload-" + std::to_string(n) : std::move(payload);
  return e;
}

// The whole content of the file at `p`.
inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The files under `dir` (recursively) whose bytes contain `needle`: the raw scan that proves a
// secret or a plaintext never reached the disk.
inline std::vector<std::string> FilesContaining(const std::string& dir, std::string_view needle) {
  std::vector<std::string> hits;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (ReadFile(entry.path()).find(needle) != std::string::npos) {
      hits.push_back(entry.path().string());
    }
  }
  return hits;
}

}  // namespace kasane::eventstore::testing

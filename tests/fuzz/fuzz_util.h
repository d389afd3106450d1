// Helpers shared by the libFuzzer targets in tests/fuzz (docs/reliability.md, "Fuzzing").
//
// Each target defines LLVMFuzzerTestOneInput and a WriteSeeds function that writes its seed
// corpus from the test fixtures. Running a target with KASANE_FUZZ_WRITE_SEEDS=<folder> writes
// the seeds there and exits (tools/fuzz.sh --seeds regenerates tests/fuzz/corpus/*):
//
//   KASANE_FUZZ_SEEDS(WriteSeeds);  // in the target's .cc, once
//
// A property the target checks (a round trip, an invariant) that does not hold aborts through
// FUZZ_CHECK, which libFuzzer reports as a crash and saves the input.
//
// Thread-safety: single-threaded, as libFuzzer calls the target.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "eventstore/signed_note.h"

#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace kasane::fuzz {

// Writes `bytes` as <dir>/<name>.
inline void WriteSeed(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}

// The checkpoint signer of the signed-note and audit-bundle targets: a fixed Ed25519 key (seed
// 0x01..0x20) named like a log origin, so seeds stay valid from run to run.
inline const eventstore::NoteSigner& FuzzSigner() {
  static const eventstore::NoteSigner* signer = [] {
    std::array<uint8_t, 32> seed{};
    for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i + 1);
    auto s = eventstore::NoteSigner::FromSeed("kasane.fuzz/log", seed);
    if (!s.ok()) std::abort();
    return new eventstore::NoteSigner(std::move(s).value());
  }();
  return *signer;
}

}  // namespace kasane::fuzz

// Defines LLVMFuzzerInitialize: with KASANE_FUZZ_WRITE_SEEDS set, calls write_seeds(folder) and
// exits.
#define KASANE_FUZZ_SEEDS(write_seeds)                              \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {              \
    if (const char* dir = std::getenv("KASANE_FUZZ_WRITE_SEEDS")) { \
      write_seeds(std::string(dir));                                \
      std::exit(0);                                                 \
    }                                                               \
    return 0;                                                       \
  }

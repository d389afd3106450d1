#!/usr/bin/env bash
# Installs what kasane needs on Debian (apt-get; sudo only when not root), then configures and
# builds it with CMake into ./build. Used by tools/run.sh and tools/test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git   # toolchain
  librocksdb-dev                                     # storage
  capnproto libcapnp-dev                             # event encoding
  libsodium-dev                                      # Ed25519 checkpoints, sealed payloads
  libssl-dev openssl                                 # SHA-256; TLS (and test certificates)
  libcpp-httplib-dev                                 # HTTP
  nlohmann-json3-dev                                 # JSON
  libcli11-dev                                       # command line
  libspdlog-dev                                      # logging
  libjemalloc-dev                                    # the kasane binary's allocator
  libgtest-dev libgmock-dev libbenchmark-dev         # tests and benchmarks
  python3 python3-nacl                               # the independent audit-bundle verifier
  curl jq                                            # the README's tour (and its test)
  clang libclang-rt-14-dev llvm-14                   # fuzzing (libFuzzer), sanitizer runtimes, llvm-symbolizer
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

BUILD_DIR=${KASANE_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${KASANE_BUILD_TYPE:-RelWithDebInfo} >&2
cmake --build "$BUILD_DIR" -j"$(nproc)" >&2

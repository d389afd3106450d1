// The published Merkle-tree and signed-note test vectors in ../shared/testdata, loaded once.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

namespace kasane::eventstore::testing {

inline const nlohmann::json& Vectors() {
  static const nlohmann::json* vectors = [] {
    std::ifstream in(KASANE_SHARED_DIR "/testdata/rfc6962_vectors.json");
    if (!in) {
      ADD_FAILURE() << "cannot open " KASANE_SHARED_DIR "/testdata/rfc6962_vectors.json";
      return new nlohmann::json(nlohmann::json::object());
    }
    return new nlohmann::json(nlohmann::json::parse(in));
  }();
  return *vectors;
}

}  // namespace kasane::eventstore::testing

// Tests for eventstore/merkle.h against the published RFC 6962 / RFC 9162 vectors
// (../shared/testdata/rfc6962_vectors.json) and against properties of random trees.
#include "eventstore/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/eventstore/vectors.h"

namespace kasane::eventstore {
namespace {

using nlohmann::json;

using testing::Vectors;

std::vector<uint8_t> Bytes(const std::string& hex) {
  Result<std::vector<uint8_t>> r = BytesFromHex(hex);
  EXPECT_TRUE(r.ok()) << hex;
  return r.ok() ? *r : std::vector<uint8_t>{};
}

Hash H(const std::string& hex) {
  Result<Hash> r = HashFromHex(hex);
  EXPECT_TRUE(r.ok()) << hex << ": " << r.status().ToString();
  return r.ok() ? *r : Hash{};
}

std::vector<Hash> Hashes(const json& list) {
  std::vector<Hash> out;
  for (const auto& h : list) out.push_back(H(h.get<std::string>()));
  return out;
}

std::vector<std::vector<uint8_t>> ByteList(const json& list) {
  std::vector<std::vector<uint8_t>> out;
  for (const auto& h : list) out.push_back(Bytes(h.get<std::string>()));
  return out;
}

// Perfect nodes held in memory, fed by MerkleFrontier::Append. Fails reads of nodes it lacks.
class MemoryNodes final : public NodeReader {
 public:
  Result<Hash> GetNode(uint32_t level, uint64_t index) const override {
    ++reads_;
    auto it = nodes_.find({level, index});
    if (it == nodes_.end()) {
      return NotFound("node " + std::to_string(level) + "/" + std::to_string(index));
    }
    return it->second;
  }
  void Append(const Hash& leaf) {
    frontier_.Append(leaf, [&](uint32_t level, uint64_t index, const Hash& h) {
      EXPECT_TRUE(nodes_.emplace(std::make_pair(level, index), h).second)
          << "node reported twice: " << level << "/" << index;
    });
  }
  const MerkleFrontier& frontier() const { return frontier_; }
  const std::map<std::pair<uint32_t, uint64_t>, Hash>& nodes() const { return nodes_; }
  uint64_t reads() const { return reads_; }

 private:
  MerkleFrontier frontier_;
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes_;
  mutable uint64_t reads_ = 0;
};

// Delegates to another reader but refuses (and records) any read of a node that is not a perfect
// subtree within the first `size` leaves: the store only has those.
class BoundedNodes final : public NodeReader {
 public:
  BoundedNodes(const NodeReader& inner, uint64_t size) : inner_(inner), size_(size) {}
  Result<Hash> GetNode(uint32_t level, uint64_t index) const override {
    ++reads_;
    if (level >= 64 || index >= (size_ >> level)) {
      ADD_FAILURE() << "read of node " << level << "/" << index << " outside a tree of " << size_;
      return NotFound("outside the tree");
    }
    return inner_.GetNode(level, index);
  }
  uint64_t reads() const { return reads_; }

 private:
  const NodeReader& inner_;  // must outlive this
  uint64_t size_;
  mutable uint64_t reads_ = 0;
};

// Any node of an arbitrarily large tree, made up on demand (values are not a consistent tree;
// only for counting reads).
class SyntheticNodes final : public NodeReader {
 public:
  explicit SyntheticNodes(uint64_t size) : size_(size) {}
  Result<Hash> GetNode(uint32_t level, uint64_t index) const override {
    ++reads_;
    EXPECT_LT(level, 64u);
    EXPECT_LT(index, size_ >> level) << "level " << level;
    uint8_t buf[12];
    for (int i = 0; i < 4; ++i) buf[i] = static_cast<uint8_t>(level >> (8 * i));
    for (int i = 0; i < 8; ++i) buf[4 + i] = static_cast<uint8_t>(index >> (8 * i));
    return HashLeaf(buf);
  }
  uint64_t reads() const { return reads_; }

 private:
  uint64_t size_;
  mutable uint64_t reads_ = 0;
};

// The RFC 9162 2.1.1 definition, straight from the text, over leaf hashes.
Hash ReferenceRoot(const std::vector<Hash>& leaves, uint64_t begin, uint64_t end) {
  uint64_t n = end - begin;
  if (n == 0) return EmptyRoot();
  if (n == 1) return leaves[begin];
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return HashChildren(ReferenceRoot(leaves, begin, begin + k),
                      ReferenceRoot(leaves, begin + k, end));
}

std::vector<Hash> ReferenceLeafHashes() {
  std::vector<Hash> out;
  for (const auto& hex : Vectors()["reference_tree"]["leaf_inputs_hex"]) {
    out.push_back(HashLeaf(Bytes(hex.get<std::string>())));
  }
  return out;
}

MemoryNodes ReferenceTree() {
  MemoryNodes tree;
  for (const Hash& h : ReferenceLeafHashes()) tree.Append(h);
  return tree;
}

std::vector<std::string> HexList(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

std::vector<std::string> JsonStrings(const json& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(s.get<std::string>());
  return out;
}

TEST(MerkleHasher, MatchesPublishedHasherVectors) {
  const json& vectors = Vectors()["hasher_vectors"];
  ASSERT_GE(vectors.size(), 7u);
  for (const auto& v : vectors) {
    SCOPED_TRACE(v["desc"].get<std::string>());
    std::string kind = v["kind"];
    std::string got;
    if (kind == "empty_root") {
      got = HashToHex(EmptyRoot());
    } else if (kind == "leaf") {
      got = HashToHex(HashLeaf(Bytes(v["input_hex"])));
    } else if (kind == "node") {
      got = HashToHex(HashChildrenBytes(Bytes(v["left_hex"]), Bytes(v["right_hex"])));
      std::vector<uint8_t> l = Bytes(v["left_hex"]), r = Bytes(v["right_hex"]);
      if (l.size() == 32 && r.size() == 32) {
        EXPECT_EQ(HashToHex(HashChildren(H(v["left_hex"]), H(v["right_hex"]))), v["want"]);
      }
    } else {
      FAIL() << "unknown kind " << kind;
    }
    EXPECT_EQ(got, v["want"].get<std::string>());
  }
}

TEST(MerkleHex, RoundTripsAndRejectsMalformedHex) {
  Hash h = HashLeaf({});
  EXPECT_EQ(*HashFromHex(HashToHex(h)), h);
  std::string upper = HashToHex(h);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(*HashFromHex(upper), h);
  EXPECT_FALSE(HashFromHex("").ok());
  EXPECT_FALSE(HashFromHex(HashToHex(h).substr(2)).ok());
  EXPECT_FALSE(HashFromHex(HashToHex(h) + "00").ok());
  std::string bad = HashToHex(h);
  bad[5] = 'g';
  EXPECT_FALSE(HashFromHex(bad).ok());
  EXPECT_FALSE(BytesFromHex("abc").ok());
  EXPECT_TRUE(BytesFromHex("").ok());
}

TEST(MerkleTree, ReferenceTreeRootMatchesAtEverySize) {
  const json& roots = Vectors()["reference_tree"]["roots_by_size_hex"];
  std::vector<Hash> leaves = ReferenceLeafHashes();
  ASSERT_EQ(roots.size(), leaves.size() + 1);
  MemoryNodes tree;
  EXPECT_EQ(HashToHex(tree.frontier().Root()), roots[0].get<std::string>());
  for (size_t n = 0; n <= leaves.size(); ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    if (n > 0) tree.Append(leaves[n - 1]);
    EXPECT_EQ(tree.frontier().size(), n);
    EXPECT_EQ(HashToHex(tree.frontier().Root()), roots[n].get<std::string>());
    BoundedNodes bounded(tree, n);
    Result<Hash> root = RootAt(bounded, n);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    EXPECT_EQ(HashToHex(*root), roots[n].get<std::string>());
    EXPECT_EQ(bounded.reads(), static_cast<uint64_t>(std::popcount(n)));
  }
}

TEST(MerkleTree, AppendReportsExactlyTheReferencePerfectNodes) {
  const json& levels = Vectors()["reference_tree"]["node_hashes_by_level_hex"];
  MemoryNodes tree = ReferenceTree();
  size_t expected = 0;
  for (size_t level = 0; level < levels.size(); ++level) {
    for (size_t i = 0; i < levels[level].size(); ++i) {
      SCOPED_TRACE("node " + std::to_string(level) + "/" + std::to_string(i));
      auto it = tree.nodes().find({static_cast<uint32_t>(level), i});
      ASSERT_NE(it, tree.nodes().end());
      EXPECT_EQ(HashToHex(it->second), levels[level][i].get<std::string>());
      ++expected;
    }
  }
  EXPECT_EQ(tree.nodes().size(), expected);
}

TEST(MerkleInclusion, GoldenProofsAreGeneratedAndVerify) {
  const json& golden = Vectors()["inclusion_golden"];
  ASSERT_FALSE(golden.empty());
  MemoryNodes tree = ReferenceTree();
  for (const auto& v : golden) {
    uint64_t index = v["leaf_index"], size = v["tree_size"];
    SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
    Hash leaf = H(v["leaf_hash"]);
    EXPECT_EQ(HashLeaf(Bytes(v["leaf_data_hex"])), leaf);
    std::vector<Hash> proof = Hashes(v["proof"]);
    EXPECT_TRUE(VerifyInclusion(index, size, leaf, proof, H(v["root"])).ok());
    ASSERT_LE(size, tree.frontier().size());
    BoundedNodes bounded(tree, size);
    Result<std::vector<Hash>> generated = InclusionProof(bounded, index, size);
    ASSERT_TRUE(generated.ok()) << generated.status().ToString();
    EXPECT_EQ(HexList(*generated), JsonStrings(v["proof"]));
  }
}

TEST(MerkleConsistency, GoldenProofsAreGeneratedAndVerify) {
  const json& golden = Vectors()["consistency_golden"];
  ASSERT_FALSE(golden.empty());
  MemoryNodes tree = ReferenceTree();
  for (const auto& v : golden) {
    uint64_t size1 = v["size1"], size2 = v["size2"];
    SCOPED_TRACE(std::to_string(size1) + " -> " + std::to_string(size2));
    std::vector<Hash> proof = Hashes(v["proof"]);
    Status s = VerifyConsistency(size1, size2, proof, H(v["root1"]), H(v["root2"]));
    EXPECT_TRUE(s.ok()) << s.ToString();
    BoundedNodes bounded(tree, size2);
    Result<std::vector<Hash>> generated = ConsistencyProof(bounded, size1, size2);
    ASSERT_TRUE(generated.ok()) << generated.status().ToString();
    EXPECT_EQ(HexList(*generated), JsonStrings(v["proof"]));
  }
}

TEST(MerkleProofs, Rfc9162ExampleProofsHaveTheDocumentedNodes) {
  const json& example = Vectors()["rfc9162_example_structural"];
  std::vector<Hash> leaves = ReferenceLeafHashes();
  leaves.resize(7);
  MemoryNodes tree;
  for (const Hash& h : leaves) tree.Append(h);
  std::map<std::string, std::string> label_of;  // hex -> label
  for (auto& [label, range] : example["node_labels"].items()) {
    label_of[HashToHex(ReferenceRoot(leaves, range[0], range[1]))] = label;
  }
  auto labels = [&](const std::vector<Hash>& proof) {
    std::vector<std::string> out;
    for (const Hash& h : proof) {
      auto it = label_of.find(HashToHex(h));
      out.push_back(it == label_of.end() ? "?" : it->second);
    }
    return out;
  };
  ASSERT_FALSE(example["inclusion"].empty());
  for (const auto& v : example["inclusion"]) {
    uint64_t index = v["leaf_index"], size = v["tree_size"];
    SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
    BoundedNodes bounded(tree, size);
    Result<std::vector<Hash>> proof = InclusionProof(bounded, index, size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(labels(*proof), JsonStrings(v["proof_labels"]));
  }
  ASSERT_FALSE(example["consistency"].empty());
  for (const auto& v : example["consistency"]) {
    uint64_t size1 = v["size1"], size2 = v["size2"];
    SCOPED_TRACE(std::to_string(size1) + " -> " + std::to_string(size2));
    BoundedNodes bounded(tree, size2);
    Result<std::vector<Hash>> proof = ConsistencyProof(bounded, size1, size2);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(labels(*proof), JsonStrings(v["proof_labels"]));
  }
}

TEST(MerkleInclusion, TransparencyDevProbesAreAcceptedOrRejectedAsMarked) {
  const json& probes = Vectors()["transparency_dev_probes"]["inclusion"];
  ASSERT_GE(probes.size(), 90u);
  int rejected = 0, accepted = 0;
  for (const auto& v : probes) {
    SCOPED_TRACE(v["file"].get<std::string>());
    uint64_t index = v["leaf_index"].get<uint64_t>(), size = v["tree_size"].get<uint64_t>();
    std::vector<std::vector<uint8_t>> proof = ByteList(v["proof"]);
    Status s = VerifyInclusionBytes(index, size, Bytes(v["leaf_hash"]), proof, Bytes(v["root"]));
    if (v["want_err"].get<bool>()) {
      EXPECT_FALSE(s.ok());
      EXPECT_TRUE(s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kInvalidArgument)
          << s.ToString();
      EXPECT_FALSE(s.message().empty());
      ++rejected;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
      ++accepted;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);
}

TEST(MerkleConsistency, TransparencyDevProbesAreAcceptedOrRejectedAsMarked) {
  const json& probes = Vectors()["transparency_dev_probes"]["consistency"];
  ASSERT_GE(probes.size(), 90u);
  int rejected = 0, accepted = 0;
  for (const auto& v : probes) {
    SCOPED_TRACE(v["file"].get<std::string>());
    uint64_t size1 = v["size1"].get<uint64_t>(), size2 = v["size2"].get<uint64_t>();
    std::vector<std::vector<uint8_t>> proof = ByteList(v["proof"]);
    Status s = VerifyConsistencyBytes(size1, size2, proof, Bytes(v["root1"]), Bytes(v["root2"]));
    if (v["want_err"].get<bool>()) {
      EXPECT_FALSE(s.ok());
      EXPECT_TRUE(s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kInvalidArgument)
          << s.ToString();
      ++rejected;
    } else {
      EXPECT_TRUE(s.ok()) << s.ToString();
      ++accepted;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);
}

TEST(MerkleInclusion, RejectsProbeWithWrongProofLength) {
  // Named cases from the probes, checked through the Hash-typed API too.
  MemoryNodes tree = ReferenceTree();
  std::vector<Hash> proof = *InclusionProof(tree, 5, 8);
  Hash leaf = tree.nodes().at({0, 5});
  Hash root = tree.frontier().Root();
  ASSERT_TRUE(VerifyInclusion(5, 8, leaf, proof, root).ok());
  std::vector<Hash> longer = proof;
  longer.push_back(root);
  EXPECT_EQ(VerifyInclusion(5, 8, leaf, longer, root).code(), StatusCode::kInvalidArgument);
  std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
  EXPECT_EQ(VerifyInclusion(5, 8, leaf, shorter, root).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(8, 8, leaf, proof, root).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(~uint64_t{0}, 8, leaf, proof, root).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(4, 8, leaf, proof, root).code(), StatusCode::kDataLoss);
}

TEST(MerkleProofs, DerivedExhaustiveEightLeafProofsAreGeneratedAndVerify) {
  const json& derived = Vectors()["DERIVED_exhaustive_8_leaf_tree"];
  MemoryNodes tree = ReferenceTree();
  ASSERT_EQ(derived["inclusion"].size(), 36u);
  for (const auto& v : derived["inclusion"]) {
    uint64_t index = v["leaf_index"], size = v["tree_size"];
    SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
    BoundedNodes bounded(tree, size);
    Result<std::vector<Hash>> proof = InclusionProof(bounded, index, size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(HexList(*proof), JsonStrings(v["proof"]));
    EXPECT_EQ(HashToHex(*RootAt(bounded, size)), v["root"].get<std::string>());
    EXPECT_TRUE(VerifyInclusion(index, size, H(v["leaf_hash"]), *proof, H(v["root"])).ok());
  }
  ASSERT_EQ(derived["consistency"].size(), 36u);
  for (const auto& v : derived["consistency"]) {
    uint64_t size1 = v["size1"], size2 = v["size2"];
    SCOPED_TRACE(std::to_string(size1) + " -> " + std::to_string(size2));
    BoundedNodes bounded(tree, size2);
    Result<std::vector<Hash>> proof = ConsistencyProof(bounded, size1, size2);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(HexList(*proof), JsonStrings(v["proof"]));
    EXPECT_TRUE(VerifyConsistency(size1, size2, *proof, H(v["root1"]), H(v["root2"])).ok());
  }
}

TEST(MerkleProofs, GeneratorsRejectOutOfRangeArguments) {
  MemoryNodes tree = ReferenceTree();
  EXPECT_EQ(InclusionProof(tree, 8, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InclusionProof(tree, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 0, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConsistencyProof(tree, 5, 4).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ConsistencyProof(tree, 8, 8)->empty());
}

TEST(MerkleProofs, ReaderFailuresPropagate) {
  MemoryNodes tree = ReferenceTree();
  // Ask for a tree larger than the reader holds: some node is missing.
  EXPECT_EQ(RootAt(tree, 9).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(InclusionProof(tree, 0, 12).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ConsistencyProof(tree, 3, 12).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MerkleFrontier::Load(tree, 9).status().code(), StatusCode::kNotFound);
}

TEST(MerkleFrontier, LoadedFrontierMatchesAppendedOneAndKeepsAppending) {
  std::vector<Hash> leaves;
  MemoryNodes tree;
  for (uint32_t i = 0; i < 300; ++i) {
    uint8_t b[4] = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8), 7, 9};
    leaves.push_back(HashLeaf(b));
    tree.Append(leaves.back());
  }
  for (uint64_t n = 0; n < 299; ++n) {
    SCOPED_TRACE("size " + std::to_string(n));
    BoundedNodes bounded(tree, n);
    Result<MerkleFrontier> loaded = MerkleFrontier::Load(bounded, n);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(bounded.reads(), static_cast<uint64_t>(std::popcount(n)));
    EXPECT_EQ(loaded->size(), n);
    EXPECT_EQ(loaded->Root(), ReferenceRoot(leaves, 0, n));
    // Appending to the loaded frontier reports the same nodes the full tree stored.
    loaded->Append(leaves[n], [&](uint32_t level, uint64_t index, const Hash& h) {
      EXPECT_EQ(tree.nodes().at({level, index}), h) << level << "/" << index;
    });
    EXPECT_EQ(loaded->Root(), ReferenceRoot(leaves, 0, n + 1));
  }
}

TEST(MerkleProofs, RandomTreesProofsVerifyAndTamperedOnesFail) {
  std::mt19937_64 rng(20240601);
  const uint64_t kMax = 2000;
  std::vector<Hash> leaves;
  MemoryNodes tree;
  for (uint64_t i = 0; i < kMax; ++i) {
    uint8_t b[8];
    for (int j = 0; j < 8; ++j) b[j] = static_cast<uint8_t>(rng());
    leaves.push_back(HashLeaf(b));
    tree.Append(leaves.back());
  }
  std::vector<uint64_t> sizes = {1, 2, 3, 4, 5, 7, 8, 9, 1023, 1024, 1025, kMax};
  for (int i = 0; i < 40; ++i) sizes.push_back(1 + rng() % kMax);
  for (uint64_t size : sizes) {
    SCOPED_TRACE("size " + std::to_string(size));
    BoundedNodes bounded(tree, size);
    Result<Hash> root = RootAt(bounded, size);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, ReferenceRoot(leaves, 0, size));
    for (int t = 0; t < 8; ++t) {
      uint64_t index = t == 0 ? size - 1 : rng() % size;
      SCOPED_TRACE("leaf " + std::to_string(index));
      Result<std::vector<Hash>> proof = InclusionProof(bounded, index, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(proof->size(), InclusionProofLength(index, size));
      Status s = VerifyInclusion(index, size, leaves[index], *proof, *root);
      ASSERT_TRUE(s.ok()) << s.ToString();
      Hash other_leaf = leaves[(index + 1) % kMax];
      EXPECT_FALSE(VerifyInclusion(index, size, other_leaf, *proof, *root).ok());
      if (!proof->empty()) {
        std::vector<Hash> tampered = *proof;
        tampered[rng() % tampered.size()][rng() % 32] ^= static_cast<uint8_t>(1 + rng() % 255);
        EXPECT_FALSE(VerifyInclusion(index, size, leaves[index], tampered, *root).ok());
      }
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion((index + 1) % size, size, leaves[index], *proof, *root).ok());
      }
      // The proof for the next size, against this size's root, must not verify.
      if (size < kMax) {
        BoundedNodes next(tree, size + 1);
        std::vector<Hash> next_proof = *InclusionProof(next, index, size + 1);
        if (next_proof != *proof) {
          EXPECT_FALSE(VerifyInclusion(index, size, leaves[index], next_proof, *root).ok());
        }
      }

      uint64_t size1 = 1 + rng() % size;
      SCOPED_TRACE("size1 " + std::to_string(size1));
      Result<std::vector<Hash>> cproof = ConsistencyProof(bounded, size1, size);
      ASSERT_TRUE(cproof.ok());
      EXPECT_EQ(cproof->size(), ConsistencyProofLength(size1, size));
      Hash root1 = ReferenceRoot(leaves, 0, size1);
      s = VerifyConsistency(size1, size, *cproof, root1, *root);
      ASSERT_TRUE(s.ok()) << s.ToString();
      if (!cproof->empty()) {
        std::vector<Hash> tampered = *cproof;
        tampered[rng() % tampered.size()][rng() % 32] ^= static_cast<uint8_t>(1 + rng() % 255);
        EXPECT_FALSE(VerifyConsistency(size1, size, tampered, root1, *root).ok());
        EXPECT_FALSE(VerifyConsistency(size1, size, *cproof, *root, root1).ok());
        Hash wrong_root1 = ReferenceRoot(leaves, 0, size1 - 1);
        EXPECT_FALSE(VerifyConsistency(size1, size, *cproof, wrong_root1, *root).ok());
      }
    }
  }
}

TEST(MerkleProofs, ReadsAreLogarithmicInTreeSize) {
  std::mt19937_64 rng(7);
  for (uint64_t size : {uint64_t{1'000'003}, uint64_t{1} << 20, (uint64_t{1} << 20) - 1,
                        uint64_t{987'654'321'123}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const uint64_t kBound = 2 * 64 + 2;
    {
      SyntheticNodes nodes(size);
      ASSERT_TRUE(RootAt(nodes, size).ok());
      EXPECT_EQ(nodes.reads(), static_cast<uint64_t>(std::popcount(size)));
    }
    {
      SyntheticNodes nodes(size);
      ASSERT_TRUE(MerkleFrontier::Load(nodes, size).ok());
      EXPECT_EQ(nodes.reads(), static_cast<uint64_t>(std::popcount(size)));
    }
    for (int t = 0; t < 20; ++t) {
      uint64_t index = t == 0 ? 0 : t == 1 ? size - 1 : rng() % size;
      SyntheticNodes nodes(size);
      Result<std::vector<Hash>> proof = InclusionProof(nodes, index, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_LE(nodes.reads(), kBound);
      EXPECT_LE(nodes.reads(), 2u * std::bit_width(size) + 2) << "index " << index;
    }
    for (int t = 0; t < 20; ++t) {
      uint64_t size1 = t == 0 ? 1 : t == 1 ? size - 1 : 1 + rng() % size;
      SyntheticNodes nodes(size);
      Result<std::vector<Hash>> proof = ConsistencyProof(nodes, size1, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_LE(nodes.reads(), kBound);
      EXPECT_LE(nodes.reads(), 2u * std::bit_width(size) + 2) << "size1 " << size1;
    }
  }
}

}  // namespace
}  // namespace kasane::eventstore

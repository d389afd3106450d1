// Merkle: the RFC 6962 / RFC 9162 Merkle tree over the log, with SHA-256.
//
// Leaf hash = SHA-256(0x00 || data), interior node = SHA-256(0x01 || left || right), the root of
// the empty tree = SHA-256(""). Leaf index = global position.
//
// Storage model: only "perfect" subtree nodes are ever stored or read. The perfect node at
// (level, index) covers leaves [index << level, (index + 1) << level); level 0 nodes are the leaf
// hashes. Every other hash (the root of a tree whose size is not a power of two, the right-edge
// sibling in a proof) is computed from perfect parts, so each function below costs O(log size)
// NodeReader calls.
//
// Thread-safety: the free functions are pure apart from the NodeReader calls they make; they are
// as thread-safe as the reader passed in. MerkleFrontier is a value: copyable, not safe to mutate
// from two threads at once.
//
//   MerkleFrontier frontier;
//   frontier.Append(HashLeaf(bytes), [&](uint32_t level, uint64_t index, const Hash& h) {
//     batch.Put(NodeKey(level, index), h);
//   });
//   Result<std::vector<Hash>> proof = InclusionProof(reader, position, frontier.size());
//   Status s = VerifyInclusion(position, size, leaf_hash, *proof, frontier.Root());
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kasane::eventstore {

using Hash = std::array<uint8_t, 32>;
inline constexpr size_t kHashSize = 32;

// SHA-256(0x00 || data).
Hash HashLeaf(std::span<const uint8_t> data);
// Plain SHA-256 of `data` (no domain prefix), for uses outside the tree (token hashes, ids).
Hash Sha256Of(std::span<const uint8_t> data);
// SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);
// SHA-256(0x01 || left || right) for children of any length (test vectors use short ones).
Hash HashChildrenBytes(std::span<const uint8_t> left, std::span<const uint8_t> right);
// SHA-256(""): the root of the tree with no leaves.
Hash EmptyRoot();

// Lowercase hex of the 32 bytes.
std::string HashToHex(const Hash& hash);
// Parses exactly 64 hex digits (either case). Fails with kInvalidArgument otherwise.
Result<Hash> HashFromHex(std::string_view hex);
// Lowercase hex of any bytes.
std::string BytesToHex(std::span<const uint8_t> bytes);
// Parses an even number of hex digits (either case, possibly none). Fails with kInvalidArgument.
Result<std::vector<uint8_t>> BytesFromHex(std::string_view hex);

// Where perfect subtree nodes come from (the store, or memory in tests).
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // Returns the perfect node at (level, index). Callers only ask for nodes whose leaves all lie
  // inside a tree the reader has. A missing node should be kNotFound or kDataLoss.
  virtual Result<Hash> GetNode(uint32_t level, uint64_t index) const = 0;
};

// The root of the first `size` leaves (EmptyRoot() for 0), with one GetNode call per set bit of
// `size`. Fails with the reader's status if a read fails.
Result<Hash> RootAt(const NodeReader& nodes, uint64_t size);

// The RFC 9162 2.1.3.1 inclusion proof (PATH) of leaf `index` in the tree of `size` leaves, leaf
// sibling first. Costs O(log size) reads, all of perfect nodes inside the first `size` leaves.
// Fails with kInvalidArgument if index >= size, or with the reader's status.
Result<std::vector<Hash>> InclusionProof(const NodeReader& nodes, uint64_t index, uint64_t size);

// The RFC 9162 2.1.4.1 consistency proof (PROOF) from size1 to size2. Costs O(log size2) reads.
// size1 == size2 yields an empty proof. Fails with kInvalidArgument unless 0 < size1 <= size2, or
// with the reader's status.
Result<std::vector<Hash>> ConsistencyProof(const NodeReader& nodes, uint64_t size1, uint64_t size2);

// The number of hashes in an inclusion proof of `index` in a tree of `size` (index < size).
size_t InclusionProofLength(uint64_t index, uint64_t size);
// The number of hashes in a consistency proof from size1 to size2 (0 < size1 <= size2).
size_t ConsistencyProofLength(uint64_t size1, uint64_t size2);

// Verifies an inclusion proof by RFC 9162 2.1.3.2. OK if `leaf_hash` is leaf `index` of the tree of
// `size` whose root is `root`. Fails with kInvalidArgument if index >= size or the proof does not
// have exactly InclusionProofLength(index, size) hashes, and with kDataLoss if the recomputed root
// differs from `root`.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// Verifies a consistency proof by RFC 9162 2.1.4.2: OK if the tree of size1 with root1 is a prefix
// of the tree of size2 with root2. Fails with kInvalidArgument if size2 < size1, size1 == 0, the
// proof is non-empty when size1 == size2, empty when size1 < size2, or of the wrong length; with
// kDataLoss if the roots do not match.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// The same verifiers over untrusted byte strings whose lengths have not been checked (e.g. decoded
// from JSON). A leaf hash or proof element that is not 32 bytes fails with kInvalidArgument; roots
// are compared byte for byte, so a root of the wrong length never matches a computed one (but two
// equal roots of any length are consistent when size1 == size2, as in transparency-dev/merkle).
Status VerifyInclusionBytes(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                            std::span<const std::vector<uint8_t>> proof,
                            std::span<const uint8_t> root);
Status VerifyConsistencyBytes(uint64_t size1, uint64_t size2,
                              std::span<const std::vector<uint8_t>> proof,
                              std::span<const uint8_t> root1, std::span<const uint8_t> root2);

// The right edge of the tree: one perfect subtree root per set bit of size(), largest first.
// Enough to append leaves and compute the root without any reads.
class MerkleFrontier {
 public:
  // Called for each perfect node an Append completes: (level, index, hash).
  using NodeSink = std::function<void(uint32_t level, uint64_t index, const Hash& hash)>;

  // The empty tree.
  MerkleFrontier();

  // The frontier of the first `size` leaves, with one read per set bit of `size`. Fails with the
  // reader's status.
  static Result<MerkleFrontier> Load(const NodeReader& nodes, uint64_t size);

  // Appends one leaf hash. Reports the leaf itself as (0, old size), then every parent it
  // completes, lowest level first, through `on_node` (which may be empty).
  void Append(const Hash& leaf_hash, const NodeSink& on_node);

  uint64_t size() const { return size_; }
  // The root of the current tree (EmptyRoot() when empty). O(log size) hashing, no reads.
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;  // perfect subtree roots, highest level first
};

}  // namespace kasane::eventstore

#include "eventstore/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <cstring>
#include <stdexcept>

namespace kasane::eventstore {
namespace {

// SHA-256 through OpenSSL. The algorithm is fetched once: OpenSSL 3 otherwise fetches it again
// on every EVP_DigestInit_ex(EVP_sha256()), which costs more than hashing a small event. Each
// thread reuses one context. Not reentrant: one Sha256 alive per thread at a time.
const EVP_MD* FetchedSha256() {
  static EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    if (fetched == nullptr) throw std::runtime_error("OpenSSL has no SHA-256");  // a broken build
    return fetched;
  }();
  return md;
}

class Sha256 {
 public:
  Sha256() : ctx_(ThreadContext()) {
    if (EVP_DigestInit_ex(ctx_, FetchedSha256(), nullptr) != 1) {
      throw std::runtime_error("EVP SHA-256 init failed");  // out of memory: a bug-level failure
    }
  }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> bytes) {
    if (EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) != 1) {
      throw std::runtime_error("EVP SHA-256 update failed");
    }
  }
  Hash Final() {
    Hash out;
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
      throw std::runtime_error("EVP SHA-256 final failed");
    }
    return out;
  }

 private:
  static EVP_MD_CTX* ThreadContext() {
    struct Owner {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      ~Owner() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Owner owner;
    if (owner.ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
    return owner.ctx;
  }

  EVP_MD_CTX* ctx_;
};

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// Largest power of two strictly less than n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (std::bit_width(n - 1) - 1); }

bool IsPerfect(uint64_t start, uint64_t count) {
  return std::has_single_bit(count) && (start & (count - 1)) == 0;
}

// MTH(D[start:end]) where the range is either a perfect subtree or the right edge of the tree
// (end is the tree size and start is aligned to a power of two above end - start). Reads one
// node per perfect part.
Result<Hash> RangeHash(const NodeReader& nodes, uint64_t start, uint64_t end) {
  uint64_t count = end - start;
  if (count == 0) return Internal("Merkle: empty range");
  if (IsPerfect(start, count)) {
    return nodes.GetNode(static_cast<uint32_t>(std::countr_zero(count)),
                         start >> std::countr_zero(count));
  }
  // Decompose into perfect parts, largest (leftmost) first, then fold from the right.
  std::vector<Hash> parts;
  uint64_t at = start;
  while (at < end) {
    uint64_t part = std::bit_floor(end - at);
    if ((at & (part - 1)) != 0) {
      return Internal("Merkle: range [" + std::to_string(start) + ", " + std::to_string(end) +
                      ") is neither perfect nor a right edge");
    }
    uint32_t level = static_cast<uint32_t>(std::countr_zero(part));
    KASANE_ASSIGN_OR_RETURN(Hash h, nodes.GetNode(level, at >> level));
    parts.push_back(h);
    at += part;
  }
  Hash acc = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) acc = HashChildren(parts[i], acc);
  return acc;
}

// RFC 9162 2.1.3.1 PATH(m, D[start:start+n]), appended to `out` leaf-side first.
Status Path(const NodeReader& nodes, uint64_t m, uint64_t start, uint64_t n,
            std::vector<Hash>& out) {
  if (n <= 1) return Status::Ok();
  uint64_t k = SplitPoint(n);
  if (m < k) {
    KASANE_RETURN_IF_ERROR(Path(nodes, m, start, k, out));
    KASANE_ASSIGN_OR_RETURN(Hash h, RangeHash(nodes, start + k, start + n));
    out.push_back(h);
  } else {
    KASANE_RETURN_IF_ERROR(Path(nodes, m - k, start + k, n - k, out));
    KASANE_ASSIGN_OR_RETURN(Hash h, RangeHash(nodes, start, start + k));
    out.push_back(h);
  }
  return Status::Ok();
}

// RFC 9162 2.1.4.1 SUBPROOF(m, D[start:start+n], b), appended to `out`.
Status SubProof(const NodeReader& nodes, uint64_t m, uint64_t start, uint64_t n, bool b,
                std::vector<Hash>& out) {
  if (m == n) {
    if (!b) {
      KASANE_ASSIGN_OR_RETURN(Hash h, RangeHash(nodes, start, start + n));
      out.push_back(h);
    }
    return Status::Ok();
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    KASANE_RETURN_IF_ERROR(SubProof(nodes, m, start, k, b, out));
    KASANE_ASSIGN_OR_RETURN(Hash h, RangeHash(nodes, start + k, start + n));
    out.push_back(h);
  } else {
    KASANE_RETURN_IF_ERROR(SubProof(nodes, m - k, start + k, n - k, false, out));
    KASANE_ASSIGN_OR_RETURN(Hash h, RangeHash(nodes, start, start + k));
    out.push_back(h);
  }
  return Status::Ok();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Hex8(std::span<const uint8_t> b) {
  std::string hex = BytesToHex(b);
  return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

}  // namespace

Hash Sha256Of(std::span<const uint8_t> data) {
  Sha256 sha;
  sha.Update(data);
  return sha.Final();
}

Hash HashLeaf(std::span<const uint8_t> data) {
  Sha256 sha;
  sha.Update(std::span<const uint8_t>(&kLeafPrefix, 1));
  sha.Update(data);
  return sha.Final();
}

Hash HashChildrenBytes(std::span<const uint8_t> left, std::span<const uint8_t> right) {
  Sha256 sha;
  sha.Update(std::span<const uint8_t>(&kNodePrefix, 1));
  sha.Update(left);
  sha.Update(right);
  return sha.Final();
}

Hash HashChildren(const Hash& left, const Hash& right) { return HashChildrenBytes(left, right); }

Hash EmptyRoot() {
  Sha256 sha;
  return sha.Final();
}

std::string BytesToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string HashToHex(const Hash& hash) { return BytesToHex(hash); }

Result<std::vector<uint8_t>> BytesFromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return InvalidArgument("hex: odd number of digits");
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexDigit(hex[2 * i]);
    int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("hex: not a hex digit");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

Result<Hash> HashFromHex(std::string_view hex) {
  if (hex.size() != 2 * kHashSize) {
    return InvalidArgument("hash: want 64 hex digits, got " + std::to_string(hex.size()));
  }
  KASANE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, BytesFromHex(hex));
  Hash out;
  std::memcpy(out.data(), bytes.data(), out.size());
  return out;
}

Result<Hash> RootAt(const NodeReader& nodes, uint64_t size) {
  if (size == 0) return EmptyRoot();
  return RangeHash(nodes, 0, size);
}

Result<std::vector<Hash>> InclusionProof(const NodeReader& nodes, uint64_t index, uint64_t size) {
  if (index >= size) {
    return InvalidArgument("inclusion proof: leaf index " + std::to_string(index) +
                           " is not below tree size " + std::to_string(size));
  }
  std::vector<Hash> out;
  out.reserve(InclusionProofLength(index, size));
  KASANE_RETURN_IF_ERROR(Path(nodes, index, 0, size, out));
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(const NodeReader& nodes, uint64_t size1,
                                           uint64_t size2) {
  if (size1 == 0 || size1 > size2) {
    return InvalidArgument("consistency proof: need 0 < size1 <= size2, got size1=" +
                           std::to_string(size1) + " size2=" + std::to_string(size2));
  }
  std::vector<Hash> out;
  out.reserve(ConsistencyProofLength(size1, size2));
  KASANE_RETURN_IF_ERROR(SubProof(nodes, size1, 0, size2, true, out));
  return out;
}

size_t InclusionProofLength(uint64_t index, uint64_t size) {
  // Inner nodes: levels where the paths to `index` and to the last leaf diverge; border nodes:
  // the left siblings above them on the right edge.
  int inner = std::bit_width(index ^ (size - 1));
  int border = std::popcount(inner >= 64 ? 0 : index >> inner);
  return static_cast<size_t>(inner + border);
}

size_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  if (size1 == size2) return 0;
  int shift = std::countr_zero(size1);
  int inner = std::bit_width((size1 - 1) ^ (size2 - 1));
  int border = std::popcount(inner >= 64 ? 0 : (size1 - 1) >> inner);
  size_t seed = std::has_single_bit(size1) ? 0 : 1;  // size1's own root is then given by root1
  return seed + static_cast<size_t>(inner - shift + border);
}

Status VerifyInclusionBytes(uint64_t index, uint64_t size, std::span<const uint8_t> leaf_hash,
                            std::span<const std::vector<uint8_t>> proof,
                            std::span<const uint8_t> root) {
  if (index >= size) {
    return InvalidArgument("inclusion: leaf index " + std::to_string(index) +
                           " is not below tree size " + std::to_string(size));
  }
  if (leaf_hash.size() != kHashSize) {
    return InvalidArgument("inclusion: leaf hash is " + std::to_string(leaf_hash.size()) +
                           " bytes, want 32");
  }
  size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return InvalidArgument("inclusion: proof has " + std::to_string(proof.size()) +
                           " hashes, want " + std::to_string(want) + " for leaf " +
                           std::to_string(index) + " of " + std::to_string(size));
  }
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return InvalidArgument("inclusion: proof hash " + std::to_string(i) + " is " +
                             std::to_string(proof[i].size()) + " bytes, want 32");
    }
  }
  // RFC 9162 2.1.3.2.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r;
  std::memcpy(r.data(), leaf_hash.data(), kHashSize);
  for (const std::vector<uint8_t>& p : proof) {
    if (sn == 0) return InvalidArgument("inclusion: proof is longer than the path");
    if ((fn & 1) == 1 || fn == sn) {
      r = HashChildrenBytes(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildrenBytes(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("inclusion: proof is shorter than the path");
  if (!Equal(r, root)) {
    return DataLoss("inclusion: leaf " + std::to_string(index) + " of " + std::to_string(size) +
                    " yields root " + Hex8(r) + ", not the given root " + Hex8(root));
  }
  return Status::Ok();
}

Status VerifyConsistencyBytes(uint64_t size1, uint64_t size2,
                              std::span<const std::vector<uint8_t>> proof,
                              std::span<const uint8_t> root1, std::span<const uint8_t> root2) {
  if (size2 < size1) {
    return InvalidArgument("consistency: size2 " + std::to_string(size2) + " < size1 " +
                           std::to_string(size1));
  }
  if (size1 == 0) {
    return InvalidArgument("consistency: size1 is 0; nothing to prove from an empty tree");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return InvalidArgument("consistency: sizes are equal but the proof is not empty");
    }
    if (!Equal(root1, root2)) {
      return DataLoss("consistency: sizes are equal but the roots differ");
    }
    return Status::Ok();
  }
  if (proof.empty()) return InvalidArgument("consistency: empty proof for size1 < size2");
  size_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return InvalidArgument("consistency: proof has " + std::to_string(proof.size()) +
                           " hashes, want " + std::to_string(want) + " from " +
                           std::to_string(size1) + " to " + std::to_string(size2));
  }
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return InvalidArgument("consistency: proof hash " + std::to_string(i) + " is " +
                             std::to_string(proof[i].size()) + " bytes, want 32");
    }
  }
  if (std::has_single_bit(size1) && root1.size() != kHashSize) {
    return DataLoss("consistency: root1 is " + std::to_string(root1.size()) + " bytes, want 32");
  }
  // RFC 9162 2.1.4.2.
  std::vector<std::span<const uint8_t>> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  for (const std::vector<uint8_t>& p : proof) path.push_back(p);
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr;
  std::memcpy(fr.data(), path[0].data(), kHashSize);
  Hash sr = fr;
  for (size_t i = 1; i < path.size(); ++i) {
    std::span<const uint8_t> c = path[i];
    if (sn == 0) return InvalidArgument("consistency: proof is longer than the path");
    if ((fn & 1) == 1 || fn == sn) {
      fr = HashChildrenBytes(c, fr);
      sr = HashChildrenBytes(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildrenBytes(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("consistency: proof is shorter than the path");
  if (!Equal(fr, root1)) {
    return DataLoss("consistency: proof yields root1 " + Hex8(fr) + ", not the given " +
                    Hex8(root1));
  }
  if (!Equal(sr, root2)) {
    return DataLoss("consistency: proof yields root2 " + Hex8(sr) + ", not the given " +
                    Hex8(root2));
  }
  return Status::Ok();
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  std::vector<std::vector<uint8_t>> bytes;
  bytes.reserve(proof.size());
  for (const Hash& h : proof) bytes.emplace_back(h.begin(), h.end());
  return VerifyInclusionBytes(index, size, leaf_hash, bytes, root);
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  std::vector<std::vector<uint8_t>> bytes;
  bytes.reserve(proof.size());
  for (const Hash& h : proof) bytes.emplace_back(h.begin(), h.end());
  return VerifyConsistencyBytes(size1, size2, bytes, root1, root2);
}

MerkleFrontier::MerkleFrontier() = default;

Result<MerkleFrontier> MerkleFrontier::Load(const NodeReader& nodes, uint64_t size) {
  MerkleFrontier frontier;
  uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    uint64_t part = uint64_t{1} << level;
    if ((size & part) == 0) continue;
    KASANE_ASSIGN_OR_RETURN(Hash h, nodes.GetNode(static_cast<uint32_t>(level), start >> level));
    frontier.edge_.push_back(h);
    start += part;
  }
  frontier.size_ = size;
  return frontier;
}

void MerkleFrontier::Append(const Hash& leaf_hash, const NodeSink& on_node) {
  uint64_t index = size_;
  uint32_t level = 0;
  Hash h = leaf_hash;
  if (on_node) on_node(level, index, h);
  // Each set low bit of the old size is a perfect subtree the new leaf completes a parent with.
  while ((size_ >> level) & 1) {
    h = HashChildren(edge_.back(), h);
    edge_.pop_back();
    ++level;
    index >>= 1;
    if (on_node) on_node(level, index, h);
  }
  edge_.push_back(h);
  ++size_;
}

Hash MerkleFrontier::Root() const {
  if (edge_.empty()) return EmptyRoot();
  Hash acc = edge_.back();
  for (size_t i = edge_.size() - 1; i-- > 0;) acc = HashChildren(edge_[i], acc);
  return acc;
}

}  // namespace kasane::eventstore

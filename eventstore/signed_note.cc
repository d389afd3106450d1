#include "eventstore/signed_note.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <charconv>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace kasane::eventstore {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 em dash, space
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");  // unusable system
  });
}

std::array<uint8_t, 32> Sha256(std::span<const uint8_t> bytes) {
  std::array<uint8_t, 32> out;
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP SHA-256 failed");
  }
  return out;
}

// SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian.
uint32_t KeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::vector<uint8_t> buf(name.begin(), name.end());
  buf.push_back('\n');
  buf.push_back(kAlgEd25519);
  buf.insert(buf.end(), public_key.begin(), public_key.end());
  std::array<uint8_t, 32> h = Sha256(buf);
  return uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | uint32_t{h[3]};
}

std::string Hex8(uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[i] = kDigits[v & 0xf];
    v >>= 4;
  }
  return out;
}

// Parses exactly eight hex digits (either case).
bool ParseHex8(std::string_view s, uint32_t& out) {
  if (s.size() != 8) return false;
  out = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return false;
    out = out << 4 | static_cast<uint32_t>(d);
  }
  return true;
}

// Decodes one UTF-8 code point at s[i]. Returns -1 (and size 1) for an invalid sequence,
// including overlong forms, surrogates and values above U+10FFFF.
int32_t DecodeRune(std::string_view s, size_t i, size_t& size) {
  size = 1;
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  uint8_t b0 = b(0);
  if (b0 < 0x80) return b0;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;
  int32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  if (i + n > s.size()) return -1;
  for (size_t k = 1; k < n; ++k) {
    uint8_t c = b(k);
    uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) return -1;
    cp = cp << 6 | (c & 0x3F);
  }
  size = n;
  return cp;
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(int32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Valid UTF-8 with no ASCII control characters other than "\n".
bool IsNoteText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t size;
    int32_t cp = DecodeRune(s, i, size);
    if (cp < 0 || (cp < 0x20 && cp != '\n')) return false;
    i += size;
  }
  return true;
}

// Splits at the first `sep`: returns the part before and sets `rest` to the part after (or "").
std::string_view Chop(std::string_view s, char sep, std::string_view& rest) {
  size_t at = s.find(sep);
  if (at == std::string_view::npos) {
    rest = {};
    return s;
  }
  rest = s.substr(at + 1);
  return s.substr(0, at);
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    size_t size;
    int32_t cp = DecodeRune(name, i, size);
    if (cp < 0 || cp == '+' || IsUnicodeSpace(cp)) return false;
    i += size;
  }
  return true;
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  InitSodium();
  const size_t cap = sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(cap, '\0');
  sodium_bin2base64(out.data(), cap, bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(cap - 1);  // drop the NUL
  return out;
}

Result<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  InitSodium();
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return InvalidArgument("not standard padded base64");
  }
  out.resize(len);
  // libsodium 1.0.18 decodes some bytes outside the alphabet (found by fuzzing: "AA\xa8A" gave
  // the bytes of "AA/A"); only the one canonical text of these bytes is accepted.
  if (Base64Encode(out) != text) return InvalidArgument("not standard padded base64");
  return out;
}

// --- NoteSigner ---

NoteSigner::~NoteSigner() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

Result<NoteSigner> NoteSigner::FromSeed(std::string name, std::span<const uint8_t, 32> seed) {
  InitSodium();
  if (!IsValidKeyName(name)) return InvalidArgument("note key: invalid key name '" + name + "'");
  NoteSigner s;
  s.name_ = std::move(name);
  std::memcpy(s.seed_.data(), seed.data(), seed.size());
  if (crypto_sign_seed_keypair(s.public_key_.data(), s.secret_key_.data(), s.seed_.data()) != 0) {
    return Internal("note key: crypto_sign_seed_keypair failed");
  }
  s.key_id_ = KeyId(s.name_, s.public_key_);
  return s;
}

Result<NoteSigner> NoteSigner::Generate(std::string name, Random& random) {
  std::array<uint8_t, 32> seed;
  random.Fill(seed);
  Result<NoteSigner> signer = FromSeed(std::move(name), seed);
  sodium_memzero(seed.data(), seed.size());
  return signer;
}

Result<NoteSigner> NoteSigner::FromSignerKey(std::string_view signer_key) {
  const Status malformed = InvalidArgument("note signer key: malformed");
  if (!signer_key.starts_with(kPrivateKeyPrefix)) return malformed;
  std::string_view rest = signer_key.substr(kPrivateKeyPrefix.size());
  std::string_view name = Chop(rest, '+', rest);
  std::string_view id_hex = Chop(rest, '+', rest);
  std::string_view key64 = rest;
  uint32_t key_id = 0;
  if (!IsValidKeyName(name) || !ParseHex8(id_hex, key_id)) return malformed;
  Result<std::vector<uint8_t>> key = Base64Decode(key64);
  if (!key.ok() || key->empty()) return malformed;
  if ((*key)[0] != kAlgEd25519) {
    return InvalidArgument("note signer key: unsupported signature type " +
                           std::to_string((*key)[0]) + " (only Ed25519, 1)");
  }
  if (key->size() != 1 + 32)
    return InvalidArgument("note signer key: Ed25519 seed is not 32 bytes");
  std::array<uint8_t, 32> seed;
  std::memcpy(seed.data(), key->data() + 1, 32);
  sodium_memzero(key->data(), key->size());
  Result<NoteSigner> signer = FromSeed(std::string(name), seed);
  sodium_memzero(seed.data(), seed.size());
  if (!signer.ok()) return signer.status();
  if (signer->key_id() != key_id) {
    return InvalidArgument("note signer key: key id " + std::string(id_hex) +
                           " does not match the key (" + Hex8(signer->key_id()) + ")");
  }
  return signer;
}

std::string NoteSigner::SignerKey() const {
  std::vector<uint8_t> key{kAlgEd25519};
  key.insert(key.end(), seed_.begin(), seed_.end());
  std::string out =
      std::string(kPrivateKeyPrefix) + name_ + "+" + Hex8(key_id_) + "+" + Base64Encode(key);
  sodium_memzero(key.data(), key.size());
  return out;
}

std::string NoteSigner::VerifierKey() const { return Verifier().VerifierKey(); }

NoteVerifier NoteSigner::Verifier() const {
  return NoteVerifier::FromPublicKey(name_, public_key_);
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n') {
    return InvalidArgument("note: text must be non-empty and end in a newline");
  }
  if (text.size() + name_.size() + 128 > kMaxNoteBytes) {
    return InvalidArgument("note: text too large");
  }
  if (!IsNoteText(text)) {
    return InvalidArgument("note: text must be UTF-8 without control characters other than \\n");
  }
  std::array<uint8_t, 4 + crypto_sign_BYTES> sig;
  sig[0] = static_cast<uint8_t>(key_id_ >> 24);
  sig[1] = static_cast<uint8_t>(key_id_ >> 16);
  sig[2] = static_cast<uint8_t>(key_id_ >> 8);
  sig[3] = static_cast<uint8_t>(key_id_);
  unsigned long long sig_len = 0;
  if (crypto_sign_detached(sig.data() + 4, &sig_len, reinterpret_cast<const uint8_t*>(text.data()),
                           text.size(), secret_key_.data()) != 0 ||
      sig_len != crypto_sign_BYTES) {
    return Internal("note: crypto_sign_detached failed");
  }
  std::string note(text);
  note += "\n";
  note += kSigPrefix;
  note += name_;
  note += " ";
  note += Base64Encode(sig);
  note += "\n";
  return note;
}

// --- NoteVerifier ---

Result<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view verifier_key) {
  const Status malformed = InvalidArgument("note verifier key: malformed");
  std::string_view rest;
  std::string_view name = Chop(verifier_key, '+', rest);
  std::string_view id_hex = Chop(rest, '+', rest);
  std::string_view key64 = rest;
  uint32_t key_id = 0;
  if (!IsValidKeyName(name) || !ParseHex8(id_hex, key_id)) return malformed;
  Result<std::vector<uint8_t>> key = Base64Decode(key64);
  if (!key.ok() || key->empty()) return malformed;
  if ((*key)[0] != kAlgEd25519) {
    return InvalidArgument("note verifier key: unsupported signature type " +
                           std::to_string((*key)[0]) + " (only Ed25519, 1)");
  }
  if (key->size() != 1 + 32) {
    return InvalidArgument("note verifier key: Ed25519 public key is not 32 bytes");
  }
  std::array<uint8_t, 32> public_key;
  std::memcpy(public_key.data(), key->data() + 1, 32);
  NoteVerifier v = FromPublicKey(std::string(name), public_key);
  if (v.key_id_ != key_id) {
    return InvalidArgument("note verifier key: key id " + std::string(id_hex) +
                           " does not match the key (" + Hex8(v.key_id_) + ")");
  }
  return v;
}

NoteVerifier NoteVerifier::FromPublicKey(std::string name,
                                         const std::array<uint8_t, 32>& public_key) {
  NoteVerifier v;
  v.name_ = std::move(name);
  v.public_key_ = public_key;
  v.key_id_ = KeyId(v.name_, public_key);
  return v;
}

std::string NoteVerifier::VerifierKey() const {
  std::vector<uint8_t> key{kAlgEd25519};
  key.insert(key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + Hex8(key_id_) + "+" + Base64Encode(key);
}

bool NoteVerifier::Verify(std::string_view message, std::span<const uint8_t> signature) const {
  InitSodium();
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const uint8_t*>(message.data()),
                                     message.size(), public_key_.data()) == 0;
}

// --- Notes ---

Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  if (note.size() > kMaxNoteBytes) return InvalidArgument("note: too large");
  if (!IsNoteText(note)) {
    return InvalidArgument("note: not UTF-8, or has control characters other than \\n");
  }
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return InvalidArgument("note: no blank line before the signatures");
  }
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return InvalidArgument("note: the signature block must be non-empty and end in a newline");
  }
  size_t count = 0;
  bool verified = false;
  while (!sigs.empty()) {
    size_t eol = sigs.find('\n');  // exists: sigs ends in '\n'
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (!line.starts_with(kSigPrefix)) {
      return InvalidArgument("note: signature line does not start with an em dash and a space");
    }
    line.remove_prefix(kSigPrefix.size());
    std::string_view b64;
    std::string_view name = Chop(line, ' ', b64);
    Result<std::vector<uint8_t>> sig = Base64Decode(b64);
    if (!IsValidKeyName(name) || b64.empty() || !sig.ok() || sig->size() < 5) {
      return InvalidArgument("note: malformed signature line");
    }
    if (++count > kMaxNoteSignatures) return InvalidArgument("note: too many signatures");
    uint32_t key_id = uint32_t{(*sig)[0]} << 24 | uint32_t{(*sig)[1]} << 16 |
                      uint32_t{(*sig)[2]} << 8 | uint32_t{(*sig)[3]};
    if (name != verifier.name() || key_id != verifier.key_id()) continue;  // another key
    if (verified) continue;  // later lines by the same key are ignored, as in x/mod/sumdb/note
    if (!verifier.Verify(text, std::span<const uint8_t>(*sig).subspan(4))) {
      return DataLoss("note: signature by " + verifier.name() + "+" + Hex8(key_id) +
                      " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    return Status(StatusCode::kUnauthenticated,
                  "note: no signature by " + verifier.name() + "+" + Hex8(verifier.key_id()));
  }
  return std::string(text);
}

// --- Checkpoints ---

std::string CheckpointBody::Marshal() const {
  std::string out = origin + "\n" + std::to_string(size) + "\n" + Base64Encode(root_hash) + "\n";
  for (const std::string& e : extensions) out += e + "\n";
  return out;
}

Result<CheckpointBody> CheckpointBody::Parse(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return InvalidArgument("checkpoint: text must end in a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text.substr(0, text.size() - 1);;) {
    size_t eol = rest.find('\n');
    lines.push_back(rest.substr(0, eol));
    if (eol == std::string_view::npos) break;
    rest.remove_prefix(eol + 1);
  }
  if (lines.size() < 3) return InvalidArgument("checkpoint: fewer than three lines");
  // A note text is UTF-8 (found by fuzzing: an extension line of invalid UTF-8 parsed, and no
  // signer would sign it).
  if (!IsNoteText(text)) {
    return InvalidArgument("checkpoint: control character or invalid UTF-8");
  }
  CheckpointBody body;
  if (lines[0].empty()) return InvalidArgument("checkpoint: empty origin");
  body.origin = std::string(lines[0]);
  std::string_view size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0') || size[0] < '0' || size[0] > '9') {
    return InvalidArgument("checkpoint: tree size is not a decimal without leading zeros");
  }
  auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), body.size);
  if (ec != std::errc() || end != size.data() + size.size()) {
    return InvalidArgument("checkpoint: tree size is not a decimal uint64");
  }
  Result<std::vector<uint8_t>> root = Base64Decode(lines[2]);
  if (!root.ok()) return InvalidArgument("checkpoint: root hash is not base64");
  body.root_hash = std::move(root).value();
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return InvalidArgument("checkpoint: empty extension line");
    body.extensions.emplace_back(lines[i]);
  }
  return body;
}

std::string Checkpoint::Marshal() const {
  return CheckpointBody{origin, size, std::vector<uint8_t>(root.begin(), root.end()), extensions}
      .Marshal();
}

Result<Checkpoint> Checkpoint::Parse(std::string_view text) {
  KASANE_ASSIGN_OR_RETURN(CheckpointBody body, CheckpointBody::Parse(text));
  if (body.root_hash.size() != kHashSize) {
    return InvalidArgument("checkpoint: root hash is " + std::to_string(body.root_hash.size()) +
                           " bytes, want 32");
  }
  Checkpoint cp;
  cp.origin = std::move(body.origin);
  cp.size = body.size;
  std::memcpy(cp.root.data(), body.root_hash.data(), kHashSize);
  cp.extensions = std::move(body.extensions);
  return cp;
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier,
                                  std::string_view want_origin) {
  KASANE_ASSIGN_OR_RETURN(std::string text, OpenNote(note, verifier));
  KASANE_ASSIGN_OR_RETURN(Checkpoint cp, Checkpoint::Parse(text));
  if (!want_origin.empty() && cp.origin != want_origin) {
    return InvalidArgument("checkpoint: origin '" + cp.origin + "' is not the expected '" +
                           std::string(want_origin) + "'");
  }
  return cp;
}

}  // namespace kasane::eventstore

// Signed notes and checkpoints: how the log's tree head is published and checked.
//
// Formats, byte for byte:
// - C2SP signed-note (https://c2sp.org/signed-note), Ed25519 keys only (signature type 0x01):
//   a note is a text ending in "\n", a blank line, then signature lines
//   "— <key name> <base64(key id (4 bytes, big-endian) || signature (64 bytes))>\n" (U+2014 em
//   dash). The signature covers the text, including its final newline. key id = first 4 bytes of
//   SHA-256(<key name> || 0x0A || 0x01 || <32-byte public key>). Verifier key: "<name>+<8 lowercase
//   hex key id>+<base64(0x01 || public key)>". Signer key (golang.org/x/mod/sumdb/note):
//   "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>". Key names are non-empty UTF-8
//   without '+' and without Unicode white space.
// - C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) as the note text: origin line, tree
// size
//   in decimal without leading zeros, base64 root hash, then optional non-empty extension lines;
//   every line ends in "\n".
// Base64 is the standard alphabet with padding (RFC 4648 section 4).
//
// Thread-safety: all types are values; const methods are safe to call concurrently.
//
//   KASANE_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::FromSignerKey(skey));
//   Checkpoint cp{"kasane.example/log", frontier.size(), frontier.Root(), {}};
//   KASANE_ASSIGN_OR_RETURN(std::string note, signer.Sign(cp.Marshal()));
//   ...
//   KASANE_ASSIGN_OR_RETURN(NoteVerifier v, NoteVerifier::FromVerifierKey(vkey));
//   KASANE_ASSIGN_OR_RETURN(Checkpoint seen, OpenCheckpoint(note, v, "kasane.example/log"));
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/random.h"
#include "base/status.h"
#include "eventstore/merkle.h"

namespace kasane::eventstore {

// Notes (text plus signatures) larger than this are refused by OpenNote and Sign.
inline constexpr size_t kMaxNoteBytes = 1 << 20;
// Notes with more signature lines than this are refused (as golang.org/x/mod/sumdb/note does).
inline constexpr size_t kMaxNoteSignatures = 100;

// True if `name` may be a key name: non-empty valid UTF-8, no '+', no Unicode white space.
bool IsValidKeyName(std::string_view name);

// Standard base64 with padding.
std::string Base64Encode(std::span<const uint8_t> bytes);
// Decodes standard padded base64 (no white space, canonical trailing bits). kInvalidArgument on
// anything else.
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);

class NoteVerifier;

// An Ed25519 note signing key with its name. Holds the private key; the destructor wipes it.
class NoteSigner {
 public:
  // A signer from a 32-byte Ed25519 seed. Fails with kInvalidArgument on an invalid name.
  static Result<NoteSigner> FromSeed(std::string name, std::span<const uint8_t, 32> seed);
  // A new key with a seed drawn from `random`. Fails with kInvalidArgument on an invalid name.
  static Result<NoteSigner> Generate(std::string name, Random& random);
  // Parses "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01||seed)>". Fails with kInvalidArgument
  // if malformed, of another signature type, or if the key id does not match the derived key.
  static Result<NoteSigner> FromSignerKey(std::string_view signer_key);

  NoteSigner(const NoteSigner&) = default;
  NoteSigner& operator=(const NoteSigner&) = default;
  ~NoteSigner();

  // The private key string (keep it secret; the store writes it to a 0600 file).
  std::string SignerKey() const;
  // The public verifier key string, "<name>+<hex8 key id>+<base64(0x01||public key)>".
  std::string VerifierKey() const;
  // The verifier for this key.
  NoteVerifier Verifier() const;

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }

  // Returns the signed note: text, "\n", and one signature line. Fails with kInvalidArgument if the
  // text is empty, does not end in "\n", is not valid UTF-8, contains ASCII control characters
  // other than "\n", or is too large.
  Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 32> public_key_{};
  std::array<uint8_t, 64> secret_key_{};  // libsodium's seed || public key form
};

// An Ed25519 note verification key with its name.
class NoteVerifier {
 public:
  // Parses "<name>+<hex8 key id>+<base64(0x01||public key)>". Fails with kInvalidArgument if
  // malformed, not type 0x01 (Ed25519), not 32 key bytes, or if the key id does not match.
  static Result<NoteVerifier> FromVerifierKey(std::string_view verifier_key);
  static NoteVerifier FromPublicKey(std::string name, const std::array<uint8_t, 32>& public_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  std::string VerifierKey() const;

  // True if `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  NoteVerifier() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// Checks a signed note and returns its text (including the final newline) if it carries a valid
// signature from `verifier` (same key name and key id). Signature lines from other keys are
// ignored; repeated lines from this key are checked once. Fails with:
//   kInvalidArgument  the note is malformed: too large, not UTF-8, control characters, no blank
//                     line before the signatures, a signature line that is not
//                     "— <valid name> <base64 of at least 5 bytes>", more than kMaxNoteSignatures;
//   kDataLoss         a signature line names this key but does not verify;
//   kUnauthenticated  no signature line from this key.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);

// A tlog-checkpoint body whose root hash may have any length (the format allows other hashes; the
// published marshalling vectors use short ASCII strings). Checkpoint below is the SHA-256 case.
struct CheckpointBody {
  std::string origin;
  uint64_t size = 0;
  std::vector<uint8_t> root_hash;
  std::vector<std::string> extensions;

  // The note text. Precondition: origin and extensions are non-empty and contain no "\n".
  std::string Marshal() const;
  // Parses a note text. Fails with kInvalidArgument on fewer than three lines, a missing final
  // newline, an empty origin, a size that is not a canonical decimal uint64, a root that is not
  // base64, an empty extension line, or control characters.
  static Result<CheckpointBody> Parse(std::string_view text);

  friend bool operator==(const CheckpointBody&, const CheckpointBody&) = default;
};

// A checkpoint of a kasane log: origin, tree size, and the SHA-256 Merkle root.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  // The note text, "<origin>\n<size>\n<base64 root>\n" then "<extension>\n" for each extension.
  // Precondition: origin and extensions are non-empty and contain no "\n".
  std::string Marshal() const;
  // As CheckpointBody::Parse, and also fails with kInvalidArgument if the root is not 32 bytes.
  static Result<Checkpoint> Parse(std::string_view text);

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// OpenNote then Checkpoint::Parse; if `want_origin` is non-empty, also fails with kInvalidArgument
// unless the checkpoint's origin equals it.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier,
                                  std::string_view want_origin);

}  // namespace kasane::eventstore

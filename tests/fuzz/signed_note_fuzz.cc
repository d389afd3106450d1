// Fuzz target: the signed-note and checkpoint parsers (eventstore/signed_note.h). Every parser
// takes the input: OpenNote and OpenCheckpoint against a fixed key, CheckpointBody::Parse and
// Checkpoint::Parse, the verifier and signer key parsers, Base64Decode. None may crash; what
// parses must marshal back to the same bytes (each format has one canonical form; key strings up
// to the case of the key id's hex digits); and a text the signer accepts must open again, with
// the signature, as exactly that text.
// Seeds: signed checkpoints of several sizes (with extensions, cosigned by a second key), the
// published verifier and signer key forms, base64 strings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/merkle.h"
#include "eventstore/signed_note.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kasane;
using namespace kasane::eventstore;

void WriteSeeds(const std::string& dir) {
  const NoteSigner& signer = fuzz::FuzzSigner();
  std::array<uint8_t, 32> other_seed{};
  other_seed.fill(7);
  auto other = NoteSigner::FromSeed("witness.example", other_seed);
  if (!other.ok()) std::abort();
  int n = 0;
  for (uint64_t size : {0ull, 1ull, 7ull, 1234567ull}) {
    Hash root{};
    for (size_t i = 0; i < root.size(); ++i) root[i] = static_cast<uint8_t>(size * 31 + i);
    Checkpoint cp{"kasane.fuzz/log", size, root, {}};
    if (size == 7) cp.extensions = {"timestamp 1700000000", "note from the fuzzer"};
    auto note = signer.Sign(cp.Marshal());
    if (!note.ok()) std::abort();
    fuzz::WriteSeed(dir, "checkpoint-" + std::to_string(n++), *note);
    if (size == 1234567) {
      // Cosigned: a second signature line from another key, before ours.
      auto theirs = other->Sign(cp.Marshal());
      if (!theirs.ok()) std::abort();
      const std::string sig_ours = note->substr(cp.Marshal().size() + 1);
      fuzz::WriteSeed(dir, "cosigned", *theirs + sig_ours);
    }
  }
  fuzz::WriteSeed(dir, "verifier-key", signer.VerifierKey());
  fuzz::WriteSeed(dir, "signer-key", signer.SignerKey());
  fuzz::WriteSeed(dir, "base64", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  fuzz::WriteSeed(dir, "text", "kasane.fuzz/log\n5\nAAAA\n");
}

}  // namespace

KASANE_FUZZ_SEEDS(WriteSeeds)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const NoteSigner& signer = fuzz::FuzzSigner();
  static const NoteVerifier verifier = signer.Verifier();

  auto text = OpenNote(in, verifier);
  if (text.ok()) {
    FUZZ_CHECK(in.substr(0, text->size()) == *text);
    auto cp = OpenCheckpoint(in, verifier, "kasane.fuzz/log");
    if (cp.ok()) FUZZ_CHECK(cp->Marshal() == *text);
  }

  if (auto body = CheckpointBody::Parse(in); body.ok()) FUZZ_CHECK(body->Marshal() == in);
  if (auto cp = Checkpoint::Parse(in); cp.ok()) {
    FUZZ_CHECK(cp->Marshal() == in);
    // A checkpoint text the parser accepts is one the signer signs and the verifier opens.
    auto signed_note = signer.Sign(in);
    FUZZ_CHECK(signed_note.ok());
    auto opened = OpenCheckpoint(*signed_note, verifier, "");
    FUZZ_CHECK(opened.ok() && *opened == *cp);
  }

  // Any text the signer accepts opens again as exactly that text.
  if (auto signed_note = signer.Sign(in); signed_note.ok()) {
    auto opened = OpenNote(*signed_note, verifier);
    FUZZ_CHECK(opened.ok() && *opened == in);
  }

  // Key strings: the key id's hex digits may be upper case (as golang.org/x/mod/sumdb/note
  // accepts them); the key prints them in lower case, and what it prints parses to itself.
  if (auto v = NoteVerifier::FromVerifierKey(in); v.ok()) {
    FUZZ_CHECK(IsValidKeyName(v->name()));
    auto again = NoteVerifier::FromVerifierKey(v->VerifierKey());
    FUZZ_CHECK(again.ok() && again->VerifierKey() == v->VerifierKey());
    FUZZ_CHECK(again->public_key() == v->public_key() && again->key_id() == v->key_id());
  }
  if (auto s = NoteSigner::FromSignerKey(in); s.ok()) {
    auto again = NoteSigner::FromSignerKey(s->SignerKey());
    FUZZ_CHECK(again.ok() && again->SignerKey() == s->SignerKey());
    FUZZ_CHECK(again->VerifierKey() == s->VerifierKey());
  }
  if (auto b = Base64Decode(in); b.ok()) FUZZ_CHECK(Base64Encode(*b) == in);

  return 0;
}

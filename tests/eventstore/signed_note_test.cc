// Tests for eventstore/signed_note.h against the published C2SP signed-note, sumdb note and
// tlog-checkpoint vectors (../shared/testdata/rfc6962_vectors.json) and malformed inputs.
#include "eventstore/signed_note.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/eventstore/vectors.h"

namespace kasane::eventstore {
namespace {

using nlohmann::json;

using testing::Vectors;

std::vector<uint8_t> Ascii(std::string_view s) { return {s.begin(), s.end()}; }

NoteSigner TestSigner(std::string name, uint64_t seed) {
  SeededRandom random(seed);
  Result<NoteSigner> signer = NoteSigner::Generate(std::move(name), random);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

TEST(SignedNote, PublishedNotesVerifyOrAreRejectedAsMarked) {
  const json& notes = Vectors()["signed_notes"];
  ASSERT_GE(notes.size(), 4u);
  int valid = 0, invalid = 0;
  for (const auto& v : notes) {
    SCOPED_TRACE(v["desc"].get<std::string>());
    Result<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(v["vkey"].get<std::string>());
    ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
    EXPECT_EQ(verifier->VerifierKey(), v["vkey"].get<std::string>());
    Result<std::string> text = OpenNote(v["note"].get<std::string>(), *verifier);
    if (v["want_valid"].get<bool>()) {
      ++valid;
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      EXPECT_EQ(*text, v["signed_text"].get<std::string>());
      if (v.contains("checkpoint")) {
        Result<Checkpoint> cp = Checkpoint::Parse(*text);
        ASSERT_TRUE(cp.ok()) << cp.status().ToString();
        EXPECT_EQ(cp->origin, v["checkpoint"]["origin"].get<std::string>());
        EXPECT_EQ(cp->size, v["checkpoint"]["size"].get<uint64_t>());
        EXPECT_EQ(HashToHex(cp->root), v["checkpoint"]["root_hash_hex"].get<std::string>());
        EXPECT_EQ(cp->Marshal(), *text);
        Result<Checkpoint> opened =
            OpenCheckpoint(v["note"].get<std::string>(), *verifier, cp->origin);
        ASSERT_TRUE(opened.ok());
        EXPECT_EQ(*opened, *cp);
        EXPECT_EQ(
            OpenCheckpoint(v["note"].get<std::string>(), *verifier, "other origin").status().code(),
            StatusCode::kInvalidArgument);
      }
    } else {
      ++invalid;
      EXPECT_FALSE(text.ok());
      EXPECT_EQ(text.status().code(), StatusCode::kDataLoss) << text.status().ToString();
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

TEST(SignedNote, SigningWithPublishedSignerKeyReproducesPublishedNote) {
  // Ed25519 is deterministic: the x/mod/sumdb/note test key must give the published note.
  int checked = 0;
  for (const auto& v : Vectors()["signed_notes"]) {
    std::smatch m;
    std::string desc = v["desc"];
    if (!std::regex_search(desc, m, std::regex("PRIVATE\\+KEY\\+\\S+"))) continue;
    SCOPED_TRACE(desc);
    Result<NoteSigner> signer = NoteSigner::FromSignerKey(m.str());
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    EXPECT_EQ(signer->SignerKey(), m.str());
    EXPECT_EQ(signer->VerifierKey(), v["vkey"].get<std::string>());
    Result<std::string> note = signer->Sign(v["signed_text"].get<std::string>());
    ASSERT_TRUE(note.ok());
    EXPECT_EQ(*note, v["note"].get<std::string>());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(SignedNote, GeneratedKeysRoundTripAndSignVerifiableNotes) {
  NoteSigner signer = TestSigner("kasane.example/log", 42);
  Result<NoteSigner> again = NoteSigner::FromSignerKey(signer.SignerKey());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->VerifierKey(), signer.VerifierKey());
  EXPECT_EQ(again->key_id(), signer.key_id());
  Result<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(signer.VerifierKey());
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(verifier->name(), "kasane.example/log");
  EXPECT_EQ(verifier->key_id(), signer.key_id());
  EXPECT_TRUE(signer.VerifierKey().starts_with("kasane.example/log+"));

  Result<std::string> note = signer.Sign("hello\nworld\n");
  ASSERT_TRUE(note.ok());
  EXPECT_TRUE(note->starts_with("hello\nworld\n\n\xE2\x80\x94 kasane.example/log "));
  Result<std::string> text = OpenNote(*note, *verifier);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "hello\nworld\n");
  // Same seed, same key; another seed, another key.
  EXPECT_EQ(TestSigner("kasane.example/log", 42).SignerKey(), signer.SignerKey());
  EXPECT_NE(TestSigner("kasane.example/log", 43).VerifierKey(), signer.VerifierKey());
}

TEST(SignedNote, SignRejectsTextThatIsNotANoteText) {
  NoteSigner signer = TestSigner("k", 1);
  EXPECT_EQ(signer.Sign("no newline").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("tab\there\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign("bad \xff utf8\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer.Sign(std::string(kMaxNoteBytes, 'a') + "\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(signer.Sign("unicode \xE2\x9C\x93 is fine\n").ok());
}

TEST(SignedNote, KeyNamesFollowTheSpec) {
  EXPECT_TRUE(IsValidKeyName("example.com/foo"));
  EXPECT_TRUE(IsValidKeyName("\xE6\x9D\xB1\xE4\xBA\xAC"));  // 東京
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(
      IsValidKeyName("a\xC2\xA0"
                     "b"));  // U+00A0
  EXPECT_FALSE(
      IsValidKeyName("a\xE3\x80\x80"
                     "b"));  // U+3000 ideographic space
  EXPECT_FALSE(
      IsValidKeyName("a\xE2\x80\x89"
                     "b"));  // U+2009 thin space
  EXPECT_FALSE(IsValidKeyName("a\xff"));
  EXPECT_FALSE(IsValidKeyName("a\xC0\xAF"));  // overlong '/'
  std::array<uint8_t, 32> seed{};
  EXPECT_EQ(NoteSigner::FromSeed("bad name", seed).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NoteSigner::FromSeed("", seed).status().code(), StatusCode::kInvalidArgument);
}

TEST(SignedNote, VerifierKeyParserRejectsMalformedKeys) {
  NoteSigner signer = TestSigner("log.example", 7);
  std::string vkey = signer.VerifierKey();
  ASSERT_TRUE(NoteVerifier::FromVerifierKey(vkey).ok());
  std::string name = "log.example";
  std::string hex = vkey.substr(name.size() + 1, 8);
  std::string key64 = vkey.substr(name.size() + 10);

  std::vector<uint8_t> key = *Base64Decode(key64);
  std::vector<uint8_t> other_type = key;
  other_type[0] = 0x02;
  std::vector<uint8_t> short_key(key.begin(), key.end() - 1);
  std::string wrong_hex = hex;
  wrong_hex[0] = wrong_hex[0] == '0' ? '1' : '0';

  for (std::string bad : {
           std::string(""), name, name + "+" + hex, name + "+" + hex + "+",
           name + "+" + wrong_hex + "+" + key64,               // key id mismatch
           name + "+" + hex.substr(1) + "+" + key64,           // 7 hex digits
           name + "+" + hex + "0+" + key64,                    // 9 hex digits
           name + "+" + hex + "+" + key64 + "x",               // bad base64
           name + "+" + hex + "+" + key64.substr(1),           // bad base64
           name + "+" + hex + "+" + Base64Encode(other_type),  // not Ed25519
           name + "+" + hex + "+" + Base64Encode(short_key),   // 31-byte key
           "other" + vkey.substr(name.size()),                 // name changes the key id
           "log example" + vkey.substr(name.size()),           // invalid name
       }) {
    SCOPED_TRACE(bad);
    Result<NoteVerifier> v = NoteVerifier::FromVerifierKey(bad);
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(SignedNote, SignerKeyParserRejectsMalformedKeys) {
  NoteSigner signer = TestSigner("log.example", 8);
  std::string skey = signer.SignerKey();
  ASSERT_TRUE(NoteSigner::FromSignerKey(skey).ok());
  std::string prefix = "PRIVATE+KEY+log.example+";
  ASSERT_TRUE(skey.starts_with(prefix));
  std::string hex = skey.substr(prefix.size(), 8);
  std::string key64 = skey.substr(prefix.size() + 9);
  std::vector<uint8_t> key = *Base64Decode(key64);
  key[0] = 0x02;
  std::string wrong_hex = hex;
  wrong_hex[7] = wrong_hex[7] == 'a' ? 'b' : 'a';
  for (std::string bad : {
           std::string(""),
           skey.substr(8),  // no PRIVATE+
           "PRIVATE+KEX+" + skey.substr(12),
           prefix + wrong_hex + "+" + key64,        // key id mismatch
           prefix + hex + "+" + Base64Encode(key),  // not Ed25519
           prefix + hex + "+" + key64.substr(0, key64.size() - 4),
           signer.VerifierKey(),  // a public key
       }) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(NoteSigner::FromSignerKey(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

class OpenNoteTest : public ::testing::Test {
 protected:
  NoteSigner signer_ = TestSigner("log.example", 11);
  NoteSigner other_ = TestSigner("witness.example", 12);
  NoteVerifier verifier_ = signer_.Verifier();
  std::string text_ = "log.example\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  std::string note_ = *signer_.Sign(text_);
  // The signature line alone ("— name b64\n").
  std::string SigLine(const std::string& note) const { return note.substr(note.rfind("\n\n") + 2); }
};

TEST_F(OpenNoteTest, AcceptsNoteSignedByTheKeyAndIgnoresOtherSigners) {
  ASSERT_EQ(*OpenNote(note_, verifier_), text_);
  std::string cosigned = note_ + SigLine(*other_.Sign(text_));
  EXPECT_EQ(*OpenNote(cosigned, verifier_), text_);
  std::string other_first = *other_.Sign(text_) + SigLine(note_);
  EXPECT_EQ(*OpenNote(other_first, verifier_), text_);
  // An unknown signer with a garbage (but well-formed) signature is ignored too.
  std::string unknown = note_ + "\xE2\x80\x94 nobody " + Base64Encode(Ascii("12345678")) + "\n";
  EXPECT_EQ(*OpenNote(unknown, verifier_), text_);
  // A repeated line is fine.
  EXPECT_EQ(*OpenNote(note_ + SigLine(note_), verifier_), text_);
}

TEST_F(OpenNoteTest, RejectsTamperedTextAsDataLoss) {
  std::string tampered = note_;
  tampered[text_.find('5')] = '6';
  EXPECT_EQ(OpenNote(tampered, verifier_).status().code(), StatusCode::kDataLoss);
  // A flipped signature byte.
  std::string line = SigLine(note_);
  std::string b64 = line.substr(line.rfind(' ') + 1);
  b64.pop_back();  // newline
  Result<std::vector<uint8_t>> decoded = Base64Decode(b64);
  ASSERT_TRUE(decoded.ok());
  std::vector<uint8_t> sig = *decoded;
  sig[10] ^= 1;
  std::string bad_sig = text_ + "\n\xE2\x80\x94 log.example " + Base64Encode(sig) + "\n";
  EXPECT_EQ(OpenNote(bad_sig, verifier_).status().code(), StatusCode::kDataLoss);
  // A blank line inside the signature block moves the split: the signed text no longer matches.
  EXPECT_EQ(OpenNote(note_ + "\n" + SigLine(note_), verifier_).status().code(),
            StatusCode::kDataLoss);
}

TEST_F(OpenNoteTest, RejectsNoteWithoutSignatureFromTheKey) {
  EXPECT_EQ(OpenNote(*other_.Sign(text_), verifier_).status().code(), StatusCode::kUnauthenticated);
  // Same name, other key: the key id differs, so the line is another signer's.
  NoteSigner impostor = TestSigner("log.example", 99);
  EXPECT_EQ(OpenNote(*impostor.Sign(text_), verifier_).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(OpenNoteTest, RejectsMalformedNotes) {
  std::string line = SigLine(note_);
  std::string b64 = line.substr(line.rfind(' ') + 1);
  b64.pop_back();  // newline
  std::vector<std::pair<std::string, std::string>> cases = {
      {"no blank line", text_ + line},
      {"no final newline", note_.substr(0, note_.size() - 1)},
      {"empty signature block", text_ + "\n"},
      {"signature line without em dash", text_ + "\n- log.example " + b64 + "\n"},
      {"signature line without space after dash",
       text_ + "\n\xE2\x80\x94log.example " + b64 + "\n"},
      {"no base64", text_ + "\n\xE2\x80\x94 log.example\n"},
      {"empty base64", text_ + "\n\xE2\x80\x94 log.example \n"},
      {"bad base64", text_ + "\n\xE2\x80\x94 log.example " + b64.substr(1) + "\n"},
      {"signature shorter than 5 bytes",
       text_ + "\n\xE2\x80\x94 log.example " + Base64Encode(Ascii("abcd")) + "\n"},
      {"control character", "a\rb\n" + note_},
      {"invalid UTF-8", "a\xff\n" + note_},
      {"too large", std::string(kMaxNoteBytes, 'a') + "\n" + note_},
  };
  std::string many = note_;
  for (size_t i = 0; i < kMaxNoteSignatures; ++i) {
    many += "\xE2\x80\x94 s" + std::to_string(i) + " " + Base64Encode(Ascii("12345678")) + "\n";
  }
  cases.push_back({"too many signatures", many});
  for (const auto& [desc, note] : cases) {
    SCOPED_TRACE(desc);
    Result<std::string> r = OpenNote(note, verifier_);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  }
}

// Found by the signed_note fuzz target: libsodium's decoder took some bytes outside the base64
// alphabet ("AA\xa8A" decoded as "AA/A"), so a checkpoint had more than one text.
TEST(SignedNote, Base64DecodeAcceptsOnlyTheCanonicalText) {
  EXPECT_EQ(*Base64Decode("AA/A"), (std::vector<uint8_t>{0x00, 0x0f, 0xc0}));
  for (std::string bad :
       {std::string("AA\xa8"
                    "A"),
        std::string("A\xa8"
                    "AA"),
        std::string("AB=="), std::string("AA/A\n"), std::string("AA/"), std::string(" AA/A")}) {
    EXPECT_EQ(Base64Decode(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CheckpointBody::Parse("kasane.fuzz/log\n5\nAA\xa8"
                                  "A\n")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST(Checkpoint, PublishedBodyMarshallingVectorsRoundTrip) {
  const json& valid = Vectors()["checkpoint_body_marshal"]["valid"];
  ASSERT_FALSE(valid.empty());
  for (const auto& v : valid) {
    SCOPED_TRACE(v["marshal"].get<std::string>());
    CheckpointBody body{v["origin"], v["size"], Ascii(v["hash_ascii"].get<std::string>()), {}};
    EXPECT_EQ(body.Marshal(), v["marshal"].get<std::string>());
    Result<CheckpointBody> parsed = CheckpointBody::Parse(v["marshal"].get<std::string>());
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, body);
    // Not a SHA-256 root, so not a kasane checkpoint.
    EXPECT_EQ(Checkpoint::Parse(v["marshal"].get<std::string>()).status().code(),
              StatusCode::kInvalidArgument);
  }
}

TEST(Checkpoint, PublishedInvalidBodiesAreRejected) {
  const json& invalid = Vectors()["checkpoint_body_marshal"]["invalid_unmarshal"];
  ASSERT_FALSE(invalid.empty());
  for (const auto& v : invalid) {
    SCOPED_TRACE(v["desc"].get<std::string>());
    Result<CheckpointBody> parsed = CheckpointBody::Parse(v["m"].get<std::string>());
    EXPECT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Checkpoint, RoundTripsWithExtensionsAndRejectsNonCanonicalSizes) {
  Checkpoint cp{"kasane.example/log", 1234567, HashLeaf(Ascii("x")), {"ext one", "— ext two"}};
  std::string text = cp.Marshal();
  EXPECT_EQ(text,
            "kasane.example/log\n1234567\n" + Base64Encode(cp.root) + "\next one\n— ext two\n");
  Result<Checkpoint> parsed = Checkpoint::Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);

  std::string root = Base64Encode(cp.root);
  EXPECT_TRUE(Checkpoint::Parse("o\n0\n" + root + "\n").ok());
  EXPECT_EQ(Checkpoint::Parse("o\n18446744073709551615\n" + root + "\n")->size,
            18446744073709551615ull);
  for (std::string bad :
       {"o\n01\n" + root + "\n", "o\n+1\n" + root + "\n", "o\n1 \n" + root + "\n",
        "o\n\n" + root + "\n", "o\n18446744073709551616\n" + root + "\n",
        "o\n1\n" + root + "\n\n",   // empty extension line
        "o\n1\n" + root + "\next",  // extension without newline
        "o\r\n1\n" + root + "\n",   // control character
        // invalid UTF-8 (found by the signed_note fuzz target)
        "o\n1\n" + root + "\next \xff\xfe\n", "o\n1\n" + root.substr(0, 40) + "\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Checkpoint::Parse(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Checkpoint, SignedCheckpointOpensWithVerifierKeyOnly) {
  NoteSigner signer = TestSigner("kasane.example/log", 5);
  Checkpoint cp{"kasane.example/log", 8, HashLeaf(Ascii("root")), {}};
  std::string note = *signer.Sign(cp.Marshal());
  Result<NoteVerifier> verifier = NoteVerifier::FromVerifierKey(signer.VerifierKey());
  ASSERT_TRUE(verifier.ok());
  Result<Checkpoint> opened = OpenCheckpoint(note, *verifier, "kasane.example/log");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, cp);
  EXPECT_FALSE(OpenCheckpoint(note, TestSigner("kasane.example/log", 6).Verifier(), "").ok());
}

TEST(Base64, MatchesRfc4648AndRejectsNonCanonicalInput) {
  EXPECT_EQ(Base64Encode(Ascii("")), "");
  EXPECT_EQ(Base64Encode(Ascii("f")), "Zg==");
  EXPECT_EQ(Base64Encode(Ascii("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(Ascii("foobar")), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), Ascii("foob"));
  EXPECT_FALSE(Base64Decode("Zm9vYg").ok());    // no padding
  EXPECT_FALSE(Base64Decode("Zm9vYh==").ok());  // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v Yg==").ok());
  EXPECT_FALSE(Base64Decode("Zm9_Yg==").ok());  // URL alphabet
}

}  // namespace
}  // namespace kasane::eventstore

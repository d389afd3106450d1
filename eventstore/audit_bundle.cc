#include "eventstore/audit_bundle.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "eventstore/envelope_codec.h"
#include "eventstore/signed_note.h"

namespace kasane::eventstore {
namespace {

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // drop the NUL
  return out;
}

Result<std::string> FromBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return InvalidArgument("leaf_b64 is not valid base64");
  }
  out.resize(len);
  return out;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<std::string> BuildAuditBundle(EventLog& log, const std::optional<std::string>& stream) {
  KASANE_ASSIGN_OR_RETURN(std::string note, log.Checkpoint());
  KASANE_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(log.VerifierKey()));
  KASANE_ASSIGN_OR_RETURN(std::string text, OpenNote(note, verifier));
  KASANE_ASSIGN_OR_RETURN(Checkpoint cp, Checkpoint::Parse(text));

  std::vector<RecordedEvent> events;
  if (stream) {
    KASANE_ASSIGN_OR_RETURN(events, log.ReadStream(*stream, 0, Direction::kForward, SIZE_MAX));
  } else {
    KASANE_ASSIGN_OR_RETURN(events, log.ReadAll(0, cp.size));
  }
  nlohmann::json out;
  out["format"] = kAuditBundleFormat;
  out["origin"] = cp.origin;
  out["checkpoint"] = note;
  out["verifier_key"] = log.VerifierKey();
  out["tree_size"] = cp.size;
  out["root_hex"] = HashToHex(cp.root);
  out["stream"] = stream ? nlohmann::json(*stream) : nlohmann::json(nullptr);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : events) {
    if (e.position >= cp.size) break;  // appended after the checkpoint was signed
    KASANE_ASSIGN_OR_RETURN(std::vector<Hash> proof, log.InclusionProof(e.position, cp.size));
    nlohmann::json hops = nlohmann::json::array();
    for (const auto& h : proof) hops.push_back(HashToHex(h));
    list.push_back({{"position", e.position},
                    {"leaf_b64", Base64(e.canonical)},
                    {"leaf_hash_hex", HashToHex(HashLeaf(Bytes(e.canonical)))},
                    {"inclusion_proof", std::move(hops)}});
  }
  out["events"] = std::move(list);
  return out.dump(1) + "\n";
}

Result<BundleSummary> VerifyAuditBundle(std::string_view bundle_json,
                                        std::string_view verifier_key) {
  nlohmann::json b = nlohmann::json::parse(bundle_json, nullptr, /*allow_exceptions=*/false);
  if (b.is_discarded() || !b.is_object()) return InvalidArgument("the bundle is not a JSON object");
  auto str = [&](const char* k) -> Result<std::string> {
    if (!b.contains(k) || !b[k].is_string())
      return InvalidArgument(std::string("bundle lacks \"") + k + "\"");
    return b[k].get<std::string>();
  };
  KASANE_ASSIGN_OR_RETURN(std::string format, str("format"));
  if (format != kAuditBundleFormat)
    return InvalidArgument("unknown bundle format '" + format + "'");
  KASANE_ASSIGN_OR_RETURN(std::string note, str("checkpoint"));
  KASANE_ASSIGN_OR_RETURN(std::string root_hex, str("root_hex"));
  if (!b.contains("tree_size") || !b["tree_size"].is_number_unsigned()) {
    return InvalidArgument("bundle lacks a numeric \"tree_size\"");
  }
  if (!b.contains("events") || !b["events"].is_array())
    return InvalidArgument("bundle lacks \"events\"");

  KASANE_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(verifier_key));
  auto text = OpenNote(note, verifier);
  if (!text.ok())
    return DataLoss("the checkpoint is not signed by this key: " + text.status().message());
  KASANE_ASSIGN_OR_RETURN(Checkpoint cp, Checkpoint::Parse(*text));
  if (cp.origin != verifier.name())
    return DataLoss("the checkpoint's origin is not the key's name");
  if (b["tree_size"].get<uint64_t>() != cp.size || root_hex != HashToHex(cp.root)) {
    return DataLoss("tree_size / root_hex differ from the signed checkpoint");
  }
  BundleSummary summary{cp.origin, cp.size, root_hex, 0};
  bool first = true;
  uint64_t last = 0;
  for (const auto& ev : b["events"]) {
    if (!ev.is_object() || !ev.contains("position") || !ev["position"].is_number_unsigned() ||
        !ev.contains("leaf_b64") || !ev["leaf_b64"].is_string() ||
        !ev.contains("inclusion_proof") || !ev["inclusion_proof"].is_array()) {
      return InvalidArgument("event " + std::to_string(summary.events_verified) + " is malformed");
    }
    uint64_t pos = ev["position"].get<uint64_t>();
    if (!first && pos <= last) return DataLoss("positions are not strictly increasing");
    if (pos >= cp.size)
      return DataLoss("position " + std::to_string(pos) + " is beyond the checkpoint");
    first = false;
    last = pos;
    KASANE_ASSIGN_OR_RETURN(std::string leaf, FromBase64(ev["leaf_b64"].get<std::string>()));
    Hash leaf_hash = HashLeaf(Bytes(leaf));
    if (ev.contains("leaf_hash_hex") &&
        (!ev["leaf_hash_hex"].is_string() ||
         ev["leaf_hash_hex"].get<std::string>() != HashToHex(leaf_hash))) {
      return DataLoss("leaf_hash_hex of position " + std::to_string(pos) +
                      " does not match its leaf");
    }
    auto decoded = DecodeEnvelope(leaf);
    if (!decoded.ok() || decoded->position != pos) {
      return DataLoss("the leaf at position " + std::to_string(pos) +
                      " is not that event's envelope");
    }
    std::vector<Hash> proof;
    for (const auto& h : ev["inclusion_proof"]) {
      if (!h.is_string()) return InvalidArgument("a proof hash is not a string");
      KASANE_ASSIGN_OR_RETURN(Hash hash, HashFromHex(h.get<std::string>()));
      proof.push_back(hash);
    }
    Status s = VerifyInclusion(pos, cp.size, leaf_hash, proof, cp.root);
    if (!s.ok())
      return DataLoss("inclusion proof of position " + std::to_string(pos) +
                      " fails: " + s.message());
    ++summary.events_verified;
  }
  return summary;
}

}  // namespace kasane::eventstore

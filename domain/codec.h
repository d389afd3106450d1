// The codec: event payloads <-> their stored bytes, the canonical Cap'n Proto encoding of the
// matching struct in domain/events.capnp.
//
// The event store keeps these bytes in the envelope's payload field beside the type string
// (TypeOf(payload)); it knows nothing of their meaning. Encoding is canonical
// (capnp::canonicalize: one segment, no framing, preorder layout), so equal payloads have equal
// bytes and the Merkle leaf hash over them is stable. This file is the only place in kasane that
// uses the generated Cap'n Proto code or can see a kj::Exception; both stop here.
//
// Thread-safety: stateless functions; safe to call from any thread.
//
//   KASANE_ASSIGN_OR_RETURN(std::string bytes, EncodePayload(event.payload));
//   store.Append(stream, TypeOf(event.payload), bytes, ...);
//   KASANE_ASSIGN_OR_RETURN(Payload p, DecodePayload(stored.type, stored.payload));
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "domain/events.h"

namespace kasane::domain {

// Encodes `payload` canonically. Failure: Internal if the payload cannot be encoded (a bug:
// the schema and Describe disagree).
Result<std::string> EncodePayload(const Payload& payload);

// Decodes the bytes of an event of type `type`. Failure: InvalidArgument for an unknown type,
// bytes that are not a canonical message of that struct, or a field value that does not parse
// (an unknown enumeration identifier, an event id that is not 16 bytes).
Result<Payload> DecodePayload(std::string_view type, std::span<const uint8_t> bytes);
inline Result<Payload> DecodePayload(std::string_view type, std::string_view bytes) {
  return DecodePayload(
      type, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Checks that every payload's Describe() names exactly the fields of its schema struct, with
// compatible types, recursively. OK, or Internal naming the first mismatch. (Run by the tests.)
Status VerifySchemaCoverage();

}  // namespace kasane::domain

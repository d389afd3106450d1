// Event payloads from JSON request bodies, and the JSON Schema of those bodies.
//
// PayloadFromJson is the strict inverse of projections::PayloadJson(payload, /*with_personal=*/
// true): for every payload p, PayloadFromJson(TypeOf(p), PayloadJson(p, true)) == p. Both walk
// the payload's Describe (domain/events.h), so a field is named and typed in one place, and
// PayloadSchema describes exactly what PayloadFromJson accepts.
//
// Values (as PayloadJson renders them):
//   ids             strings of 1..64 characters [A-Za-z0-9._-] (domain::ValidateId)
//   event ids       32 hex digits (domain::EventId::FromHex)
//   enumerations    their stable identifiers (domain/enum_names.h)
//   KindSet         an array of kind identifiers, each at most once
//   sets            arrays, each element at most once (any order)
//   times, numbers  JSON integers (times are Unix nanoseconds); no fractions, no strings;
//                   uint32 fields (version) in [0, 2^32)
//   bool            true or false only
//   nested structs  objects, read by the same rules
// Which fields may be absent: std::optional fields (absent or null: no value), arrays, sets,
// KindSet (absent: empty), strings (absent: "") and bools (absent: false). Ids, event ids,
// enumerations, numbers and nested structs are required. Fields of no other name are refused.
//
// Errors are kInvalidArgument. An error about a value in the body starts with its JSON Pointer
// (RFC 6901) and ": ", e.g. `/members/0/relation: "cousin" is not a valid relation (one of: self,
// ...)`; the first error found is reported. Errors about the body as a whole (not an object, an
// unknown event type) carry no pointer. Messages never contain the value of a string field (it may
// be personal content, and messages reach logs): they say what was wrong (the JSON type, a
// duplicate). Enumeration and event type identifiers are echoed only when they look like
// identifiers ([A-Za-z0-9._-], at most 64 characters); an invalid id is never echoed.
//
// Thread-safety: stateless functions.
//
//   KASANE_ASSIGN_OR_RETURN(domain::Payload p, PayloadFromJson("consent.withdrawn", body));
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "base/status.h"
#include "domain/events.h"

namespace kasane::api {

// The payload of event `type` (e.g. "consent.recorded") from `fields`, a JSON object holding the
// payload's fields by their schema names. kInvalidArgument for an unknown type, a non-object, an
// unknown or missing field, a value of the wrong JSON type, an unknown enumeration identifier, a
// malformed id or event id, an out-of-range number or a duplicate set element.
Result<domain::Payload> PayloadFromJson(std::string_view type, const nlohmann::json& fields);

// A JSON Schema (2020-12, as in OpenAPI 3.1) of the object PayloadFromJson(type, ...) accepts:
// {"type": "object", "properties", "required", "additionalProperties": false}, nested structs
// inline. Personal fields (and everything inside them) carry "x-personal": true. A null JSON
// value for an unknown type.
nlohmann::json PayloadSchema(std::string_view type);

}  // namespace kasane::api

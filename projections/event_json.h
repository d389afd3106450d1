// JSON renderings of domain events, by their schema names (domain/events.capnp), for views, the
// API and exports. One renderer, driven by each payload's Describe, so every field appears under
// the same name everywhere.
//
// Personal fields (v.Personal) are rendered only when asked for: a projection never stores them,
// and the API asks only after the scope policy granted full content. Metadata fields (ids,
// kinds, enums, times) are always rendered: an auditor reads those.
//
// Values: ids as strings, enums by their stable identifiers, KindSet as an array of kind
// identifiers, event ids as 32 hex digits, times as integers (Unix nanoseconds), absent optionals
// as null.
//
// Thread-safety: stateless functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/events.h"

namespace kasane::projections {

// The payload's fields as an object. Personal fields are included only if `with_personal`.
nlohmann::json PayloadJson(const domain::Payload& payload, bool with_personal);

// {"type", "eventId", "occurredAt", "recordedAt", "actor": {"staff","agency","role"},
//  "payload": PayloadJson(...)}.
nlohmann::json EventJson(const domain::DomainEvent& event, bool with_personal);

}  // namespace kasane::projections

// The consent register (同意台帳): per person, every consent (本人同意) recorded for them, with its
// scope and the period it was in force.
//
// Keys (docs/projections.md):
//   "p<person>\0"                      the person has at least one consent (value empty);
//   "c<person>\0<consent>\0<case>\0"   one consent (value: MessagePack object).
// A consent's entry holds the fields of consent.recorded by their schema names (consent,
// subject, grantor, proxyRelation, form, formReference, decision, recipients, kinds, purposes,
// validFrom, validUntil), and: "case", "position", "eventId", "recordedAt", "occurredAt",
// "recordedBy" {staff, agency, role}; "withdrawnAt" (the withdrawal's occurred time, or null) and
// "withdrawal" ({position, eventId, recordedAt, by {staff, agency, role}} or null); "inForce"
// {"from", "until"}: the period the consent was in force, [validFrom, min(validUntil,
// withdrawnAt)), until null when open; null for a denial or a consent withdrawn before it began.
//
// Nothing personal is stored: the proxy's name (proxyName) stays sealed in the log; read it from
// the event at "position" (FromLogEvent) for a reader the scope policy grants it to.
//
// Thread-safety: the projection is used by the engine's one applier; the read functions are
// safe to call concurrently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/ids.h"
#include "projections/engine.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kConsentRegisterName = "consent_register";

std::unique_ptr<Projection> MakeConsentRegister();

// Every consent of `person`, ordered by consent id (then case); empty when none.
Result<std::vector<nlohmann::json>> ConsentRegisterFor(const ViewReader& reader,
                                                       const domain::PersonId& person);

// Every person with at least one consent, in id order.
Result<std::vector<std::string>> ConsentRegisterPersons(const ViewReader& reader);

// Whether a register entry was in force at `t` (inside its "inForce" period).
bool ConsentEntryInForceAt(const nlohmann::json& entry, UnixNanos t);

}  // namespace kasane::projections

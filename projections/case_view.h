// The case view (ケースの現況): the current state of one case, for the people working it.
//
// Stored per case under "v<case id>": the status, household (persons, relations, and the
// position of the event holding each person's profile), fields, intake and lead agency (主担当),
// every consent with its period and withdrawal, referrals, the plan (version, approved version,
// status, role agencies, monitoring and evaluation due dates), meetings with their members, and
// counts. Built from domain::CaseState (the same fold the rules use) by BuildCaseView, so the
// stored view, the view `as_of` a past position (CaseViewAsOf) and the rules cannot disagree.
//
// Nothing personal is stored: names, addresses and the intake summary stay sealed in the log.
// ResolveProfiles reads them at read time, so an erased person shows as erased.
//
// Status: "intake" (no lead agency yet), "coordinating" (a lead agency, no plan), "planning"
// (a plan drafted, none approved), "supporting" (an approved plan), "suspended", "terminated".
//
// Thread-safety: the projection is used by the engine's one applier; the read functions are
// safe to call concurrently.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "domain/case_state.h"
#include "domain/ids.h"
#include "eventstore/event_log.h"
#include "projections/encoding.h"
#include "projections/engine.h"
#include "projections/event_codec.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kCaseViewName = "case_view";

std::unique_ptr<Projection> MakeCaseView();

// What the view needs beyond CaseState: where each person's profile was recorded.
struct CaseViewExtras {
  uint64_t opened_position = 0;
  UnixNanos opened_at = 0;  // occurred_at of case.opened
  uint64_t last_position = 0;
  UnixNanos last_recorded_at = 0;
  std::map<std::string, uint64_t> profile_positions;  // person -> event holding the profile
  // Folds one event (the case's own) into the extras.
  void Apply(const domain::DomainEvent& e, uint64_t position);
};

// The view of `state` (deterministic: equal inputs give equal JSON).
nlohmann::json BuildCaseView(const domain::CaseState& state, const CaseViewExtras& extras);

// The stored view of `case_id`, or nullopt when the case does not exist (yet, for this reader).
Result<std::optional<nlohmann::json>> ReadCaseView(const ViewReader& reader,
                                                   const domain::CaseId& case_id);

// The view as it stood at `as_of`, folded from the case's stream in the log. nullopt when the
// case did not exist then.
Result<std::optional<nlohmann::json>> CaseViewAsOf(const eventstore::EventLog& log,
                                                   const domain::CaseId& case_id, AsOf as_of);

// The state of the case at `as_of` (for the scope policy of an `as_of` read), folded from the
// log without personal content. A CaseState with opened=false when the case did not exist.
Result<domain::CaseState> CaseStateAsOf(const eventstore::EventLog& log,
                                        const domain::CaseId& case_id, AsOf as_of);

// Adds each household member's "profile" read from the log (unsealed) when `allow(position)`
// says the reader may see the event at that position: the profile's fields, or
// {"erased": true} when the person's key was destroyed. Members the reader may not see get
// no profile. Adds "inForce" to each consent for time `at`.
Status ResolveProfiles(nlohmann::json& view, const eventstore::EventLog& log,
                       const std::function<bool(uint64_t position)>& allow, UnixNanos at);
// As above, with the event at a position (unsealed, as FromLogEvent returns it) from
// `event_at` instead of a read of the log: the API's case store keeps each event without its
// content but with its sealed parts, and opens only those (projections::OpenSealedParts).
using UnsealedEventAt = std::function<Result<DecodedEvent>(uint64_t position)>;
Status ResolveProfiles(nlohmann::json& view, const UnsealedEventAt& event_at,
                       const std::function<bool(uint64_t position)>& allow, UnixNanos at);

}  // namespace kasane::projections

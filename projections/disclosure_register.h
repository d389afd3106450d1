// The disclosure register (情報提供記録): per person, every crossing of their information to
// another agency, and every refused attempt, for the auditor and for the person themself
// (開示請求).
//
// Keys (docs/projections.md):
//   "p<person>\0"                  the person has at least one entry (value empty);
//   "e<person>\0<position u64be>"  one entry (value: MessagePack object), in log order.
// Entries come from three event types, named by "type":
//   disclosure.made     who disclosed ("by" {agency, staff}: the discloser) which kinds to whom
//                       ("recipients" [{agency, staff}]: for a meeting disclosure, the members
//                       who received it), for which "purpose", on which "basis" {kind, consent,
//                       meeting};
//   disclosure.refused  an attempt the rules refused: "by" is who attempted it, "rule" the rule
//                       that refused it (decide.h kRule...), "reason" its generated explanation;
//   referral.made       a referral that passed information (kindsPassed non-empty): "by" is the
//                       referring agency and staff, "recipients" the agency referred to, "kinds"
//                       the kinds passed, with the referral's basis, moment and programme.
// Every entry also has the event's schema fields (PayloadJson without personal fields), "case",
// "position", "eventId", "recordedAt", "occurredAt", "actor" {staff, agency, role}, "refused"
// (bool), and "meeting" {meeting, kind, purpose} when its basis names a meeting (null
// otherwise). What was disclosed (the content) stays sealed in the log: read the event at
// "position" through FromLogEvent for a reader the scope policy grants it to.
//
// Thread-safety: as consent_register.h.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/ids.h"
#include "projections/encoding.h"
#include "projections/engine.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kDisclosureRegisterName = "disclosure_register";

std::unique_ptr<Projection> MakeDisclosureRegister();

struct DisclosureQuery {
  AsOf as_of;                  // the register as the record stood then
  uint64_t from_position = 0;  // paging: entries at positions >= this
  size_t limit = SIZE_MAX;
};

// The entries of `person` in position order; empty when none (for this reader).
Result<std::vector<nlohmann::json>> DisclosureRegisterFor(const ViewReader& reader,
                                                          const domain::PersonId& person,
                                                          const DisclosureQuery& q = {});

// Every person with at least one entry, in id order.
Result<std::vector<std::string>> DisclosureRegisterPersons(const ViewReader& reader);

}  // namespace kasane::projections

// The access register (閲覧記録): who was shown which case's personal content, when, which kinds,
// on which basis (DOMAIN.md rule 7). Fed by access.recorded events, which the API appends to
// access streams ("access-..."), never to case streams.
//
// Keys (docs/projections.md), two indexes over the same entries:
//   "c<case>\0<position u64be>"   by case, in log order;
//   "s<staff>\0<position u64be>"  by staff member, in log order.
// Values (MessagePack object, equal under both keys): access.recorded's fields by their schema
// names (caseId, staff, agency, role, kinds, basis: the scope policy's reason(s), events: the ids
// of the events shown), and "position", "eventId", "stream", "recordedAt" (when the access was
// recorded), "occurredAt" (when the content was shown).
//
// An access record holds no personal content, so neither does the register.
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

inline constexpr std::string_view kAccessRegisterName = "access_register";

std::unique_ptr<Projection> MakeAccessRegister();

struct AccessQuery {
  AsOf as_of;                  // the register as the record stood then
  uint64_t from_position = 0;  // paging: entries at positions >= this
  size_t limit = SIZE_MAX;
};

// The accesses to `case_id`'s content, in position order.
Result<std::vector<nlohmann::json>> AccessRegisterForCase(const ViewReader& reader,
                                                          const domain::CaseId& case_id,
                                                          const AccessQuery& q = {});

// The accesses by `staff`, in position order.
Result<std::vector<nlohmann::json>> AccessRegisterForStaff(const ViewReader& reader,
                                                           const domain::StaffId& staff,
                                                           const AccessQuery& q = {});

}  // namespace kasane::projections

// The case timeline (経過記録): every event of a case in order, with its actor and basis.
//
// Stored per event under "t<case id>\0<position u64be>", in a compact binary layout
// (EncodeTimelineEntry): sequence number in the case, type, event id, recorded and occurred
// times, actor (staff, agency, role), subject, kinds, and basis (the legal basis of a
// disclosure or referral, the meeting of a plan decision, the rule of a refusal). Read back as
// JSON: {"position", "seq", "type", "eventId", "recordedAt", "occurredAt", "actor", "subject",
// "kinds", "basis"}. The payload itself is not copied: its metadata and, for a reader the scope
// policy grants it to, its personal content are read from the log at the entry's position
// (DecodeWithoutContent / FromLogEvent), so nothing personal is stored here.
//
// `as_of` (a position, a recorded time, or both) gives the timeline exactly as the record stood
// then: the entries are filtered by position and recorded time, and the log's recorded-at never
// decreases along positions.
//
// Thread-safety: as case_view.h.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "domain/ids.h"
#include "projections/encoding.h"
#include "projections/engine.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kTimelineName = "timeline";

std::unique_ptr<Projection> MakeTimeline();

// The stored entry of one case event (deterministic bytes), and the entry as JSON.
std::string EncodeTimelineEntry(const ProjectedEvent& e);
Result<nlohmann::json> DecodeTimelineEntry(uint64_t position, std::string_view bytes);

struct TimelineQuery {
  domain::CaseId case_id;
  AsOf as_of;
  // Only entries at positions >= from_position (paging).
  uint64_t from_position = 0;
  size_t limit = SIZE_MAX;
};

// The entries of a case in position order; empty when the case has none (for this reader).
Result<std::vector<nlohmann::json>> ReadTimeline(const ViewReader& reader, const TimelineQuery& q);

}  // namespace kasane::projections

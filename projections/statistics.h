// Statistics for 事業評価 (the programme's evaluation): counts over the whole log, for the
// secretariat's reports and a read-only statistics app. Only counts are kept: no case, person or
// staff id appears in the values, and agency ids appear only as the intake agency of
// consultations.
//
// Keys (docs/projections.md; every count a MessagePack unsigned integer):
//   "n<section>\0<dimension>\0..."  one counter; the sections and their dimensions are
//       consultation        <month>\0<agency>\0               cases opened (case.opened)
//       consultation_field  <month>\0<field>\0<agency>\0      cases opened, once per field
//       referral            made\0<moment>\0 | returned\0<moment>\0 | accepted\0 | declined\0
//       plan                drafted | approved | revised | monitored | evaluated | terminated |
//                           suspended | resumed
//       meeting             <kind>\0<purpose or "none">\0       meetings concluded (held)
//       disclosure          <basis kind>\0<event type>\0       disclosure.made, and referral.made
//                                                             passing information
//       refusal             <rule>\0                           disclosure.refused
//   "h<days u64be>"   cases whose first plan approval came <days> JST calendar days after intake;
//   "i<case>\0"       a case's intake time (case.opened occurredAt) until its first plan approval
//                     (then deleted: its absence marks the first approval as counted).
// Months are the JST calendar month (YYYY-MM) of case.opened's occurredAt.
//
// Counts are summed per chunk in memory and added to the stored counters in Flush, so the work
// per event is a few map updates; sums do not depend on the chunking.
//
// Thread-safety: as consent_register.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "projections/engine.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kStatisticsName = "statistics";

std::unique_ptr<Projection> MakeStatistics();

// Every section (docs/projections.md, "statistics"):
//   consultations      {total, byField, byMonth, byAgency, rows: [{month, field, agency, count}]}
//   referrals          {made, byMoment, returned, returnsByMoment, accepted, declined}
//   plans              {drafted, approved, revised, monitored, evaluated, terminated, suspended,
//                       resumed}
//   intakeToFirstPlan  {cases, medianDays, p90Days (null without cases), histogram: [{days,
//                       count}]}
//   meetings           {support_meeting, multi_layered_support_meeting, multiLayeredByPurpose}
//   disclosures        {total, byBasis, referralsByBasis}
//   refusals           {total, byRule}
Result<nlohmann::json> Statistics(const ViewReader& reader);

// The median of a histogram (days -> count): the middle value, or the mean of the two middle
// values for an even count. p90: the nearest-rank 90th percentile (the ceil(0.9 n)-th smallest).
// Both null for an empty histogram.
nlohmann::json HistogramMedian(const std::map<uint64_t, uint64_t>& histogram);
nlohmann::json HistogramP90(const std::map<uint64_t, uint64_t>& histogram);

// `stats` (as Statistics returns it) as CSV for spreadsheet users: UTF-8 with a byte-order mark,
// CRLF line ends, columns section,item,value; one row per count ("byField.elderly_care").
std::string StatisticsCsv(const nlohmann::json& stats);

}  // namespace kasane::projections

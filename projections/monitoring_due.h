// Monitoring due (モニタリング・評価予定): the plans whose monitoring or evaluation is due or
// overdue as of a date, for the secretariat (事務局) and the coordinator.
//
// A case's plan is listed while it is approved (not drafted only, suspended or terminated): its
// monitoring at the plan's monitoringDue until a monitoring of the approved version is recorded
// (plan.monitoring_recorded), and its evaluation at evaluationDue until an evaluation of that
// version is recorded (plan.evaluated). A revision (plan.revised) brings new due dates and a new
// version, so both are due again; a suspension takes the plan off the list and a resumption puts
// it back with the same dates.
//
// Keys (docs/projections.md):
//   "s<case>\0"                                   the case's plan as last seen (value: object
//                                                 {plan, version, approved, monitoringDue,
//                                                 evaluationDue, monitoredVersion,
//                                                 evaluatedVersion}), to find its index keys;
//   "d<due u64be><case>\0<kind>\0"               the index by due time (kind "monitoring" or
//                                                 "evaluation"; value: {case, plan, version,
//                                                 kind, due}).
// Due times are instants (Unix nanoseconds); days are counted on the JST calendar.
//
// Thread-safety: as consent_register.h.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/clock.h"
#include "projections/engine.h"
#include "projections/projection.h"

namespace kasane::projections {

inline constexpr std::string_view kMonitoringDueName = "monitoring_due";

std::unique_ptr<Projection> MakeMonitoringDue();

// The entries due on or before the JST day `horizon_days` after the JST day of `as_of`, sorted
// by due time (then case, then kind). Each entry: {case, plan, version, kind, due, dueDate
// ("YYYY-MM-DD", JST), overdue (the due day is before as_of's day), daysOverdue (whole JST days
// since the due day; 0 when not overdue), daysUntilDue (whole JST days to the due day; 0 when
// due today or overdue)}.
Result<std::vector<nlohmann::json>> MonitoringDue(const ViewReader& reader, UnixNanos as_of,
                                                  int horizon_days = 0);

}  // namespace kasane::projections

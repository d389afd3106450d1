#include "projections/monitoring_due.h"

#include <algorithm>

#include "projections/encoding.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

constexpr std::string_view kMonitoring = "monitoring";
constexpr std::string_view kEvaluation = "evaluation";

std::string StateKey(std::string_view case_id) { return internal::IdKey('s', case_id); }

std::string IndexKey(UnixNanos due, std::string_view case_id, std::string_view kind) {
  std::string k = "d";
  AppendU64(&k, static_cast<uint64_t>(due));
  AppendId(&k, case_id);
  AppendId(&k, kind);
  return k;
}

// What the projection remembers of a case's plan.
struct PlanDue {
  std::string plan;
  uint32_t version = 0;  // the approved version
  bool approved = false;
  UnixNanos monitoring_due = 0;
  UnixNanos evaluation_due = 0;
  uint32_t monitored_version = 0;  // the version of the last monitoring recorded
  uint32_t evaluated_version = 0;

  bool MonitoringListed() const { return approved && monitored_version != version; }
  bool EvaluationListed() const { return approved && evaluated_version != version; }

  json ToJson() const {
    return {{"plan", plan},
            {"version", version},
            {"approved", approved},
            {"monitoringDue", monitoring_due},
            {"evaluationDue", evaluation_due},
            {"monitoredVersion", monitored_version},
            {"evaluatedVersion", evaluated_version}};
  }
  static PlanDue FromJson(const json& j) {
    PlanDue p;
    p.plan = j.at("plan").get<std::string>();
    p.version = j.at("version").get<uint32_t>();
    p.approved = j.at("approved").get<bool>();
    p.monitoring_due = j.at("monitoringDue").get<UnixNanos>();
    p.evaluation_due = j.at("evaluationDue").get<UnixNanos>();
    p.monitored_version = j.at("monitoredVersion").get<uint32_t>();
    p.evaluated_version = j.at("evaluatedVersion").get<uint32_t>();
    return p;
  }
};

// Events that change a plan's status, version, due dates or what was recorded for it.
bool ConcernsPlan(const domain::Payload& p) {
  return std::holds_alternative<domain::PlanDrafted>(p) ||
         std::holds_alternative<domain::PlanApproved>(p) ||
         std::holds_alternative<domain::PlanRevised>(p) ||
         std::holds_alternative<domain::MonitoringRecorded>(p) ||
         std::holds_alternative<domain::PlanEvaluated>(p) ||
         std::holds_alternative<domain::SupportTerminated>(p) ||
         std::holds_alternative<domain::SupportSuspended>(p) ||
         std::holds_alternative<domain::SupportResumed>(p);
}

class MonitoringDueProjection final : public Projection {
 public:
  std::string_view Name() const override { return kMonitoringDueName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    if (e.case_state == nullptr || !e.case_state->plan.has_value() ||
        !ConcernsPlan(e.event.payload)) {
      return Status::Ok();
    }
    const std::string_view case_id = internal::CaseIdOfStream(e.stream);
    const std::string state_key = StateKey(case_id);
    KASANE_ASSIGN_OR_RETURN(std::optional<std::string> stored, changes.Get(state_key));
    PlanDue old;
    if (stored.has_value()) {
      KASANE_ASSIGN_OR_RETURN(json j, Unpack(*stored));
      old = PlanDue::FromJson(j);
    }
    const domain::PlanState& plan = *e.case_state->plan;
    PlanDue now = old;
    if (now.plan != plan.id.value) now = PlanDue{.plan = plan.id.value};
    now.version = plan.approved_version;
    now.approved = plan.status == domain::PlanStatus::kApproved;
    now.monitoring_due = plan.monitoring_due;
    now.evaluation_due = plan.evaluation_due;
    if (const auto* m = std::get_if<domain::MonitoringRecorded>(&e.event.payload)) {
      if (m->plan == plan.id) now.monitored_version = m->version;
    } else if (const auto* v = std::get_if<domain::PlanEvaluated>(&e.event.payload)) {
      if (v->plan == plan.id) now.evaluated_version = v->version;
    }

    const bool had = stored.has_value();
    Reindex(case_id, kMonitoring, had && old.MonitoringListed(), old.monitoring_due,
            now.MonitoringListed(), now.monitoring_due, now, changes);
    Reindex(case_id, kEvaluation, had && old.EvaluationListed(), old.evaluation_due,
            now.EvaluationListed(), now.evaluation_due, now, changes);
    changes.Put(state_key, Pack(now.ToJson()));
    return Status::Ok();
  }

 private:
  static void Reindex(std::string_view case_id, std::string_view kind, bool was_listed,
                      UnixNanos old_due, bool listed, UnixNanos due, const PlanDue& now,
                      Changes& changes) {
    if (was_listed && (!listed || old_due != due)) {
      changes.Delete(IndexKey(old_due, case_id, kind));
    }
    if (listed) {
      changes.Put(IndexKey(due, case_id, kind), Pack(json{{"case", case_id},
                                                          {"plan", now.plan},
                                                          {"version", now.version},
                                                          {"kind", kind},
                                                          {"due", due}}));
    }
  }
};

}  // namespace

std::unique_ptr<Projection> MakeMonitoringDue() {
  return std::make_unique<MonitoringDueProjection>();
}

Result<std::vector<json>> MonitoringDue(const ViewReader& reader, UnixNanos as_of,
                                        int horizon_days) {
  const int64_t today = internal::JstDay(as_of);
  const UnixNanos end = internal::JstDayStart(today + std::max(horizon_days, 0) + 1);
  std::vector<json> out;
  Status failed = Status::Ok();
  KASANE_RETURN_IF_ERROR(reader.Scan("d", [&](std::string_view key, std::string_view value) {
    if (key.size() < 1 + 8) {
      failed = DataLoss("a monitoring-due key is malformed");
      return false;
    }
    const UnixNanos due = static_cast<UnixNanos>(ReadU64(key, 1));
    if (due >= end) return false;
    Result<json> entry = Unpack(value);
    if (!entry.ok()) {
      failed = entry.status();
      return false;
    }
    const int64_t due_day = internal::JstDay(due);
    json& j = *entry;
    j["dueDate"] = internal::JstDateString(due);
    j["overdue"] = due_day < today;
    j["daysOverdue"] = due_day < today ? today - due_day : 0;
    j["daysUntilDue"] = due_day > today ? due_day - today : 0;
    out.push_back(std::move(j));
    return true;
  }));
  KASANE_RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace kasane::projections

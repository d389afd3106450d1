#include "projections/case_view.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "domain/enum_names.h"
#include "projections/event_codec.h"
#include "projections/event_json.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string ViewKey(std::string_view case_id) { return "v" + std::string(case_id); }

std::string StatusOf(const domain::CaseState& s) {
  if (s.plan.has_value()) {
    switch (s.plan->status) {
      case domain::PlanStatus::kTerminated:
        return "terminated";
      case domain::PlanStatus::kSuspended:
        return "suspended";
      case domain::PlanStatus::kApproved:
        return "supporting";
      case domain::PlanStatus::kDrafted:
        return s.plan->approved_version > 0 ? "supporting" : "planning";
    }
  }
  return s.lead_agency.has_value() ? "coordinating" : "intake";
}

std::string_view ReferralStatusName(domain::ReferralStatus s) {
  switch (s) {
    case domain::ReferralStatus::kPending:
      return "pending";
    case domain::ReferralStatus::kAccepted:
      return "accepted";
    case domain::ReferralStatus::kDeclined:
      return "declined";
    case domain::ReferralStatus::kReturned:
      return "returned";
  }
  return "?";
}

std::string_view PlanStatusName(domain::PlanStatus s) {
  switch (s) {
    case domain::PlanStatus::kDrafted:
      return "drafted";
    case domain::PlanStatus::kApproved:
      return "approved";
    case domain::PlanStatus::kSuspended:
      return "suspended";
    case domain::PlanStatus::kTerminated:
      return "terminated";
  }
  return "?";
}

std::string_view RequestStatusName(domain::RequestStatus s) {
  switch (s) {
    case domain::RequestStatus::kReceived:
      return "received";
    case domain::RequestStatus::kDecided:
      return "decided";
    case domain::RequestStatus::kApplied:
      return "applied";
  }
  return "?";
}

json Ids(const auto& ids) {
  json a = json::array();
  for (const auto& id : ids) a.push_back(id.value);
  return a;
}

json Optional(const auto& v) {
  if (!v.has_value()) return nullptr;
  return json(*v);
}

CaseViewExtras ExtrasFromView(const json& v) {
  CaseViewExtras x;
  x.opened_position = v.value("openedPosition", uint64_t{0});
  x.opened_at = v.value("openedAt", UnixNanos{0});
  x.last_position = v.value("lastPosition", uint64_t{0});
  x.last_recorded_at = v.value("lastRecordedAt", UnixNanos{0});
  if (v.contains("profilePositions")) {
    for (const auto& [person, pos] : v["profilePositions"].items()) {
      x.profile_positions[person] = pos.get<uint64_t>();
    }
  }
  return x;
}

class CaseViewProjection final : public Projection {
 public:
  std::string_view Name() const override { return kCaseViewName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    if (e.case_state == nullptr) return Status::Ok();
    std::string_view case_id = internal::CaseIdOfStream(e.stream);
    auto [it, inserted] = extras_.try_emplace(std::string(case_id));
    Cached& c = it->second;
    if (inserted && !std::holds_alternative<domain::CaseOpened>(e.event.payload)) {
      // Not in memory: the extras are in the stored view (or this chunk's unwritten one).
      Result<std::optional<std::string>> stored = changes.Get(ViewKey(case_id));
      if (!stored.ok()) {
        extras_.erase(it);
        return stored.status();
      }
      if (stored->has_value()) {
        Result<json> old = Unpack(**stored);
        if (!old.ok()) {
          extras_.erase(it);
          return old.status();
        }
        c.extras = ExtrasFromView(*old);
      }
    }
    c.extras.Apply(e.event, e.position);
    c.last_use = ++tick_;
    dirty_[it->first] = Dirty{e.case_state, &c.extras};
    return Status::Ok();
  }

  Status Flush(Changes& changes) override {
    for (const auto& [case_id, d] : dirty_) {
      changes.Put(ViewKey(case_id), Pack(BuildCaseView(*d.state, *d.extras)));
    }
    dirty_.clear();
    Trim();
    return Status::Ok();
  }

  // The extras in memory may hold changes of the abandoned chunk: forget them all.
  void Discard() override {
    dirty_.clear();
    extras_.clear();
  }

 private:
  static constexpr size_t kCapacity = 8192;
  struct Cached {
    CaseViewExtras extras;
    uint64_t last_use = 0;
  };
  struct Dirty {
    const domain::CaseState* state = nullptr;
    const CaseViewExtras* extras = nullptr;
  };

  // Forgets the least recently used extras beyond capacity (they are in the stored views).
  void Trim() {
    if (extras_.size() <= kCapacity) return;
    std::vector<uint64_t> uses;
    uses.reserve(extras_.size());
    for (const auto& [id, c] : extras_) uses.push_back(c.last_use);
    const size_t drop = extras_.size() - kCapacity * 3 / 4;
    std::nth_element(uses.begin(), uses.begin() + static_cast<long>(drop - 1), uses.end());
    const uint64_t cutoff = uses[drop - 1];
    std::erase_if(extras_, [&](const auto& entry) { return entry.second.last_use <= cutoff; });
  }

  std::unordered_map<std::string, Cached> extras_;
  std::unordered_map<std::string_view, Dirty> dirty_;  // keys point into extras_
  uint64_t tick_ = 0;
};

}  // namespace

std::unique_ptr<Projection> MakeCaseView() { return std::make_unique<CaseViewProjection>(); }

void CaseViewExtras::Apply(const domain::DomainEvent& e, uint64_t position) {
  if (const auto* opened = std::get_if<domain::CaseOpened>(&e.payload)) {
    opened_position = position;
    opened_at = e.occurred_at;
    for (const domain::HouseholdMember& m : opened->members) {
      profile_positions[m.person.value] = position;
    }
  } else if (const auto* added = std::get_if<domain::HouseholdMemberAdded>(&e.payload)) {
    profile_positions[added->member.person.value] = position;
  }
  last_position = position;
  last_recorded_at = e.recorded_at;
}

json BuildCaseView(const domain::CaseState& s, const CaseViewExtras& x) {
  json v;
  v["caseId"] = s.case_id.value;
  v["status"] = StatusOf(s);
  v["version"] = s.version;
  v["openedPosition"] = x.opened_position;
  v["openedAt"] = x.opened_at;
  v["lastPosition"] = x.last_position;
  v["lastRecordedAt"] = x.last_recorded_at;
  v["intakeAgency"] = s.intake_agency.value;
  v["leadAgency"] = s.lead_agency.has_value() ? json(s.lead_agency->value) : json(nullptr);
  v["mainPerson"] = s.main_person.value;
  json fields = json::array();
  for (domain::Field f : s.fields) fields.push_back(std::string(domain::EnumName(f)));
  v["fields"] = std::move(fields);

  json household = json::array();
  for (const auto& [person, relation] : s.household) {
    auto pos = x.profile_positions.find(person.value);
    household.push_back({
        {"person", person.value},
        {"relation", std::string(domain::EnumName(relation))},
        {"profilePosition", pos == x.profile_positions.end() ? json(nullptr) : json(pos->second)},
        {"erased", s.erased.contains(person)},
        {"usageSuspended", s.usage_suspended.contains(person)},
    });
  }
  v["household"] = std::move(household);
  json profiles = json::object();
  for (const auto& [person, pos] : x.profile_positions) profiles[person] = pos;
  v["profilePositions"] = std::move(profiles);

  json consents = json::array();
  for (const auto& [id, c] : s.consents) {
    json j = PayloadJson(domain::Payload(c.consent), false);
    j["withdrawnAt"] = Optional(c.withdrawn_at);
    consents.push_back(std::move(j));
  }
  v["consents"] = std::move(consents);

  json referrals = json::array();
  uint64_t open_referrals = 0;
  for (const auto& [id, r] : s.referrals) {
    open_referrals += r.status == domain::ReferralStatus::kPending ? 1 : 0;
    referrals.push_back({
        {"referral", id.value},
        {"fromAgency", r.from_agency.value},
        {"toAgency", r.to_agency.value},
        {"moment", std::string(domain::EnumName(r.moment))},
        {"status", std::string(ReferralStatusName(r.status))},
    });
  }
  v["referrals"] = std::move(referrals);
  v["openReferrals"] = open_referrals;

  if (s.plan.has_value()) {
    const domain::PlanState& p = *s.plan;
    v["plan"] = {
        {"plan", p.id.value},
        {"version", p.version},
        {"approvedVersion", p.approved_version},
        {"status", std::string(PlanStatusName(p.status))},
        {"roleAgencies", Ids(p.role_agencies)},
        {"draftRoleAgencies", Ids(p.draft_role_agencies)},
        {"monitoringDue", p.monitoring_due},
        {"evaluationDue", p.evaluation_due},
        {"monitorings", p.monitorings},
        {"evaluations", p.evaluations},
        {"accompanyingAgency",
         p.accompanying_agency.has_value() ? json(p.accompanying_agency->value) : json(nullptr)},
    };
  } else {
    v["plan"] = nullptr;
  }

  json meetings = json::array();
  for (const auto& [id, m] : s.meetings) {
    json members = json::array();
    for (const domain::MemberState& ms : m.members) {
      members.push_back({
          {"staff", ms.member.staff.value},
          {"agency", ms.member.agency.value},
          {"acknowledged", ms.acknowledged_seq.has_value()},
          {"left", ms.left_seq.has_value()},
      });
    }
    meetings.push_back({
        {"meeting", id.value},
        {"kind", std::string(domain::EnumName(m.kind))},
        {"purpose",
         m.purpose.has_value() ? json(std::string(domain::EnumName(*m.purpose))) : json(nullptr)},
        {"heldAt", m.held_at},
        {"chair", m.chair.value},
        {"members", std::move(members)},
        {"concluded", m.concluded()},
        {"urgentCase", m.urgent_case},
    });
  }
  v["meetings"] = std::move(meetings);

  json requests = json::array();
  for (const auto& [id, r] : s.requests) {
    requests.push_back({{"request", id.value},
                        {"type", r.type},
                        {"subject", r.subject.value},
                        {"status", std::string(RequestStatusName(r.status))}});
  }
  v["requests"] = std::move(requests);
  v["counts"] = {
      {"assessments", s.assessments},
      {"outreachActivities", s.outreach_activities},
      {"participationRecords", s.participation_records},
      {"disclosures", s.disclosures.size()},
      {"refusals", s.refusals.size()},
      {"corrections", s.corrections.size()},
  };
  return v;
}

Result<std::optional<json>> ReadCaseView(const ViewReader& reader, const domain::CaseId& case_id) {
  KASANE_ASSIGN_OR_RETURN(std::optional<std::string> stored, reader.Get(ViewKey(case_id.value)));
  if (!stored.has_value()) return std::optional<json>();
  KASANE_ASSIGN_OR_RETURN(json v, Unpack(*stored));
  return std::optional<json>(std::move(v));
}

namespace {

// Folds the case's stream up to `as_of`; false when the stream does not exist.
Result<bool> FoldCase(const eventstore::EventLog& log, const domain::CaseId& case_id, AsOf as_of,
                      domain::CaseState* state, CaseViewExtras* extras) {
  const std::string stream = std::string(internal::kCaseStreamPrefix) + case_id.value;
  eventstore::Version next = 0;
  for (;;) {
    Result<std::vector<eventstore::RecordedEvent>> batch =
        log.ReadStream(stream, next, eventstore::Direction::kForward, 1024);
    if (!batch.ok() && batch.status().code() == StatusCode::kNotFound) return false;
    if (!batch.ok()) return batch.status();
    for (const eventstore::RecordedEvent& r : *batch) {
      if (!as_of.Includes(r.position, r.recorded_at)) return true;
      KASANE_ASSIGN_OR_RETURN(DecodedEvent d, DecodeWithoutContent(r));
      *state = domain::Evolve(std::move(*state), d.event);
      if (extras != nullptr) extras->Apply(d.event, r.position);
    }
    if (batch->size() < 1024) return true;
    next += batch->size();
  }
}

}  // namespace

Result<domain::CaseState> CaseStateAsOf(const eventstore::EventLog& log,
                                        const domain::CaseId& case_id, AsOf as_of) {
  domain::CaseState state;
  KASANE_RETURN_IF_ERROR(FoldCase(log, case_id, as_of, &state, nullptr).status());
  return state;
}

Result<std::optional<json>> CaseViewAsOf(const eventstore::EventLog& log,
                                         const domain::CaseId& case_id, AsOf as_of) {
  domain::CaseState state;
  CaseViewExtras extras;
  KASANE_ASSIGN_OR_RETURN(bool exists, FoldCase(log, case_id, as_of, &state, &extras));
  if (!exists || state.version == 0) return std::optional<json>();
  return std::optional<json>(BuildCaseView(state, extras));
}

Status ResolveProfiles(json& view, const eventstore::EventLog& log,
                       const std::function<bool(uint64_t)>& allow, UnixNanos at) {
  return ResolveProfiles(
      view,
      [&log](uint64_t position) -> Result<DecodedEvent> {
        KASANE_ASSIGN_OR_RETURN(eventstore::RecordedEvent r, log.ReadAt(position));
        return FromLogEvent(r, log);
      },
      allow, at);
}

Status ResolveProfiles(json& view, const UnsealedEventAt& event_at,
                       const std::function<bool(uint64_t)>& allow, UnixNanos at) {
  std::map<uint64_t, DecodedEvent> events;  // each profile event read once
  for (json& member : view["household"]) {
    if (member["profilePosition"].is_null()) continue;
    const uint64_t pos = member["profilePosition"].get<uint64_t>();
    if (!allow(pos)) continue;
    auto it = events.find(pos);
    if (it == events.end()) {
      KASANE_ASSIGN_OR_RETURN(DecodedEvent d, event_at(pos));
      it = events.emplace(pos, std::move(d)).first;
    }
    const DecodedEvent& d = it->second;
    const std::string person = member["person"].get<std::string>();
    json payload = PayloadJson(d.event.payload, true);
    auto place = [&](const json& m, const std::string& path) {
      for (const std::string& erased : d.erased_paths) {
        if (erased == path) {
          member["profile"] = {{"erased", true}};
          return;
        }
      }
      member["profile"] = m["profile"];
    };
    if (payload.contains("members")) {
      for (size_t i = 0; i < payload["members"].size(); ++i) {
        if (payload["members"][i]["person"] == person) {
          place(payload["members"][i], "members[" + std::to_string(i) + "].profile");
        }
      }
    } else if (payload.contains("member")) {
      place(payload["member"], "member.profile");
    }
  }
  for (json& c : view["consents"]) {
    const bool permit = c["decision"] == "permit";
    const UnixNanos from = c["validFrom"].get<UnixNanos>();
    const bool before_end = c["validUntil"].is_null() || at < c["validUntil"].get<UnixNanos>();
    const bool not_withdrawn = c["withdrawnAt"].is_null() || at < c["withdrawnAt"].get<UnixNanos>();
    c["inForce"] = permit && at >= from && before_end && not_withdrawn;
  }
  return Status::Ok();
}

}  // namespace kasane::projections

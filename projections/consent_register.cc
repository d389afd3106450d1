#include "projections/consent_register.h"

#include <algorithm>

#include "domain/enum_names.h"
#include "projections/encoding.h"
#include "projections/event_json.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string PersonKey(std::string_view person) {
  std::string k = "p";
  AppendId(&k, person);
  return k;
}

std::string ConsentPrefix(std::string_view person) {
  std::string k = "c";
  AppendId(&k, person);
  return k;
}

std::string ConsentKey(std::string_view person, std::string_view consent,
                       std::string_view case_id) {
  std::string k = ConsentPrefix(person);
  AppendId(&k, consent);
  AppendId(&k, case_id);
  return k;
}

json ActorJson(const domain::Actor& a) {
  return {{"staff", a.staff.value},
          {"agency", a.agency.value},
          {"role", std::string(domain::EnumName(a.role))}};
}

// [validFrom, min(validUntil, withdrawnAt)), or null when the consent was never in force.
json InForce(const json& entry) {
  if (entry["decision"] != "permit") return nullptr;
  const UnixNanos from = entry["validFrom"].get<UnixNanos>();
  std::optional<UnixNanos> until;
  for (const char* end : {"validUntil", "withdrawnAt"}) {
    if (entry[end].is_null()) continue;
    const UnixNanos t = entry[end].get<UnixNanos>();
    until = until.has_value() ? std::min(*until, t) : t;
  }
  if (until.has_value() && *until <= from) return nullptr;
  return {{"from", from}, {"until", until.has_value() ? json(*until) : json(nullptr)}};
}

class ConsentRegister final : public Projection {
 public:
  std::string_view Name() const override { return kConsentRegisterName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    if (const auto* c = std::get_if<domain::ConsentRecorded>(&e.event.payload)) {
      return Recorded(e, *c, changes);
    }
    if (const auto* w = std::get_if<domain::ConsentWithdrawn>(&e.event.payload)) {
      return Withdrawn(e, *w, changes);
    }
    return Status::Ok();
  }

 private:
  static Status Recorded(const ProjectedEvent& e, const domain::ConsentRecorded& c,
                         Changes& changes) {
    const std::string_view case_id = internal::CaseIdOfStream(e.stream);
    json entry = PayloadJson(e.event.payload, false);
    entry["case"] = case_id;
    entry["position"] = e.position;
    entry["eventId"] = e.event.id.ToHex();
    entry["recordedAt"] = e.event.recorded_at;
    entry["occurredAt"] = e.event.occurred_at;
    entry["recordedBy"] = ActorJson(e.event.actor);
    entry["withdrawnAt"] = nullptr;
    entry["withdrawal"] = nullptr;
    entry["inForce"] = InForce(entry);
    changes.Put(PersonKey(c.subject.value), std::string());
    changes.Put(ConsentKey(c.subject.value, c.consent.value, case_id), Pack(entry));
    return Status::Ok();
  }

  static Status Withdrawn(const ProjectedEvent& e, const domain::ConsentWithdrawn& w,
                          Changes& changes) {
    const std::string key =
        ConsentKey(w.subject.value, w.consent.value, internal::CaseIdOfStream(e.stream));
    KASANE_ASSIGN_OR_RETURN(std::optional<std::string> stored, changes.Get(key));
    if (!stored.has_value()) {
      return FailedPrecondition("consent.withdrawn at position " + std::to_string(e.position) +
                                " names consent " + w.consent.value +
                                " that the register does not hold for its subject and case");
    }
    KASANE_ASSIGN_OR_RETURN(json entry, Unpack(*stored));
    entry["withdrawnAt"] = e.event.occurred_at;
    entry["withdrawal"] = {{"position", e.position},
                           {"eventId", e.event.id.ToHex()},
                           {"recordedAt", e.event.recorded_at},
                           {"by", ActorJson(e.event.actor)}};
    entry["inForce"] = InForce(entry);
    changes.Put(key, Pack(entry));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Projection> MakeConsentRegister() { return std::make_unique<ConsentRegister>(); }

Result<std::vector<json>> ConsentRegisterFor(const ViewReader& reader,
                                             const domain::PersonId& person) {
  std::vector<json> out;
  Status failed = Status::Ok();
  KASANE_RETURN_IF_ERROR(
      reader.Scan(ConsentPrefix(person.value), [&](std::string_view, std::string_view value) {
        Result<json> entry = Unpack(value);
        if (!entry.ok()) {
          failed = entry.status();
          return false;
        }
        out.push_back(std::move(entry).value());
        return true;
      }));
  KASANE_RETURN_IF_ERROR(failed);
  return out;
}

Result<std::vector<std::string>> ConsentRegisterPersons(const ViewReader& reader) {
  return internal::ReadIdList(reader, "p");
}

bool ConsentEntryInForceAt(const json& entry, UnixNanos t) {
  const json& period = entry["inForce"];
  if (period.is_null()) return false;
  return t >= period["from"].get<UnixNanos>() &&
         (period["until"].is_null() || t < period["until"].get<UnixNanos>());
}

}  // namespace kasane::projections

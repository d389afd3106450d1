#include "projections/disclosure_register.h"

#include "domain/enum_names.h"
#include "projections/event_json.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string PersonKey(std::string_view person) { return internal::IdKey('p', person); }
std::string EntryPrefix(std::string_view person) { return internal::IdKey('e', person); }

json Recipients(const std::vector<domain::Recipient>& recipients) {
  json a = json::array();
  for (const domain::Recipient& r : recipients) {
    a.push_back({{"agency", r.agency.value},
                 {"staff", r.staff.has_value() ? json(r.staff->value) : json(nullptr)}});
  }
  return a;
}

// The meeting a basis names, with its kind and purpose from the case's state.
json MeetingOf(const std::optional<domain::DisclosureBasis>& basis, const domain::CaseState* s) {
  if (!basis.has_value() || !basis->meeting.has_value()) return nullptr;
  json m = {{"meeting", basis->meeting->value}, {"kind", nullptr}, {"purpose", nullptr}};
  const domain::MeetingState* meeting = s == nullptr ? nullptr : s->FindMeeting(*basis->meeting);
  if (meeting != nullptr) {
    m["kind"] = std::string(domain::EnumName(meeting->kind));
    if (meeting->purpose.has_value())
      m["purpose"] = std::string(domain::EnumName(*meeting->purpose));
  }
  return m;
}

class DisclosureRegister final : public Projection {
 public:
  std::string_view Name() const override { return kDisclosureRegisterName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    const domain::Payload& p = e.event.payload;
    if (const auto* d = std::get_if<domain::DisclosureMade>(&p)) {
      json entry = Entry(e);
      entry["by"] = {{"agency", d->discloser_agency.value}, {"staff", d->discloser_staff.value}};
      entry["refused"] = false;
      entry["meeting"] = MeetingOf(d->basis, e.case_state);
      Put(d->subject, e.position, entry, changes);
    } else if (const auto* r = std::get_if<domain::DisclosureRefused>(&p)) {
      json entry = Entry(e);
      entry["by"] = {{"agency", r->attempted_by_agency.value},
                     {"staff", r->attempted_by_staff.value}};
      entry["refused"] = true;
      entry["meeting"] = MeetingOf(r->basis, e.case_state);
      Put(r->subject, e.position, entry, changes);
    } else if (const auto* m = std::get_if<domain::ReferralMade>(&p)) {
      if (m->kinds_passed.empty()) return Status::Ok();
      json entry = Entry(e);
      entry["by"] = {{"agency", m->from_agency.value}, {"staff", e.event.actor.staff.value}};
      entry["recipients"] = Recipients({domain::Recipient{m->to_agency, std::nullopt}});
      entry["kinds"] = entry["kindsPassed"];
      entry["refused"] = false;
      entry["meeting"] = MeetingOf(m->basis, e.case_state);
      Put(m->subject, e.position, entry, changes);
    }
    return Status::Ok();
  }

 private:
  static json Entry(const ProjectedEvent& e) {
    json entry = PayloadJson(e.event.payload, false);
    entry["type"] = std::string(domain::TypeOf(e.event.payload));
    entry["case"] = internal::CaseIdOfStream(e.stream);
    entry["position"] = e.position;
    entry["eventId"] = e.event.id.ToHex();
    entry["recordedAt"] = e.event.recorded_at;
    entry["occurredAt"] = e.event.occurred_at;
    entry["actor"] = {{"staff", e.event.actor.staff.value},
                      {"agency", e.event.actor.agency.value},
                      {"role", std::string(domain::EnumName(e.event.actor.role))}};
    return entry;
  }

  static void Put(const domain::PersonId& subject, uint64_t position, const json& entry,
                  Changes& changes) {
    std::string key = EntryPrefix(subject.value);
    AppendU64(&key, position);
    changes.PutNew(std::move(key), Pack(entry));
    changes.Put(PersonKey(subject.value), std::string());
  }
};

}  // namespace

std::unique_ptr<Projection> MakeDisclosureRegister() {
  return std::make_unique<DisclosureRegister>();
}

Result<std::vector<json>> DisclosureRegisterFor(const ViewReader& reader,
                                                const domain::PersonId& person,
                                                const DisclosureQuery& q) {
  return internal::ReadPositionIndex(reader, EntryPrefix(person.value),
                                     internal::PositionQuery{q.as_of, q.from_position, q.limit});
}

Result<std::vector<std::string>> DisclosureRegisterPersons(const ViewReader& reader) {
  return internal::ReadIdList(reader, "p");
}

}  // namespace kasane::projections

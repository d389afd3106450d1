#include "projections/event_codec.h"

#include <utility>

#include "domain/codec.h"
#include "domain/enum_names.h"
#include "domain/personal_content.h"

namespace kasane::projections {
namespace {

// Error messages name the event by id and fields by path; never a value.
std::string EventName(const eventstore::EventId& id, std::string_view type) {
  return "event " + id.ToString() + " (" + std::string(type) + ")";
}

Status WithContext(const Status& s, const std::string& context) {
  return Status(s.code(), context + ": " + s.message());
}

}  // namespace

Result<eventstore::NewEvent> ToLogEvent(domain::DomainEvent&& event, eventstore::EventLog& log) {
  return ToLogEvent(std::move(event), log, nullptr);
}

Result<eventstore::NewEvent> ToLogEvent(domain::DomainEvent&& event, eventstore::EventLog& log,
                                        domain::DomainEvent* without_content) {
  eventstore::NewEvent out;
  out.id.bytes = event.id.bytes;
  out.type = std::string(domain::TypeOf(event.payload));
  out.occurred_at = event.occurred_at;
  if (without_content != nullptr) {
    out.actor = eventstore::Actor{event.actor.staff.value, event.actor.agency.value,
                                  std::string(domain::EnumName(event.actor.role))};
  } else {
    out.actor =
        eventstore::Actor{std::move(event.actor.staff.value), std::move(event.actor.agency.value),
                          std::string(domain::EnumName(event.actor.role))};
  }

  Status sealed =
      domain::ForEachPersonalSlot(event.payload, [&](domain::PersonalSlot& slot) -> Status {
        if (slot.empty()) return Status::Ok();  // no content, nothing to seal
        if (slot.subject().empty()) {
          return InvalidArgument(EventName(out.id, out.type) + ": personal field " + slot.path() +
                                 " has no data subject");
        }
        const std::string plaintext = slot.Take();  // the payload's field is blank from here
        Result<eventstore::SealedPart> part =
            log.Seal(out.id, slot.subject().value, slot.path(), plaintext);
        if (!part.ok()) {
          return WithContext(part.status(),
                             EventName(out.id, out.type) + ": sealing " + slot.path());
        }
        out.sealed.push_back(std::move(part).value());
        return Status::Ok();
      });
  KASANE_RETURN_IF_ERROR(sealed);

  Result<std::string> payload = domain::EncodePayload(event.payload);
  if (!payload.ok()) return WithContext(payload.status(), EventName(out.id, out.type));
  out.payload = std::move(payload).value();
  if (without_content != nullptr) {
    *without_content = std::move(event);  // its personal fields were taken by the sealer
    without_content->recorded_at = 0;
  }
  return out;
}

Result<eventstore::NewEvent> ToLogEvent(const domain::DomainEvent& event,
                                        eventstore::EventLog& log) {
  return ToLogEvent(domain::DomainEvent(event), log);
}

Result<DecodedEvent> DecodeWithoutContent(const eventstore::RecordedEvent& recorded) {
  Result<domain::Payload> payload = domain::DecodePayload(recorded.type, recorded.payload);
  if (!payload.ok()) {
    return WithContext(payload.status(), EventName(recorded.id, recorded.type));
  }
  Result<domain::Role> role = domain::ParseEnum<domain::Role>(recorded.actor.role);
  if (!role.ok()) {
    return DataLoss(EventName(recorded.id, recorded.type) + ": actor " + role.status().message());
  }
  DecodedEvent out;
  out.event.id.bytes = recorded.id.bytes;
  out.event.occurred_at = recorded.occurred_at;
  out.event.recorded_at = recorded.recorded_at;
  out.event.actor = domain::Actor{domain::StaffId(recorded.actor.staff),
                                  domain::AgencyId(recorded.actor.agency), *role};
  out.event.payload = std::move(payload).value();
  out.stream = recorded.stream;
  out.version = recorded.version;
  out.position = recorded.position;
  return out;
}

Result<DecodedEvent> FromLogEvent(const eventstore::RecordedEvent& recorded,
                                  const eventstore::EventLog& log) {
  KASANE_ASSIGN_OR_RETURN(DecodedEvent out, DecodeWithoutContent(recorded));
  KASANE_RETURN_IF_ERROR(OpenSealedParts(out, recorded.sealed, log));
  return out;
}

Status OpenSealedParts(DecodedEvent& out, const std::vector<eventstore::SealedPart>& parts,
                       const eventstore::EventLog& log) {
  eventstore::EventId id;
  id.bytes = out.event.id.bytes;
  const std::string name = EventName(id, domain::TypeOf(out.event.payload));
  std::vector<bool> used(parts.size(), false);
  Status opened =
      domain::ForEachPersonalSlot(out.event.payload, [&](domain::PersonalSlot& slot) -> Status {
        const eventstore::SealedPart* part = nullptr;
        for (size_t i = 0; i < parts.size(); ++i) {
          if (parts[i].path != slot.path()) continue;
          if (part != nullptr) return DataLoss(name + ": two sealed parts for " + slot.path());
          part = &parts[i];
          used[i] = true;
        }
        if (!slot.empty()) {
          return DataLoss(name + ": personal field " + slot.path() + " is stored in clear");
        }
        if (part == nullptr) return Status::Ok();  // an empty field: nothing was sealed
        if (part->subject != slot.subject().value) {
          return DataLoss(name + ": the sealed part for " + slot.path() +
                          " names another subject than the field's");
        }
        Result<std::optional<std::string>> plaintext = log.Unseal(id, *part);
        if (!plaintext.ok()) {
          return WithContext(plaintext.status(), name + ": unsealing " + slot.path());
        }
        if (!plaintext->has_value()) {
          out.erased_paths.push_back(slot.path());  // the subject's key is destroyed
          return Status::Ok();
        }
        Status set = slot.Set(**plaintext);
        if (!set.ok()) return WithContext(set, name);
        return Status::Ok();
      });
  KASANE_RETURN_IF_ERROR(opened);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!used[i]) {
      return DataLoss(name + ": sealed part for " + parts[i].path +
                      ", which is not a personal field of the payload");
    }
  }
  return Status::Ok();
}

}  // namespace kasane::projections

#include "api/records.h"

#include <nlohmann/json.hpp>

#include "domain/enum_names.h"
#include "projections/event_codec.h"

namespace kasane::api {
namespace {

std::optional<eventstore::EventId> CorrelationOf(std::string_view request_id) {
  auto parsed = eventstore::EventId::Parse(request_id);
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

}  // namespace

std::string NewRequestId(Random& random) { return NewEventId(random).ToHex(); }

eventstore::EventId LogEventId(const domain::EventId& id) {
  eventstore::EventId out;
  out.bytes = id.bytes;
  return out;
}

domain::EventId NewEventId(Random& random) {
  domain::EventId id;
  random.Fill(id.bytes);
  if (id.IsZero()) id.bytes[15] = 1;
  return id;
}

domain::Actor ActorOf(const domain::Principal& principal) {
  return domain::Actor{principal.staff, principal.agency, principal.role};
}

Result<std::optional<uint64_t>> RecordAccess(eventstore::EventLog& log, Random& random,
                                             const domain::Principal& principal,
                                             const domain::CaseState& state,
                                             std::span<const domain::DomainEvent> shown,
                                             UnixNanos now, std::string_view request_id,
                                             std::string_view channel) {
  std::optional<domain::AccessRecorded> record =
      domain::AccessRecordFor(principal, state, shown, now);
  if (!record) return std::optional<uint64_t>();
  record->channel = std::string(channel);
  domain::DomainEvent e;
  e.id = NewEventId(random);
  e.occurred_at = now;
  e.actor = ActorOf(principal);
  e.payload = std::move(*record);
  KASANE_ASSIGN_OR_RETURN(eventstore::NewEvent ne, projections::ToLogEvent(std::move(e), log));
  ne.correlation_id = CorrelationOf(request_id);
  const std::string stream =
      principal.agency.value.empty() ? "access-apps" : "access-" + principal.agency.value;
  // Priority: on a nearly full disk the record may use the emergency reserve, so that reads go
  // on while commands are refused (eventstore::AppendOptions).
  KASANE_ASSIGN_OR_RETURN(eventstore::AppendResult r,
                          log.Append(stream, eventstore::ExpectedVersion::Any(), {std::move(ne)},
                                     eventstore::AppendOptions{.priority = true}));
  return std::optional<uint64_t>(r.first_position);
}

Status RecordRefusal(eventstore::EventLog& log, Random& random, const domain::Principal& principal,
                     std::string_view event_type, std::string_view case_id,
                     const domain::EventId& command_id, std::string_view rule, UnixNanos now,
                     std::string_view request_id) {
  nlohmann::json payload = {
      {"type", event_type},
      {"caseId", case_id},
      {"rule", rule},
      {"eventId", command_id.ToHex()},
  };
  eventstore::NewEvent ne;
  ne.id = LogEventId(NewEventId(random));
  ne.type = std::string(kCommandRefusedType);
  ne.occurred_at = now;
  ne.actor = {principal.staff.value, principal.agency.value,
              std::string(domain::EnumName(principal.role))};
  ne.correlation_id = CorrelationOf(request_id);
  ne.payload = payload.dump();
  auto r = log.Append(std::string(kRefusalStream), eventstore::ExpectedVersion::Any(),
                      {std::move(ne)}, eventstore::AppendOptions{.priority = true});
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace kasane::api

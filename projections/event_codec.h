// The event codec: the one place where domain events meet the event log.
//
// Writing (ToLogEvent): every non-empty personal field of the payload (PersonalFieldsOf,
// docs/events.md) is encoded as plaintext (domain/personal_content.h), sealed with
// EventLog::Seal under the key of that field's own data subject, bound to the event id and the
// field's path, and blanked in the payload before it is encoded. An event about several people
// (case.opened with its household) therefore carries one part per person's field, each under
// that person's key, and the payload bytes in the log hold no personal content at all.
// Empty personal fields carry nothing and are not sealed.
//
// Reading (FromLogEvent): the payload is decoded and each sealed part is unsealed back into its
// field. A part whose subject has been erased leaves its field blank and its path is listed in
// DecodedEvent::erased_paths, so every view can show "erased" instead of content. Anything else
// unexpected is an error, never silently dropped: a part that fails authentication, a part for a
// path that is not a personal field of the payload (or whose subject differs from the field's),
// two parts for one path, or a personal field present in clear in the payload bytes.
// docs/sealing.md records the decisions behind this.
//
// Thread-safety: stateless functions; as thread-safe as the EventLog they are given (which is).
//
//   KASANE_ASSIGN_OR_RETURN(eventstore::NewEvent e, ToLogEvent(std::move(domain_event), log));
//   KASANE_ASSIGN_OR_RETURN(auto r, log.Append("case-" + id, expected, {std::move(e)}));
//   ...
//   KASANE_ASSIGN_OR_RETURN(DecodedEvent d, FromLogEvent(recorded, log));
//   state = domain::Evolve(std::move(state), d.event);
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "domain/events.h"
#include "eventstore/event.h"
#include "eventstore/event_log.h"

namespace kasane::projections {

// Builds the log event for `event`: id, type (TypeOf), occurred-at, actor (staff and agency ids,
// the role's identifier) and the payload's canonical bytes with every personal field moved into
// NewEvent::sealed. causation_id and correlation_id are left unset for the caller; the sealed
// parts do not depend on them. event.recorded_at is ignored (the log assigns it).
// The rvalue overload moves the personal text into the sealer instead of copying the payload.
// Failure: kInvalidArgument when a non-empty personal field has no data subject; the Status of
// Seal (kFailedPrecondition when a field's subject has been erased, kIoError ...); kInternal
// when the payload cannot be encoded. Keys may have been created for subjects sealed before
// the failure; nothing is appended.
Result<eventstore::NewEvent> ToLogEvent(domain::DomainEvent&& event, eventstore::EventLog& log);
Result<eventstore::NewEvent> ToLogEvent(const domain::DomainEvent& event,
                                        eventstore::EventLog& log);
// As above, and on success `*without_content` is the event as DecodeWithoutContent reads it
// back from the log once appended: its personal fields blank, recorded_at 0 (the log assigns
// it: AppendResult::recorded_at). A caller that appends the event can use this instead of
// reading and decoding it again (the case store does, after a command).
Result<eventstore::NewEvent> ToLogEvent(domain::DomainEvent&& event, eventstore::EventLog& log,
                                        domain::DomainEvent* without_content);

// A log event read back as a domain event.
struct DecodedEvent {
  domain::DomainEvent event;  // recorded_at is the log's; erased fields are blank
  // Paths (as in PersonalFieldsOf) of personal fields whose subject has been erased, in schema
  // order. Views render these as erased, never as empty content.
  std::vector<std::string> erased_paths;
  std::string stream;
  eventstore::Version version = 0;
  eventstore::Position position = 0;

  bool HasErasedContent() const { return !erased_paths.empty(); }
  friend bool operator==(const DecodedEvent&, const DecodedEvent&) = default;
};

// Decodes `recorded` and unseals its personal fields (see the file comment).
// Failure: the Status of DecodePayload (kInvalidArgument: unknown type, malformed bytes), with the
// event id prefixed; kDataLoss for an actor role that does not parse, a part that fails
// authentication or whose plaintext does not decode, a part whose path is not a personal field of
// the payload or whose subject is not the field's, two parts for one path, or personal content
// stored in clear.
Result<DecodedEvent> FromLogEvent(const eventstore::RecordedEvent& recorded,
                                  const eventstore::EventLog& log);

// Unseals `parts` (an event's sealed parts as the log holds them) into `decoded`, the event as
// DecodeWithoutContent reads it (personal fields blank, erased_paths empty): the second half of
// FromLogEvent, with its failures. For a caller that keeps the content-free event and its
// parts (the API's case store) instead of reading and decoding the event again.
Status OpenSealedParts(DecodedEvent& decoded, const std::vector<eventstore::SealedPart>& parts,
                       const eventstore::EventLog& log);

// Decodes `recorded` without unsealing anything: every personal field is blank and
// erased_paths is empty. What projections consume: they hold no personal content (views resolve
// it at read time through FromLogEvent, so erasure reaches them). Failure: as FromLogEvent's
// decoding failures; sealed parts are not examined.
Result<DecodedEvent> DecodeWithoutContent(const eventstore::RecordedEvent& recorded);

}  // namespace kasane::projections

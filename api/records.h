// The API's own records in the log, beside the case streams:
//
//   access.recorded (閲覧記録, DOMAIN.md rule 7): before a response carrying personal content is
//     sent, AccessRecordFor's record is appended to the stream "access-<agency>" (apps with no
//     agency: "access-apps") and committed (sync). The request id is the envelope's
//     correlation id. If it cannot be committed the content is not sent (fail closed). Concurrent
//     requests share commits through the log's group commit.
//   command.refused: a command the domain refused without an event of its own (every refusal but
//     a refused disclosure, which decide records as disclosure.refused in the case) is recorded
//     as a log-level event in the stream "refusals": the command's event type, case, rule and
//     event id, and the principal as actor. No payload field of the command is copied, so nothing
//     personal is stored. Projections pass over this type (it is not in the domain catalogue).
//
// Both are priority appends (eventstore::AppendOptions): below the log's ordinary free-space
// reserve, when commands are refused with 507, they may still use the emergency reserve, so that
// staff can go on reading cases on a nearly full disk (docs/operations.md, "Full disk").
//
// Thread-safety: safe to call concurrently (the EventLog is).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "domain/case_state.h"
#include "domain/events.h"
#include "domain/scope_policy.h"
#include "eventstore/event_log.h"

namespace kasane::api {

inline constexpr std::string_view kRefusalStream = "refusals";
inline constexpr std::string_view kCommandRefusedType = "command.refused";

// A request id: 16 random bytes as 32 hex digits (also the envelope's correlation id).
std::string NewRequestId(Random& random);
domain::EventId NewEventId(Random& random);
// The log's form of a domain event id (the same 16 bytes).
eventstore::EventId LogEventId(const domain::EventId& id);

// The actor of a principal as the log stores it.
domain::Actor ActorOf(const domain::Principal& principal);

// Appends the access record for showing `shown` (events of the case `state`) to `principal`,
// when any of them is shown in full; returns the position of the record (nullopt when nothing
// personal was shown). `channel`: "" for HTTP, else the in-process command reading on the
// principal's behalf (AccessRecorded::channel). Failure: the log's append error (the caller must
// not send the content).
Result<std::optional<uint64_t>> RecordAccess(eventstore::EventLog& log, Random& random,
                                             const domain::Principal& principal,
                                             const domain::CaseState& state,
                                             std::span<const domain::DomainEvent> shown,
                                             UnixNanos now, std::string_view request_id,
                                             std::string_view channel = {});

// Appends a command.refused record. Failure: the log's append error.
Status RecordRefusal(eventstore::EventLog& log, Random& random, const domain::Principal& principal,
                     std::string_view event_type, std::string_view case_id,
                     const domain::EventId& command_id, std::string_view rule, UnixNanos now,
                     std::string_view request_id);

}  // namespace kasane::api

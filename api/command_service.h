// The command service: one HTTP command (a route of api/routes.h and its JSON body) becomes one
// domain command, decided against the case's current state and appended to its stream.
//
//   1. The body's payload fields (payload_json.h) plus the path parameters give the payload; the
//      optional envelope fields "eventId" and "occurredAt" (default: now) complete the command.
//   2. The event id is the body's "eventId"; else derived from the Idempotency-Key header (the
//      first 16 bytes of SHA-256 over the principal's staff, agency and the key, so two callers'
//      keys never collide); else random. A body eventId and a key that disagree are refused.
//   3. Idempotency: when that id is already in the log, the request is a retry. Same stream,
//      type, actor and payload (and occurredAt when given) -> the original result (200,
//      replayed: true; a refused disclosure answers its refusal again). Anything else -> 409
//      event-id-conflict. Nothing is written either way.
//   4. If-Match ("N", the case's event count, as every case read's ETag) must equal the case's
//      count, else 412 version-conflict. Without If-Match a concurrent write to the same case
//      makes the service reload and decide again (optimistic concurrency, bounded retries).
//   5. decide (domain/decide.h) accepts or refuses. A refusal answers 403 (actor, role) or 422
//      with the rule; a refused disclosure's disclosure.refused is appended to the case and every
//      other refusal is recorded as command.refused (records.h) before the answer.
//   6. The accepted event is appended with expected version = the state decided on, so what was
//      decided is exactly what is stored; the answer is sent after the commit.
//
// Thread-safety: Execute is safe to call concurrently.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/case_store.h"
#include "api/problem.h"
#include "api/routes.h"
#include "base/clock.h"
#include "base/random.h"
#include "domain/scope_policy.h"
#include "domain/settings.h"
#include "eventstore/event_log.h"

namespace kasane::api {

struct CommandInput {
  const RouteSpec* route = nullptr;                // a command route
  std::map<std::string, std::string> path_params;  // by name, e.g. {"caseId": "c-1"}
  nlohmann::json body;                             // an object
  std::optional<std::string> idempotency_key;
  std::optional<std::string> if_match;
  std::string request_id;
  // The decision's "now" (consent validity, due dates); nullopt: the clock. Only the in-process
  // importer sets it (ApiServer::Call), to decide a past record as of when it happened.
  std::optional<UnixNanos> decide_at;
};

struct CommandOutcome {
  int status = 201;  // 201 accepted, 200 replayed; >= 400 with `problem`
  nlohmann::json body;
  std::optional<Problem> problem;
  std::string stream;
  uint64_t count = 0;  // the stream's event count after the command (the ETag)
};

class CommandService {
 public:
  CommandService(eventstore::EventLog& log, CaseStore& cases, const Clock& clock, Random& random,
                 domain::MunicipalSettings settings);

  CommandOutcome Execute(const domain::Principal& principal, const CommandInput& input);

 private:
  struct Prepared;
  Result<Prepared> Prepare(const domain::Principal& principal, const CommandInput& input);
  std::optional<CommandOutcome> Replay(const Prepared& p);
  CommandOutcome Decide(const domain::Principal& principal, const CommandInput& input,
                        const Prepared& p);

  eventstore::EventLog& log_;
  CaseStore& cases_;
  const Clock& clock_;
  Random& random_;
  const domain::MunicipalSettings settings_;
};

}  // namespace kasane::api

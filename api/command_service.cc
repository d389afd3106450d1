#include "api/command_service.h"

#include "api/internal/decimal.h"
#include "api/payload_json.h"
#include "api/records.h"
#include "domain/decide.h"
#include "domain/enum_names.h"
#include "eventstore/merkle.h"
#include "projections/event_codec.h"

namespace kasane::api {
namespace {

constexpr int kMaxAttempts = 8;
constexpr size_t kMaxIdempotencyKey = 255;

Problem Validation(std::string detail) {
  return MakeProblem(422, "validation", "The request is not valid", std::move(detail));
}

bool IsAdminType(std::string_view type) {
  return type == "agency.registered" || type == "staff.registered" || type == "staff.deactivated";
}

domain::EventId IdFromKey(const domain::Principal& principal, std::string_view key) {
  std::string material = "kasane-idempotency";
  material.push_back('\0');
  material += principal.staff.value;
  material.push_back('\0');
  material += principal.agency.value;
  material.push_back('\0');
  material += key;
  const eventstore::Hash digest = eventstore::Sha256Of(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(material.data()), material.size()));
  domain::EventId id;
  std::copy(digest.begin(), digest.begin() + id.bytes.size(), id.bytes.begin());
  if (id.IsZero()) id.bytes[15] = 1;
  return id;
}

nlohmann::json Accepted(const domain::EventId& id, const eventstore::RecordedEvent& r,
                        bool replayed) {
  return {{"eventId", id.ToHex()},
          {"position", r.position},
          {"stream", r.stream},
          {"version", r.version},
          {"replayed", replayed}};
}

CommandOutcome Failed(Problem p) {
  CommandOutcome o;
  o.status = p.status;
  o.problem = std::move(p);
  return o;
}

CommandOutcome Refused(const domain::Rejection& r, std::string stream, uint64_t count) {
  Status s = domain::RejectionStatus(r);
  Problem p = s.code() == StatusCode::kPermissionDenied
                  ? MakeProblem(403, "forbidden", "A rule refused the command", r.message)
                  : MakeProblem(422, "rule-refused", "A rule refused the command", r.message);
  p.extra["rule"] = r.rule;
  CommandOutcome o = Failed(std::move(p));
  o.stream = std::move(stream);
  o.count = count;
  return o;
}

Result<uint64_t> ParseIfMatch(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::optional<uint64_t> n = ParseDecimal(v);
  if (!n) return InvalidArgument("If-Match must be a quoted event count");
  return *n;
}

}  // namespace

struct CommandService::Prepared {
  domain::Command command;
  bool occurred_given = false;
  bool admin = false;
  domain::CaseId case_id;
  std::string stream;
};

CommandService::CommandService(eventstore::EventLog& log, CaseStore& cases, const Clock& clock,
                               Random& random, domain::MunicipalSettings settings)
    : log_(log), cases_(cases), clock_(clock), random_(random), settings_(std::move(settings)) {}

Result<CommandService::Prepared> CommandService::Prepare(const domain::Principal& principal,
                                                         const CommandInput& input) {
  const std::string type(input.route->event_type);
  if (!input.body.is_object()) return InvalidArgument("/: the body must be a JSON object");
  nlohmann::json fields = input.body;
  Prepared p;
  std::optional<domain::EventId> body_id;
  if (auto it = fields.find("eventId"); it != fields.end()) {
    if (!it->is_string()) return InvalidArgument("/eventId: must be 32 hex digits");
    KASANE_ASSIGN_OR_RETURN(domain::EventId id, domain::EventId::FromHex(it->get<std::string>()));
    if (id.IsZero()) return InvalidArgument("/eventId: must not be zero");
    body_id = id;
    fields.erase(it);
  }
  p.command.occurred_at = clock_.Now();
  if (auto it = fields.find("occurredAt"); it != fields.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
      return InvalidArgument("/occurredAt: must be a positive integer (Unix nanoseconds)");
    }
    p.command.occurred_at = it->get<int64_t>();
    p.occurred_given = true;
    fields.erase(it);
  }
  for (const PathParam& param : input.route->params) {
    if (param.name.empty()) continue;
    auto value = input.path_params.find(std::string(param.name));
    if (value == input.path_params.end()) return Internal("missing path parameter");
    KASANE_RETURN_IF_ERROR(domain::ValidateId(param.name, value->second));
    if (param.field.empty()) {
      p.case_id = domain::CaseId{value->second};
      continue;
    }
    const std::string field(param.field);
    if (auto it = fields.find(field); it != fields.end() && *it != value->second) {
      return InvalidArgument("/" + field + ": differs from the path's " + std::string(param.name));
    }
    fields[field] = value->second;
  }
  KASANE_ASSIGN_OR_RETURN(p.command.payload, PayloadFromJson(type, fields));
  if (input.idempotency_key) {
    const std::string& key = *input.idempotency_key;
    if (key.empty() || key.size() > kMaxIdempotencyKey) {
      return InvalidArgument("Idempotency-Key must be 1 to 255 characters");
    }
    for (char c : key) {
      if (c < 0x21 || c > 0x7e) return InvalidArgument("Idempotency-Key must be printable ASCII");
    }
    domain::EventId derived = IdFromKey(principal, key);
    if (body_id && *body_id != derived) {
      return InvalidArgument("/eventId: give either eventId or Idempotency-Key, not both");
    }
    p.command.event_id = derived;
  } else {
    p.command.event_id = body_id ? *body_id : NewEventId(random_);
  }
  p.command.actor = ActorOf(principal);
  p.admin = IsAdminType(type);
  if (p.admin) {
    p.stream = std::string(kAdminStream);
  } else {
    if (auto* opened = std::get_if<domain::CaseOpened>(&p.command.payload)) {
      p.case_id = opened->case_id;
      KASANE_RETURN_IF_ERROR(domain::ValidateId("caseId", p.case_id.value));
    }
    p.stream = CaseStream(p.case_id);
  }
  return p;
}

std::optional<CommandOutcome> CommandService::Replay(const Prepared& p) {
  auto found = log_.ReadById(LogEventId(p.command.event_id));
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) return std::nullopt;
    return Failed(ProblemFromStatus(found.status()));
  }
  const std::string type(domain::TypeOf(p.command.payload));
  Problem conflict = MakeProblem(409, "event-id-conflict",
                                 "The event id (or Idempotency-Key) was used for another request",
                                 "event " + p.command.event_id.ToHex() +
                                     " is already recorded with other content; use a new id");
  if (found->stream != p.stream) return Failed(conflict);
  auto decoded = projections::FromLogEvent(*found, log_);
  if (!decoded.ok()) return Failed(ProblemFromStatus(decoded.status()));
  const domain::DomainEvent& e = decoded->event;
  if (e.actor != p.command.actor) return Failed(conflict);
  if (p.occurred_given && e.occurred_at != p.command.occurred_at) return Failed(conflict);
  if (found->type == type && e.payload == p.command.payload) {
    CommandOutcome o;
    o.status = 200;
    o.body = Accepted(p.command.event_id, *found, true);
    o.stream = found->stream;
    o.count = found->version + 1;
    return o;
  }
  if (auto* refused = std::get_if<domain::DisclosureRefused>(&e.payload);
      refused && (type == "disclosure.made" || type == "referral.made")) {
    return Refused({refused->rule, refused->reason}, found->stream, found->version + 1);
  }
  return Failed(conflict);
}

CommandOutcome CommandService::Decide(const domain::Principal& principal, const CommandInput& input,
                                      const Prepared& p) {
  const std::string type(domain::TypeOf(p.command.payload));
  std::optional<uint64_t> expected_count;
  if (input.if_match) {
    auto n = ParseIfMatch(*input.if_match);
    if (!n.ok()) return Failed(ProblemFromStatus(n.status()));
    expected_count = *n;
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto dir = cases_.Directory();
    if (!dir.ok()) return Failed(ProblemFromStatus(dir.status()));
    const UnixNanos now = input.decide_at.value_or(clock_.Now());
    domain::DecisionContext context{now, (*dir)->directory, settings_};
    Result<domain::Decision> decision = InvalidArgument("not decided");
    uint64_t count = 0;
    if (p.admin) {
      count = (*dir)->count;
      decision = domain::DecideAdmin((*dir)->directory, p.command, context);
    } else {
      auto snap = cases_.Load(p.case_id);
      if (!snap.ok()) return Failed(ProblemFromStatus(snap.status()));
      count = (*snap)->count();
      // A case the principal has no relation to does not exist for them: 404 before any rule,
      // version or content is looked at (and nothing is recorded, as for a missing case).
      if ((*snap)->state.opened && !std::holds_alternative<domain::CaseOpened>(p.command.payload) &&
          !MayRecordInto(principal, **snap, now)) {
        return Failed(MakeProblem(404, "not-found", "Not found", "case not found"));
      }
      decision = domain::Decide((*snap)->state, p.command, context);
    }
    if (expected_count && *expected_count != count) {
      Problem pr = MakeProblem(412, "version-conflict", "The expected version does not hold",
                               "If-Match names " + std::to_string(*expected_count) +
                                   " events; the stream has " + std::to_string(count));
      pr.extra["currentETag"] = "\"" + std::to_string(count) + "\"";
      CommandOutcome o = Failed(std::move(pr));
      o.stream = p.stream;
      o.count = count;
      return o;
    }
    if (!decision.ok()) {
      const Status& s = decision.status();
      if (s.code() == StatusCode::kNotFound) {
        return Failed(MakeProblem(404, "not-found", "Not found", "case not found"));
      }
      return Failed(ProblemFromStatus(s));
    }
    if (decision->events.empty()) {
      if (decision->accepted()) return Failed(ProblemFromStatus(Internal("nothing decided")));
      Status recorded =
          RecordRefusal(log_, random_, principal, type, p.case_id.value, p.command.event_id,
                        decision->rejection->rule, now, input.request_id);
      if (!recorded.ok()) return Failed(ProblemFromStatus(recorded));
      return Refused(*decision->rejection, p.stream, count);
    }
    std::vector<eventstore::NewEvent> events;
    // The events as the case store would read them back after the append (personal fields
    // blank), handed to it below instead of that read.
    std::vector<CaseEvent> without_content;
    for (domain::DomainEvent& e : decision->events) {
      domain::DomainEvent stored;
      auto ne = projections::ToLogEvent(std::move(e), log_, p.admin ? nullptr : &stored);
      if (!ne.ok()) return Failed(ProblemFromStatus(ne.status()));
      if (!p.admin) without_content.push_back({0, std::move(stored), ne->sealed});
      if (auto cid = eventstore::EventId::Parse(input.request_id); cid.ok()) {
        ne->correlation_id = *cid;
      }
      events.push_back(std::move(*ne));
    }
    const eventstore::ExpectedVersion expected =
        count == 0 ? eventstore::ExpectedVersion::NoStream()
                   : eventstore::ExpectedVersion::Exact(count - 1);
    // A refused disclosure's record is a refusal record: it may use the emergency reserve.
    auto appended =
        log_.Append(p.stream, expected, std::move(events),
                    eventstore::AppendOptions{.priority = decision->rejection.has_value()});
    if (!appended.ok()) {
      if (appended.status().code() == StatusCode::kConflict && !expected_count) continue;
      if (appended.status().code() == StatusCode::kAlreadyExists) {
        // A concurrent request with the same id won the race: answer as its retry would.
        if (auto replay = Replay(p)) return *replay;
      }
      return Failed(ProblemFromStatus(appended.status()));
    }
    if (!p.admin && !appended->replayed) {
      for (CaseEvent& e : without_content) e.event.recorded_at = appended->recorded_at;
      cases_.Offer(p.case_id, appended->first_version, appended->first_position,
                   std::move(without_content));
    }
    if (decision->rejection) {
      return Refused(*decision->rejection, p.stream, appended->last_version + 1);
    }
    CommandOutcome o;
    o.status = appended->replayed ? 200 : 201;
    o.body = {{"eventId", p.command.event_id.ToHex()},
              {"position", appended->first_position},
              {"stream", p.stream},
              {"version", appended->first_version},
              {"replayed", appended->replayed}};
    o.stream = p.stream;
    o.count = appended->last_version + 1;
    return o;
  }
  return Failed(MakeProblem(503, "unavailable", "Unavailable; try again",
                            "the case kept changing while the command was decided"));
}

CommandOutcome CommandService::Execute(const domain::Principal& principal,
                                       const CommandInput& input) {
  auto prepared = Prepare(principal, input);
  if (!prepared.ok()) {
    if (prepared.status().code() == StatusCode::kInvalidArgument) {
      return Failed(Validation(prepared.status().message()));
    }
    return Failed(ProblemFromStatus(prepared.status()));
  }
  if (auto replay = Replay(*prepared)) return *replay;
  return Decide(principal, input, *prepared);
}

}  // namespace kasane::api

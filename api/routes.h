// The route table of the HTTP API: every route the server answers, in one list, so the server,
// the OpenAPI document (api/openapi.h) and the test that compares them all read the same table.
//
// Commands: one resource-oriented POST route per domain event a client may issue. The request
// body is the event's payload fields by their schema names (domain/events.capnp, the same names
// the views render), plus two optional envelope fields: "eventId" (32 hex digits; the client's
// idempotency key) and "occurredAt" (Unix nanoseconds; default now). A path parameter names a
// payload field (`params`): the server puts the path's value into that field, and a body that
// also carries the field with another value is refused (422). The case id of a case command is
// the `{caseId}` path parameter (the stream "case-<caseId>"), except for case.opened where it is
// the body's "caseId".
//
// Views, proofs, the feed and operations are the other routes (kind != kCommand); their query
// parameters and answers are described in api/openapi_base.json.
//
// Thread-safety: constant data.
#pragma once

#include <array>
#include <span>
#include <string_view>
#include <utility>

namespace kasane::api {

enum class RouteKind { kCommand, kAdminCommand, kView, kProof, kFeed, kOps };

struct PathParam {
  std::string_view name;   // as in the path template, e.g. "consentId"
  std::string_view field;  // the payload field it fills, e.g. "consent"; empty for {caseId}
};

struct RouteSpec {
  std::string_view method;        // "GET" or "POST"
  std::string_view path;          // OpenAPI path template, e.g. "/v1/cases/{caseId}/consents"
  std::string_view operation_id;  // OpenAPI operationId
  RouteKind kind;
  std::string_view event_type;  // commands: the domain event type recorded
  std::string_view summary;     // one line, English with the Japanese term
  std::array<PathParam, 2> params{};
};

// Every route, commands first, in the order the OpenAPI document lists them.
std::span<const RouteSpec> Routes();

// The route of a command recording `event_type`; nullptr when no route records it.
const RouteSpec* CommandRouteFor(std::string_view event_type);

}  // namespace kasane::api

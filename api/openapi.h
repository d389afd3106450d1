// The OpenAPI 3.1 document of the HTTP API, served at GET /v1/openapi.json and committed as
// api/openapi.json (regenerate with `kasane openapi --out api/openapi.json`; a test compares).
//
// Built from two sources so that neither can drift from the code:
//   - api/openapi_base.json (hand-written, embedded at build time): info, servers, security,
//     components (Problem, CommandAccepted, the views' answers, proofs, feed items, shared
//     parameters, headers and responses) and the path items of every route that is not a
//     command (views, proofs, the feed, operations) with their query parameters and answers;
//   - the route table (api/routes.h) and the payload schemas (api/payload_json.h): one POST
//     operation per command route, its body = PayloadSchema(event type) plus the optional
//     envelope fields "eventId" and "occurredAt"; a payload field filled by a path parameter is
//     not required in the body.
// operationId, summary and tag of every operation come from the route table.
//
// Thread-safety: a stateless function.
#pragma once

#include <nlohmann/json.hpp>

namespace kasane::api {

// The whole document. Deterministic: equal builds give equal documents.
nlohmann::json OpenApiDocument();

}  // namespace kasane::api

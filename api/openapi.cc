#include "api/openapi.h"

#include <string>
#include <string_view>

#include "api/payload_json.h"
#include "api/routes.h"

namespace kasane::api {
namespace {

using nlohmann::json;

// kOpenApiBase: the text of api/openapi_base.json, generated into the build tree by
// tests/api/openapi.cmake (regenerated whenever the JSON changes).
#include "api/openapi_base.inc"

json Ref(std::string_view kind, std::string_view name) {
  return {{"$ref", "#/components/" + std::string(kind) + "/" + std::string(name)}};
}

std::string_view TagOf(RouteKind kind) {
  switch (kind) {
    case RouteKind::kAdminCommand:
      return "administration";
    case RouteKind::kCommand:
      return "cases";
    case RouteKind::kView:
      return "views";
    case RouteKind::kProof:
      return "proofs";
    case RouteKind::kFeed:
      return "feed";
    case RouteKind::kOps:
      return "operations";
  }
  return "operations";
}

bool IsCommand(const RouteSpec& r) {
  return r.kind == RouteKind::kCommand || r.kind == RouteKind::kAdminCommand;
}

std::string Lower(std::string_view method) {
  std::string out(method);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// The request body schema of a command: the payload's schema, the envelope fields, and the
// fields its path parameters fill made optional.
json CommandBodySchema(const RouteSpec& r) {
  json schema = PayloadSchema(r.event_type);
  schema["description"] = "The payload of " + std::string(r.event_type) +
                          " (docs/events.md) by its schema names, plus the optional envelope "
                          "fields eventId and occurredAt.";
  schema["properties"]["eventId"] = {
      {"type", "string"},
      {"pattern", "^[0-9a-fA-F]{32}$"},
      {"description",
       "The client's event id (32 hex digits), its idempotency key; default: derived from "
       "Idempotency-Key, else random"}};
  schema["properties"]["occurredAt"] = {
      {"type", "integer"},
      {"format", "int64"},
      {"description", "When it happened (business time), Unix nanoseconds; default: now"}};
  if (schema.contains("required")) {
    json required = json::array();
    for (const json& name : schema["required"]) {
      bool filled = false;
      for (const PathParam& p : r.params) filled = filled || (!p.field.empty() && p.field == name);
      if (!filled) required.push_back(name);
    }
    if (required.empty()) {
      schema.erase("required");
    } else {
      schema["required"] = std::move(required);
    }
  }
  return schema;
}

json CommandOperation(const RouteSpec& r) {
  json params = json::array();
  bool has_path_params = false;
  for (const PathParam& p : r.params) {
    if (p.name.empty()) continue;
    has_path_params = true;
    if (p.field.empty()) {
      params.push_back(Ref("parameters", p.name));
      continue;
    }
    params.push_back({{"name", std::string(p.name)},
                      {"in", "path"},
                      {"required", true},
                      {"description", "Fills the body field \"" + std::string(p.field) +
                                          "\"; a body carrying another value is refused (422)"},
                      {"schema", {{"type", "string"}, {"pattern", "^[A-Za-z0-9._-]{1,64}$"}}}});
  }
  params.push_back(Ref("parameters", "Idempotency-Key"));
  if (r.kind == RouteKind::kCommand && r.event_type != "case.opened") {
    params.push_back(Ref("parameters", "If-Match"));
  }
  json responses = {
      {"201", Ref("responses", "CommandAccepted")},
      {"200", Ref("responses", "CommandReplayed")},
      {"400", Ref("responses", "BadRequest")},
      {"401", Ref("responses", "Unauthorized")},
      {"429", Ref("responses", "TooManyRequests")},
      {"403", Ref("responses", "Forbidden")},
      {"409", Ref("responses", "Conflict")},
      {"412", Ref("responses", "PreconditionFailed")},
      {"413", Ref("responses", "PayloadTooLarge")},
      {"415", Ref("responses", "UnsupportedMediaType")},
      {"422", Ref("responses", "Unprocessable")},
      {"503", Ref("responses", "Unavailable")},
  };
  if (has_path_params) responses["404"] = Ref("responses", "NotFound");
  return {
      {"operationId", std::string(r.operation_id)},
      {"summary", std::string(r.summary)},
      {"description", "Records " + std::string(r.event_type) + "."},
      {"tags", json::array({std::string(TagOf(r.kind))})},
      {"parameters", std::move(params)},
      {"requestBody",
       {{"required", true},
        {"content", {{"application/json", {{"schema", CommandBodySchema(r)}}}}}}},
      {"responses", std::move(responses)},
  };
}

}  // namespace

json OpenApiDocument() {
  json doc = json::parse(kOpenApiBase);
  json& paths = doc["paths"];
  for (const RouteSpec& r : Routes()) {
    const std::string path(r.path);
    const std::string method = Lower(r.method);
    if (IsCommand(r)) {
      paths[path][method] = CommandOperation(r);
      continue;
    }
    // A view, proof, feed or operations route: its answers are in the base document; a route
    // missing there stays missing, and the route test reports it.
    if (!paths.contains(path) || !paths[path].contains(method)) continue;
    json& op = paths[path][method];
    op["operationId"] = std::string(r.operation_id);
    op["summary"] = std::string(r.summary);
    op["tags"] = json::array({std::string(TagOf(r.kind))});
  }
  return doc;
}

}  // namespace kasane::api

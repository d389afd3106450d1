// The OpenAPI document against the committed api/openapi.json and the route table.
#include "api/openapi.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "api/routes.h"

namespace kasane::api {
namespace {

using nlohmann::json;

constexpr char kRegenerate[] =
    "regenerate it: ninja -C <build> kasane && <build>/tools/kasane openapi --out "
    "api/openapi.json";

const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                        "options", "head", "patch", "trace"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

TEST(OpenApiDocument, EqualsTheCommittedDocument) {
  std::ifstream in(std::string(KASANE_SOURCE_DIR) + "/api/openapi.json");
  ASSERT_TRUE(in.good()) << "api/openapi.json is missing; " << kRegenerate;
  std::stringstream text;
  text << in.rdbuf();
  const json committed = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(committed.is_discarded()) << "api/openapi.json is not JSON; " << kRegenerate;
  const json doc = OpenApiDocument();
  EXPECT_TRUE(doc == committed) << "api/openapi.json is stale (routes, payloads or "
                                   "api/openapi_base.json changed); "
                                << kRegenerate;
  // The committed text is exactly what `kasane openapi` writes.
  EXPECT_EQ(text.str(), doc.dump(2) + "\n") << kRegenerate;
}

TEST(OpenApiDocument, HasExactlyTheRoutesOfTheTable) {
  const json doc = OpenApiDocument();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::pair<std::string, std::string>> in_doc;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (kMethods.contains(method)) in_doc.emplace(method, path);
    }
  }
  std::set<std::pair<std::string, std::string>> in_table;
  for (const RouteSpec& r : Routes()) in_table.emplace(Lower(r.method), std::string(r.path));
  EXPECT_EQ(in_doc, in_table);
}

TEST(OpenApiDocument, OperationIdsAreUniqueAndFromTheTable) {
  const json doc = OpenApiDocument();
  std::set<std::string> ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (!kMethods.contains(method)) continue;
      ASSERT_TRUE(op.contains("operationId")) << method << " " << path;
      EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second)
          << "duplicate operationId " << op["operationId"];
    }
  }
  for (const RouteSpec& r : Routes()) {
    EXPECT_EQ(doc["paths"][std::string(r.path)][Lower(r.method)]["operationId"],
              std::string(r.operation_id));
  }
}

void CollectRefs(const json& j, std::set<std::string>& refs) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (key == "$ref" && value.is_string()) refs.insert(value.get<std::string>());
      CollectRefs(value, refs);
    }
  } else if (j.is_array()) {
    for (const json& e : j) CollectRefs(e, refs);
  }
}

TEST(OpenApiDocument, EveryRefResolves) {
  const json doc = OpenApiDocument();
  std::set<std::string> refs;
  CollectRefs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << "unresolved " << ref;
  }
}

TEST(OpenApiDocument, CommandBodiesAreThePayloadSchemasWithTheEnvelope) {
  const json doc = OpenApiDocument();
  const json& body = doc["paths"]["/v1/cases/{caseId}/consents/{consentId}/withdrawal"]["post"]
                        ["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_EQ(body["additionalProperties"], false);
  EXPECT_TRUE(body["properties"].contains("eventId"));
  EXPECT_TRUE(body["properties"].contains("occurredAt"));
  EXPECT_TRUE(body["properties"].contains("consent"));
  // The path fills "consent"; "subject" stays required.
  const json required = body["required"];
  EXPECT_EQ(std::find(required.begin(), required.end(), "consent"), required.end());
  EXPECT_NE(std::find(required.begin(), required.end(), "subject"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "eventId"), required.end());
}

}  // namespace
}  // namespace kasane::api

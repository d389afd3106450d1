// PayloadFromJson against PayloadJson (the strict inverse) for every event type, its refusals
// with their JSON Pointers, and PayloadSchema against what PayloadFromJson accepts.
#include "api/payload_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "projections/event_json.h"
#include "tests/domain/payload_samples.h"

namespace kasane::api {
namespace {

using nlohmann::json;
namespace internal = domain::internal;

// The samples name ids after their paths ("recipients[0]-12"); brackets are not id characters
// (domain::ValidateId), so they become dots here.
class IdSanitizer {
 public:
  template <typename T>
  void Field(std::string_view, T& v) {
    Fix(v);
  }
  template <typename T>
  void Subject(std::string_view, T& v) {
    Fix(v);
  }
  template <typename T>
  void Personal(std::string_view, T& v) {
    Fix(v);
  }

 private:
  template <typename T>
  void Fix(T& v) {
    if constexpr (domain::kIsId<T>) {
      for (char& c : v.value) {
        if (c == '[' || c == ']') c = '.';
      }
    } else if constexpr (internal::kIsOptional<T>) {
      if (v) Fix(*v);
    } else if constexpr (internal::kIsVector<T>) {
      for (auto& e : v) Fix(e);
    } else if constexpr (internal::Describable<T>) {
      T::Describe(v, *this);
    }
  }
};

std::vector<domain::testing::MarkedSample> Samples(std::string_view tag) {
  std::vector<domain::testing::MarkedSample> samples = domain::testing::MarkedSamples(tag);
  for (domain::testing::MarkedSample& s : samples) {
    std::visit(
        [](auto& p) {
          IdSanitizer fix;
          std::remove_cvref_t<decltype(p)>::Describe(p, fix);
        },
        s.payload);
  }
  return samples;
}

json SampleJson(std::string_view type) {
  for (const domain::testing::MarkedSample& s : Samples("json")) {
    if (domain::TypeOf(s.payload) == type) return projections::PayloadJson(s.payload, true);
  }
  ADD_FAILURE() << "no sample of " << type;
  return json::object();
}

// The error of PayloadFromJson, which must be kInvalidArgument.
std::string ErrorOf(std::string_view type, const json& fields) {
  Result<domain::Payload> r = PayloadFromJson(type, fields);
  EXPECT_FALSE(r.ok()) << fields.dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(PayloadFromJson, RoundTripsEveryEventType) {
  std::set<std::string_view> seen;
  for (const domain::testing::MarkedSample& s : Samples("roundtrip")) {
    const std::string_view type = domain::TypeOf(s.payload);
    seen.insert(type);
    const json fields = projections::PayloadJson(s.payload, true);
    Result<domain::Payload> back = PayloadFromJson(type, fields);
    ASSERT_TRUE(back.ok()) << type << ": " << back.status().ToString();
    EXPECT_EQ(*back, s.payload) << type;
    // Through text too, as the server receives it.
    Result<domain::Payload> parsed = PayloadFromJson(type, json::parse(fields.dump()));
    ASSERT_TRUE(parsed.ok()) << type << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, s.payload) << type;
  }
  EXPECT_EQ(seen.size(), domain::AllEventTypes().size());
}

TEST(PayloadFromJson, AbsentOrNullOptionalsAreEmpty) {
  domain::ConsentRecorded c;
  c.consent = domain::ConsentId("k1");
  c.subject = domain::PersonId("p1");
  c.kinds = domain::KindSet::Of({domain::InformationKind::kHealth});
  c.valid_from = 5;
  json j = projections::PayloadJson(c, true);
  EXPECT_TRUE(j["validUntil"].is_null());
  Result<domain::Payload> back = PayloadFromJson("consent.recorded", j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, domain::Payload(c));

  json minimal = {{"consent", "k1"},   {"subject", "p1"},      {"grantor", "self"},
                  {"form", "written"}, {"decision", "permit"}, {"kinds", {"health"}},
                  {"validFrom", 5}};
  back = PayloadFromJson("consent.recorded", minimal);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, domain::Payload(c));
}

TEST(PayloadFromJson, RefusesAnUnknownField) {
  json j = SampleJson("case.opened");
  j["members"][1]["nickname"] = "x";
  const std::string m = ErrorOf("case.opened", j);
  EXPECT_EQ(m.rfind("/members/1/nickname: unknown field", 0), 0u) << m;

  j = SampleJson("referral.accepted");
  j["a/b~c"] = 1;
  EXPECT_EQ(ErrorOf("referral.accepted", j).rfind("/a~1b~0c: unknown field", 0), 0u);
}

TEST(PayloadFromJson, RefusesWrongTypesAtNestedPaths) {
  json j = SampleJson("case.opened");
  j["members"][0]["profile"]["fullName"] = 42;
  EXPECT_EQ(ErrorOf("case.opened", j),
            "/members/0/profile/fullName: expected a string, got number");

  j = SampleJson("plan.drafted");
  j["body"]["roles"][1]["tasks"] = "not a list";
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/body/roles/1/tasks: expected an array, got string");

  j = SampleJson("plan.drafted");
  j["body"]["monitoringDue"] = 1.5;
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/body/monitoringDue: expected an integer, got number");

  j = SampleJson("plan.drafted");
  j["version"] = "3";
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/version: expected an integer, got string");

  j = SampleJson("plan.drafted");
  j["version"] = -1;
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/version: out of range (at least 0)");

  j = SampleJson("plan.drafted");
  j["version"] = 4294967296u;
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/version: out of range (at most 4294967295)");

  j = SampleJson("meeting.concluded");
  j["urgentCase"] = 1;
  EXPECT_EQ(ErrorOf("meeting.concluded", j), "/urgentCase: expected a boolean, got number");

  j = SampleJson("disclosure.made");
  j["basis"] = nullptr;  // required, not optional
  EXPECT_EQ(ErrorOf("disclosure.made", j), "/basis: expected an object, got null");
}

TEST(PayloadFromJson, RefusesAnUnknownEnumIdentifier) {
  json j = SampleJson("case.opened");
  j["members"][0]["relation"] = "cousin";
  const std::string m = ErrorOf("case.opened", j);
  EXPECT_EQ(
      m.rfind("/members/0/relation: \"cousin\" is not a valid relation (one of: self, spouse", 0),
      0u)
      << m;

  j = SampleJson("assessment.recorded");
  j["kinds"] = {"health", "gossip"};
  EXPECT_EQ(ErrorOf("assessment.recorded", j).rfind("/kinds/1: \"gossip\" is not a valid kind", 0),
            0u);

  j = SampleJson("assessment.recorded");
  j["kinds"] = {"health", "health"};
  EXPECT_EQ(ErrorOf("assessment.recorded", j), "/kinds/1: duplicate kind");
}

TEST(PayloadFromJson, NeverEchoesFreeText) {
  json j = SampleJson("case.opened");
  j["members"][0]["relation"] = "山田 太郎";
  const std::string m = ErrorOf("case.opened", j);
  EXPECT_EQ(m.find("山田"), std::string::npos) << m;
  EXPECT_EQ(m.rfind("/members/0/relation: the value is not a valid relation", 0), 0u) << m;

  j = SampleJson("case.opened");
  j["mainPerson"] = "山田 太郎";
  const std::string id = ErrorOf("case.opened", j);
  EXPECT_EQ(id.find("山田"), std::string::npos) << id;
  EXPECT_EQ(id.rfind("/mainPerson: person id may contain only", 0), 0u) << id;
}

TEST(PayloadFromJson, RefusesBadEventIdHex) {
  json j = SampleJson("correction.recorded");
  j["corrects"] = "xyz";
  EXPECT_EQ(ErrorOf("correction.recorded", j), "/corrects: event id must be 32 hex digits");
  j["corrects"] = std::string(31, 'a') + "g";
  EXPECT_EQ(ErrorOf("correction.recorded", j), "/corrects: event id must be 32 hex digits");
  j["corrects"] = std::string(32, 'A');
  EXPECT_TRUE(PayloadFromJson("correction.recorded", j).ok());
}

TEST(PayloadFromJson, RefusesBadIds) {
  json j = SampleJson("referral.accepted");
  j["referral"] = "";
  EXPECT_EQ(ErrorOf("referral.accepted", j), "/referral: referral id must be 1..64 characters");
}

TEST(PayloadFromJson, RefusesAMissingRequiredField) {
  json j = SampleJson("case.opened");
  j["members"][1].erase("person");
  EXPECT_EQ(ErrorOf("case.opened", j), "/members/1/person: required field is missing");

  j = SampleJson("plan.drafted");
  j.erase("body");
  EXPECT_EQ(ErrorOf("plan.drafted", j), "/body: required field is missing");
}

TEST(PayloadFromJson, RefusesAnUnknownType) {
  EXPECT_EQ(ErrorOf("case.reopened", json::object()), "unknown event type \"case.reopened\"");
  EXPECT_EQ(ErrorOf("ケース", json::object()), "unknown event type");
}

TEST(PayloadFromJson, RefusesANonObject) {
  EXPECT_EQ(ErrorOf("referral.accepted", json::array()),
            "the payload must be a JSON object, got array");
  EXPECT_EQ(ErrorOf("referral.accepted", "r1"), "the payload must be a JSON object, got string");
}

TEST(PayloadSchema, IsAClosedObjectSchemaForEveryType) {
  for (std::string_view type : domain::AllEventTypes()) {
    const json s = PayloadSchema(type);
    ASSERT_TRUE(s.is_object()) << type;
    EXPECT_EQ(s["type"], "object") << type;
    EXPECT_EQ(s["additionalProperties"], false) << type;
    EXPECT_TRUE(s["properties"].is_object()) << type;
  }
  EXPECT_TRUE(PayloadSchema("case.reopened").is_null());
}

// Every object the sample's JSON holds has only listed properties and every required one.
void ExpectConforms(const json& schema, const json& value, const std::string& where) {
  if (!value.is_object() && !value.is_array()) return;
  if (value.is_array()) {
    ASSERT_TRUE(schema.contains("items")) << where;
    for (size_t i = 0; i < value.size(); ++i) {
      ExpectConforms(schema["items"], value[i], where + "/" + std::to_string(i));
    }
    return;
  }
  ASSERT_TRUE(schema.contains("properties")) << where;
  EXPECT_EQ(schema["additionalProperties"], false) << where;
  for (const auto& [key, v] : value.items()) {
    ASSERT_TRUE(schema["properties"].contains(key)) << where << "/" << key;
    ExpectConforms(schema["properties"][key], v, where + "/" + key);
  }
  for (const json& r : schema.value("required", json::array())) {
    EXPECT_TRUE(value.contains(r.get<std::string>())) << where << "/" << r;
  }
}

TEST(PayloadSchema, DescribesEverySample) {
  for (const domain::testing::MarkedSample& s : Samples("schema")) {
    const std::string type(domain::TypeOf(s.payload));
    ExpectConforms(PayloadSchema(type), projections::PayloadJson(s.payload, true), type);
  }
}

TEST(PayloadSchema, MarksPersonalFieldsAndNullableOptionals) {
  const json s = PayloadSchema("case.opened");
  EXPECT_EQ(s["properties"]["summary"]["x-personal"], true);
  EXPECT_EQ(s["properties"]["members"]["items"]["properties"]["profile"]["x-personal"], true);
  EXPECT_FALSE(s["properties"]["caseId"].contains("x-personal"));
  EXPECT_EQ(s["properties"]["members"]["items"]["properties"]["relation"]["enum"][0], "self");

  const json c = PayloadSchema("consent.recorded");
  EXPECT_EQ(c["properties"]["validUntil"]["type"], json::array({"integer", "null"}));
  EXPECT_EQ(c["properties"]["proxyRelation"]["enum"].back(), nullptr);
  EXPECT_EQ(c["properties"]["proxyName"]["x-personal"], true);
  const json required = c["required"];
  EXPECT_NE(std::find(required.begin(), required.end(), "consent"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "validUntil"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "proxyName"), required.end());
}

}  // namespace
}  // namespace kasane::api

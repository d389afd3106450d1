// ApiServer::Call serves a request in process as a named principal through the same router,
// command service, scope policy and access records as HTTP: the same answers as over loopback,
// the same records, the same refusals; the feed is HTTP only; `decide_at` decides a command as
// of a past time (kasane import).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/server.h"
#include "projections/event_codec.h"
#include "tests/api/api_fixture.h"
#include "tests/domain/worked_examples.h"

namespace kasane::api {
namespace {

using nlohmann::json;
using testing::ApiWorld;
using testing::Reply;

class LocalCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(a.server, nullptr);
    domain::testing::Build8050Household(a.w);
    a.Bootstrap();
    last = a.ReplayStory();
  }
  LocalResponse As(const std::string& staff, const std::string& method, const std::string& target,
                   const std::string& body = "") {
    LocalRequest r;
    r.principal = a.w.PrincipalOf(staff);
    r.method = method;
    r.target = target;
    r.body = body;
    return a.server->Call(r);
  }
  ApiWorld a;
  uint64_t last = 0;
};

TEST_F(LocalCallTest, AViewIsTheSameAsOverHttpAndIsRecordedTheSameWay) {
  const std::string target = "/v1/cases/c-1/timeline?min_position=" + std::to_string(last);
  const uint64_t before = a.server->log().Size();
  Reply http = a.Get("st-cm", target);
  ASSERT_EQ(http.status, 200) << http.body;
  EXPECT_EQ(a.server->log().Size(), before + 1);  // the access record
  LocalResponse local = As("st-cm", "GET", target);
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_EQ(local.content_type.rfind("application/json", 0), 0u) << local.content_type;
  ASSERT_FALSE(http.Json()["entries"].empty()) << http.body;
  EXPECT_EQ(json::parse(local.body)["entries"], http.Json()["entries"]);
  EXPECT_EQ(a.server->log().Size(), before + 2);
  auto records =
      a.server->log().ReadStream("access-ag-kyotaku", 0, eventstore::Direction::kForward, 10);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  // The HTTP read is the staff member's own (channel ""); the in-process one names its channel.
  std::vector<std::string> channels;
  for (const auto& r : *records) {
    auto decoded = projections::DecodeWithoutContent(r);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    channels.push_back(std::get<domain::AccessRecorded>(decoded->event.payload).channel);
  }
  EXPECT_EQ(channels, (std::vector<std::string>{"", "in-process"}));
  // Another staff member sees another scope, in process as over HTTP.
  const json helper = json::parse(As("st-helper", "GET", target).body)["entries"];
  EXPECT_EQ(helper, a.Get("st-helper", target).Json()["entries"]);
  EXPECT_NE(helper, http.Json()["entries"]);
}

TEST_F(LocalCallTest, CommandsRetriesAndRefusalsAnswerAsOverHttp) {
  // The story's case.opened with another case id.
  json opened = ApiWorld::BodyFor(a.w.log.front());
  opened["caseId"] = "c-2";
  opened["eventId"] = "0123456789abcdef0123456789abcdef";
  opened.erase("occurredAt");
  const std::string intake = a.w.log.front().actor.staff.value;
  LocalResponse first = As(intake, "POST", "/v1/cases", opened.dump());
  ASSERT_EQ(first.status, 201) << first.body;
  LocalResponse again = As(intake, "POST", "/v1/cases", opened.dump());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(json::parse(again.body)["replayed"].get<bool>());
  EXPECT_EQ(json::parse(again.body)["position"], json::parse(first.body)["position"]);
  // A caller with no relation to the case: 404, as over HTTP.
  LocalResponse unrelated = As("st-tax", "GET", "/v1/cases/c-2");
  EXPECT_EQ(unrelated.status, 404) << unrelated.body;
  EXPECT_EQ(unrelated.content_type, "application/problem+json");
  // Unknown route, wrong method, the feed.
  EXPECT_EQ(As(intake, "GET", "/v1/nothing").status, 404);
  EXPECT_EQ(As(intake, "DELETE", "/v1/cases/c-2").status, 405);
  EXPECT_EQ(As("st-audit", "GET", "/v1/feed?after=0").status, 501);
  // Malformed JSON changes nothing.
  const uint64_t size = a.server->log().Size();
  EXPECT_EQ(As(intake, "POST", "/v1/cases", "{").status, 400);
  EXPECT_EQ(a.server->log().Size(), size);
}

TEST_F(LocalCallTest, DecideAtDecidesAsOfThatTime) {
  // A command that happens tomorrow is refused today, and accepted when decided tomorrow.
  json opened = ApiWorld::BodyFor(a.w.log.front());
  opened["caseId"] = "c-3";
  opened["eventId"] = "00000000000000000000000000000c03";
  const UnixNanos tomorrow = a.clock().Now() + domain::testing::kDay;
  opened["occurredAt"] = tomorrow;
  LocalRequest r;
  r.principal = a.w.PrincipalOf(a.w.log.front().actor.staff.value);
  r.method = "POST";
  r.target = "/v1/cases";
  r.body = opened.dump();
  LocalResponse today = a.server->Call(r);
  EXPECT_EQ(today.status, 422) << today.body;
  r.decide_at = tomorrow;
  LocalResponse then = a.server->Call(r);
  EXPECT_EQ(then.status, 201) << then.body;
}

TEST_F(LocalCallTest, ADeactivatedStaffMembersReadsAreRefusedAndOldCommandsReplay) {
  // The care manager's first command of the story, then her deactivation.
  const domain::DomainEvent& first = a.w.log.front();
  ASSERT_EQ(first.actor.staff.value, "st-cm");
  ASSERT_EQ(a.Post("st-sec", "/v1/staff/st-cm/deactivation", json::object()).status, 201);
  EXPECT_EQ(As("st-cm", "GET", "/v1/cases/c-1").status, 401);
  // Running her recorded command again (kasane import of a history) answers its original
  // result; a new command of hers is refused by the domain's actor rule, and recorded.
  LocalResponse again =
      As("st-cm", "POST", ApiWorld::PathFor(first, "c-1"), ApiWorld::BodyFor(first).dump());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(json::parse(again.body)["replayed"].get<bool>());
  json fresh = ApiWorld::BodyFor(first);
  fresh["caseId"] = "c-after";
  fresh["eventId"] = "000000000000000000000000000af7e2";
  fresh.erase("occurredAt");
  const uint64_t before = a.server->log().Size();
  LocalResponse refused = As("st-cm", "POST", "/v1/cases", fresh.dump());
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(json::parse(refused.body).value("rule", ""), "actor") << refused.body;
  EXPECT_EQ(a.server->log().Size(), before + 1) << "the refusal is recorded";
}

}  // namespace
}  // namespace kasane::api

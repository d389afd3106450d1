// The case view and the case timeline on the three worked examples of DOMAIN.md, written to a
// real log and projected by the engine: what the people working each case would read, and the
// same views `as_of` moments inside the story.
#include <gtest/gtest.h>

#include "projections/case_view.h"
#include "projections/timeline.h"
#include "tests/domain/worked_examples.h"
#include "tests/projections/fixture.h"

namespace kasane::projections {
namespace {

using domain::testing::Build8050Household;
using domain::testing::BuildFourPersonHousehold;
using domain::testing::BuildSupportMeetingTaxRefusal;
using nlohmann::json;
using testing::LogWorld;

struct Projected {
  json view;
  std::vector<json> timeline;
};

Projected Project(LogWorld& lw, ProjectionEngine& engine) {
  EXPECT_TRUE(engine.CatchUp().ok());
  Projected p;
  auto view = ReadCaseView(*engine.Reader(kCaseViewName), domain::CaseId("c-1"));
  EXPECT_TRUE(view.ok() && view->has_value());
  if (view.ok() && view->has_value()) p.view = **view;
  TimelineQuery q;
  q.case_id = domain::CaseId("c-1");
  auto tl = ReadTimeline(*engine.Reader(kTimelineName), q);
  EXPECT_TRUE(tl.ok());
  if (tl.ok()) p.timeline = *tl;
  EXPECT_EQ(p.timeline.size(), lw.w.log.size());
  return p;
}

// The timeline entry of the event with this id.
const json* EntryOf(const std::vector<json>& tl, const domain::EventId& id) {
  for (const json& e : tl) {
    if (e["eventId"] == id.ToHex()) return &e;
  }
  return nullptr;
}

std::vector<std::string> Column(const json& array, const char* field) {
  std::vector<std::string> out;
  for (const json& e : array) out.push_back(e[field].get<std::string>());
  return out;
}

TEST(CaseViewsTest, The8050Household) {
  LogWorld lw;
  const auto story = Build8050Household(lw.w);
  lw.Sync();
  auto engine = lw.OpenEngine();
  const Projected p = Project(lw, *engine);
  const json& v = p.view;

  EXPECT_EQ(v["status"], "terminated");
  EXPECT_EQ(v["version"], lw.w.log.size());
  EXPECT_EQ(v["leadAgency"], "ag-takikan");
  EXPECT_EQ(v["mainPerson"], "p-father");
  EXPECT_EQ(Column(v["household"], "person"), (std::vector<std::string>{"p-father", "p-son"}));
  EXPECT_EQ(Column(v["household"], "relation"), (std::vector<std::string>{"self", "child"}));
  EXPECT_EQ(Column(v["consents"], "consent"), (std::vector<std::string>{"cn-father", "cn-son"}));
  EXPECT_EQ(v["consents"][1]["purposes"], json::array({"participation_support"}));
  ASSERT_EQ(v["referrals"].size(), 1u);
  EXPECT_EQ(v["referrals"][0]["status"], "accepted");
  EXPECT_EQ(v["referrals"][0]["moment"], "referral_to_coordination");
  EXPECT_EQ(v["openReferrals"], 0);
  const json& plan = v["plan"];
  EXPECT_EQ(plan["status"], "terminated");
  EXPECT_EQ(plan["approvedVersion"], 1);
  EXPECT_EQ(plan["monitorings"], 1);
  EXPECT_EQ(plan["evaluations"], 1);
  EXPECT_EQ(plan["accompanyingAgency"], "ag-kyotaku");
  EXPECT_EQ(plan["roleAgencies"].size(), 5u);
  EXPECT_EQ(Column(v["meetings"], "meeting"), (std::vector<std::string>{"m-end", "m-plan"}));
  for (const json& m : v["meetings"]) {
    EXPECT_EQ(m["concluded"], true);
    EXPECT_EQ(m["kind"], "multi_layered_support_meeting");
  }
  EXPECT_EQ(v["counts"]["outreachActivities"], 3);
  EXPECT_EQ(v["counts"]["participationRecords"], 2);
  EXPECT_EQ(v["counts"]["disclosures"], 3);
  EXPECT_EQ(v["counts"]["refusals"], 1);

  // The timeline: every event in order, with actor and basis.
  for (size_t i = 0; i < p.timeline.size(); ++i) {
    EXPECT_EQ(p.timeline[i]["seq"], i + 1);
    EXPECT_EQ(p.timeline[i]["type"], domain::TypeOf(lw.w.log[i].payload));
  }
  const json* discharge = EntryOf(p.timeline, story.discharge.id);
  ASSERT_NE(discharge, nullptr);
  EXPECT_EQ((*discharge)["actor"]["staff"], "st-msw");
  EXPECT_EQ((*discharge)["basis"]["kind"], "consent");
  EXPECT_EQ((*discharge)["basis"]["consent"], "cn-father");
  EXPECT_EQ((*discharge)["basis"]["meeting"], "m-plan");
  EXPECT_EQ((*discharge)["kinds"], json::array({"health"}));
  EXPECT_EQ((*discharge)["subject"], "p-father");
  const json* refused = EntryOf(p.timeline, story.refused_notes.id);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ((*refused)["type"], "disclosure.refused");
  EXPECT_EQ((*refused)["basis"]["rule"], "consent_scope");
  const json* approved = EntryOf(p.timeline, story.approved.id);
  ASSERT_NE(approved, nullptr);
  EXPECT_EQ((*approved)["basis"]["meeting"], "m-plan");

  // As the record stood just after the approval: supporting, plan v1 approved, not terminated.
  const uint64_t after_approval = (*approved)["position"].get<uint64_t>() + 1;
  auto then = CaseViewAsOf(*lw.log, domain::CaseId("c-1"), AsOf{after_approval, std::nullopt});
  ASSERT_TRUE(then.ok() && then->has_value());
  EXPECT_EQ((**then)["status"], "supporting");
  EXPECT_EQ((**then)["plan"]["status"], "approved");
  EXPECT_EQ((**then)["plan"]["accompanyingAgency"], nullptr);
  EXPECT_EQ((**then)["counts"]["outreachActivities"], 1);
  TimelineQuery q;
  q.case_id = domain::CaseId("c-1");
  q.as_of = AsOf{after_approval, std::nullopt};
  auto tl_then = ReadTimeline(*engine->Reader(kTimelineName), q);
  ASSERT_TRUE(tl_then.ok());
  EXPECT_EQ(tl_then->size(), after_approval);
  EXPECT_EQ(tl_then->back()["eventId"], story.approved.id.ToHex());
  // The same moment named by time: the approval's recorded time.
  auto by_time = CaseViewAsOf(*lw.log, domain::CaseId("c-1"),
                              AsOf{std::nullopt, (*approved)["recordedAt"].get<UnixNanos>()});
  ASSERT_TRUE(by_time.ok() && by_time->has_value());
  EXPECT_EQ(**by_time, **then);
}

TEST(CaseViewsTest, TheFourPersonHousehold) {
  LogWorld lw;
  const auto story = BuildFourPersonHousehold(lw.w);
  lw.Sync();
  auto engine = lw.OpenEngine();
  const Projected p = Project(lw, *engine);
  const json& v = p.view;
  EXPECT_EQ(v["status"], "supporting");
  EXPECT_EQ(v["mainPerson"], "p-daughter");
  EXPECT_EQ(v["household"].size(), 4u);
  EXPECT_EQ(v["consents"].size(), 4u);
  EXPECT_EQ(v["plan"]["version"], 2);
  EXPECT_EQ(v["plan"]["approvedVersion"], 2);
  EXPECT_EQ(v["plan"]["status"], "approved");
  EXPECT_EQ(v["counts"]["refusals"], 2);
  const json* revised = EntryOf(p.timeline, story.revised.id);
  ASSERT_NE(revised, nullptr);
  EXPECT_EQ((*revised)["type"], "plan.revised");
  EXPECT_EQ((*revised)["basis"]["meeting"], "m-change");
  // Just before the revision, version 1 was the approved one.
  auto before = CaseViewAsOf(*lw.log, domain::CaseId("c-1"),
                             AsOf{(*revised)["position"].get<uint64_t>(), std::nullopt});
  ASSERT_TRUE(before.ok() && before->has_value());
  EXPECT_EQ((**before)["plan"]["approvedVersion"], 1);
}

TEST(CaseViewsTest, TheSupportMeetingCaseWithTheRefusedTaxDisclosure) {
  LogWorld lw;
  const auto story = BuildSupportMeetingTaxRefusal(lw.w);
  lw.Sync();
  auto engine = lw.OpenEngine();
  const Projected p = Project(lw, *engine);
  const json& v = p.view;
  ASSERT_EQ(v["meetings"].size(), 1u);
  const json& m = v["meetings"][0];
  EXPECT_EQ(m["meeting"], "m-1");
  EXPECT_EQ(m["kind"], "support_meeting");
  EXPECT_EQ(m["concluded"], true);
  EXPECT_EQ(m["members"].size(), story.members.size() + 1);  // the hospital worker joined late
  for (const json& member : m["members"]) EXPECT_EQ(member["acknowledged"], true);
  EXPECT_EQ(v["consents"].size(), 0u);
  EXPECT_EQ(v["counts"]["refusals"], 1);
  const json* refusal = EntryOf(p.timeline, story.refusal.id);
  ASSERT_NE(refusal, nullptr);
  EXPECT_EQ((*refusal)["type"], "disclosure.refused");
  EXPECT_EQ((*refusal)["basis"]["rule"], "tax_consent");
  EXPECT_EQ((*refusal)["basis"]["kind"], "support_meeting");
  // A refusal carries no content, so no kinds of content (the attempted kinds are in its payload).
  EXPECT_EQ((*refusal)["kinds"], json::array());
  const json* minsei = EntryOf(p.timeline, story.minsei.id);
  ASSERT_NE(minsei, nullptr);
  EXPECT_EQ((*minsei)["basis"]["kind"], "support_meeting");
  EXPECT_EQ((*minsei)["basis"]["meeting"], "m-1");
  EXPECT_FALSE(minsei->contains("payload"));  // read from the log, never copied here
}

}  // namespace
}  // namespace kasane::projections

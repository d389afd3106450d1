// The consent, disclosure and access registers and the monitoring-due list, on the worked
// examples of DOMAIN.md (tests/domain/worked_examples.h) written to a real log.
#include <gtest/gtest.h>

#include "domain/decide.h"
#include "projections/access_register.h"
#include "projections/consent_register.h"
#include "projections/disclosure_register.h"
#include "projections/monitoring_due.h"
#include "tests/domain/worked_examples.h"
#include "tests/projections/views_fixture.h"

namespace kasane::projections {
namespace {

using domain::testing::kDay;
using domain::testing::kStart;
using domain::testing::World;
using nlohmann::json;
using testing::LogWorld;
using testing::Must;

json Agencies(std::initializer_list<const char*> ids) {
  json a = json::array();
  for (const char* id : ids) a.push_back(id);
  return a;
}

json ToAgency(const char* agency) { return {{"agency", agency}, {"staff", nullptr}}; }
json ToMember(const World& w, const std::string& staff) {
  return {{"agency", w.ActorOf(staff).agency.value}, {"staff", staff}};
}

// Caught-up engine over `lw`'s log; the reader of `name`.
class Caught {
 public:
  explicit Caught(LogWorld& lw) : engine_(lw.OpenEngine()) {
    Status s = engine_->CatchUp();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ViewReader Reader(std::string_view name) const { return Must(engine_->Reader(name)); }
  ProjectionEngine& engine() { return *engine_; }

 private:
  std::unique_ptr<ProjectionEngine> engine_;
};

// --- consent register ----------------------------------------------------------------------

TEST(ConsentRegisterTest, The8050FathersConsentWithItsScopeAndOpenPeriod) {
  LogWorld lw;
  const auto story = domain::testing::Build8050Household(lw.w);
  lw.Sync();
  Caught views(lw);
  const ViewReader reader = views.Reader(kConsentRegisterName);

  EXPECT_EQ(Must(ConsentRegisterPersons(reader)), (std::vector<std::string>{"p-father", "p-son"}));
  const std::vector<json> father = Must(ConsentRegisterFor(reader, domain::PersonId("p-father")));
  ASSERT_EQ(father.size(), 1u);
  const json& c = father[0];
  EXPECT_EQ(c["consent"], "cn-father");
  EXPECT_EQ(c["subject"], "p-father");
  EXPECT_EQ(c["case"], "c-1");
  EXPECT_EQ(c["grantor"], "self");
  EXPECT_EQ(c["proxyRelation"], nullptr);
  EXPECT_FALSE(c.contains("proxyName"));  // personal: stays sealed in the log
  EXPECT_EQ(c["form"], "written");
  EXPECT_EQ(c["formReference"], "相談受付申込票 cn-father");
  EXPECT_EQ(c["decision"], "permit");
  EXPECT_EQ(c["recipients"], Agencies({"ag-takikan", "ag-hospital", "ag-homehelp", "ag-outreach",
                                       "ag-sanka", "ag-kyotaku"}));
  EXPECT_EQ(c["kinds"],
            Agencies({"identity", "household", "health", "care", "assessment", "plan", "notes"}));
  EXPECT_EQ(c["purposes"].size(), 6u);
  EXPECT_EQ(c["validFrom"], kStart - kDay);
  EXPECT_EQ(c["validUntil"], nullptr);
  EXPECT_EQ(c["withdrawnAt"], nullptr);
  EXPECT_EQ(c["withdrawal"], nullptr);
  EXPECT_EQ(c["inForce"], (json{{"from", kStart - kDay}, {"until", nullptr}}));
  EXPECT_EQ(c["eventId"], story.father_consent.id.ToHex());
  EXPECT_EQ(c["occurredAt"], story.father_consent.occurred_at);
  EXPECT_EQ(c["recordedBy"],
            (json{{"staff", "st-cm"}, {"agency", "ag-kyotaku"}, {"role", "caseworker"}}));
  // The position names the event in the log: its content is resolved there.
  const eventstore::RecordedEvent r = Must(lw.log->ReadAt(c["position"].get<uint64_t>()));
  EXPECT_EQ(r.id.bytes, story.father_consent.id.bytes);
  EXPECT_TRUE(ConsentEntryInForceAt(c, kStart));
  EXPECT_FALSE(ConsentEntryInForceAt(c, kStart - 2 * kDay));

  const std::vector<json> son = Must(ConsentRegisterFor(reader, domain::PersonId("p-son")));
  ASSERT_EQ(son.size(), 1u);
  EXPECT_EQ(son[0]["consent"], "cn-son");
  EXPECT_EQ(son[0]["purposes"], Agencies({"participation_support"}));
  EXPECT_EQ(son[0]["recipients"], Agencies({"ag-sanka", "ag-takikan"}));
  EXPECT_TRUE(Must(ConsentRegisterFor(reader, domain::PersonId("p-nobody"))).empty());
}

TEST(ConsentRegisterTest, WithdrawalClosesThePeriodAndKeepsTheScope) {
  LogWorld lw;
  domain::testing::BuildFourPersonHousehold(lw.w);
  lw.w.AdvanceDays(30);
  const UnixNanos withdrawn_at = lw.w.now;
  const domain::DomainEvent withdrawal =
      lw.w.Must("st-jiritsu", domain::ConsentWithdrawn{domain::ConsentId("cn-m"),
                                                       domain::PersonId("p-mother"), "撤回の理由"});
  lw.Sync();
  Caught views(lw);
  const ViewReader reader = views.Reader(kConsentRegisterName);

  EXPECT_EQ(Must(ConsentRegisterPersons(reader)),
            (std::vector<std::string>{"p-daughter", "p-father", "p-mother", "p-son"}));
  const std::vector<json> mother = Must(ConsentRegisterFor(reader, domain::PersonId("p-mother")));
  ASSERT_EQ(mother.size(), 1u);
  const json& c = mother[0];
  EXPECT_EQ(c["withdrawnAt"], withdrawn_at);
  EXPECT_EQ(c["inForce"], (json{{"from", kStart - kDay}, {"until", withdrawn_at}}));
  EXPECT_EQ(c["withdrawal"]["eventId"], withdrawal.id.ToHex());
  EXPECT_EQ(c["withdrawal"]["by"]["agency"], "ag-jiritsu");
  EXPECT_FALSE(c["withdrawal"].contains("reason"));
  EXPECT_EQ(c["recipients"], Agencies({"ag-takikan", "ag-jiritsu"}));  // the past stays
  EXPECT_TRUE(ConsentEntryInForceAt(c, withdrawn_at - 1));
  EXPECT_FALSE(ConsentEntryInForceAt(c, withdrawn_at));

  // The daughter's consent was given by her mother as proxy.
  const std::vector<json> daughter =
      Must(ConsentRegisterFor(reader, domain::PersonId("p-daughter")));
  ASSERT_EQ(daughter.size(), 1u);
  EXPECT_EQ(daughter[0]["grantor"], "proxy");
  EXPECT_EQ(daughter[0]["proxyRelation"], "parent");
  EXPECT_FALSE(daughter[0].contains("proxyName"));
  EXPECT_EQ(daughter[0]["withdrawnAt"], nullptr);
}

// --- disclosure register -------------------------------------------------------------------

TEST(DisclosureRegisterTest, The8050DischargeOutlookInTheMeetingAndTheRefusedNotes) {
  LogWorld lw;
  const auto story = domain::testing::Build8050Household(lw.w);
  lw.Sync();
  Caught views(lw);
  const ViewReader reader = views.Reader(kDisclosureRegisterName);
  EXPECT_EQ(Must(DisclosureRegisterPersons(reader)),
            (std::vector<std::string>{"p-father", "p-son"}));

  const std::vector<json> father =
      Must(DisclosureRegisterFor(reader, domain::PersonId("p-father")));
  ASSERT_EQ(father.size(), 2u);
  // (1) the referral to coordination passed care and household information under consent.
  const json& referral = father[0];
  EXPECT_EQ(referral["type"], "referral.made");
  EXPECT_EQ(referral["refused"], false);
  EXPECT_EQ(referral["by"], (json{{"agency", "ag-kyotaku"}, {"staff", "st-cm"}}));
  EXPECT_EQ(referral["recipients"], json::array({ToAgency("ag-takikan")}));
  EXPECT_EQ(referral["kinds"], Agencies({"household", "care"}));
  EXPECT_EQ(referral["moment"], "referral_to_coordination");
  EXPECT_EQ(referral["basis"],
            (json{{"kind", "consent"}, {"consent", "cn-father"}, {"meeting", nullptr}}));
  EXPECT_EQ(referral["meeting"], nullptr);
  EXPECT_FALSE(referral.contains("reason"));  // personal

  // The hospital's discharge outlook inside the 重層的支援会議, to the members who acknowledged.
  const json& discharge = father[1];
  EXPECT_EQ(discharge["type"], "disclosure.made");
  EXPECT_EQ(discharge["eventId"], story.discharge.id.ToHex());
  EXPECT_EQ(discharge["occurredAt"], story.discharge.occurred_at);
  EXPECT_GT(discharge["recordedAt"].get<UnixNanos>(), 0);
  EXPECT_EQ(discharge["by"], (json{{"agency", "ag-hospital"}, {"staff", "st-msw"}}));
  EXPECT_EQ(discharge["kinds"], Agencies({"health"}));
  EXPECT_EQ(discharge["purpose"], "support_delivery");
  EXPECT_EQ(discharge["basis"],
            (json{{"kind", "consent"}, {"consent", "cn-father"}, {"meeting", "m-plan"}}));
  EXPECT_EQ(discharge["meeting"], (json{{"meeting", "m-plan"},
                                        {"kind", "multi_layered_support_meeting"},
                                        {"purpose", "plan_creation"}}));
  json members = json::array();
  for (const std::string& s : story.plan_members) {
    if (s != "st-msw") members.push_back(ToMember(lw.w, s));
  }
  EXPECT_EQ(discharge["recipients"], members);
  EXPECT_FALSE(discharge.contains("content"));
  EXPECT_LT(referral["position"].get<uint64_t>(), discharge["position"].get<uint64_t>());

  const std::vector<json> son = Must(DisclosureRegisterFor(reader, domain::PersonId("p-son")));
  ASSERT_EQ(son.size(), 2u);
  const json& refused = son[0];
  EXPECT_EQ(refused["type"], "disclosure.refused");
  EXPECT_EQ(refused["eventId"], story.refused_notes.id.ToHex());
  EXPECT_EQ(refused["refused"], true);
  EXPECT_EQ(refused["rule"], domain::kRuleConsentScope);
  EXPECT_EQ(refused["by"], (json{{"agency", "ag-outreach"}, {"staff", "st-outreach"}}));
  EXPECT_EQ(refused["attemptedByStaff"], "st-outreach");
  EXPECT_EQ(refused["kinds"], Agencies({"notes"}));
  EXPECT_EQ(refused["recipients"], json::array({ToAgency("ag-homehelp")}));
  EXPECT_EQ(refused["basis"]["consent"], "cn-son");
  EXPECT_FALSE(refused["reason"].get<std::string>().empty());
  EXPECT_EQ(son[1]["type"], "disclosure.made");
  EXPECT_EQ(son[1]["purpose"], "participation_support");
  EXPECT_EQ(son[1]["recipients"], json::array({ToAgency("ag-sanka")}));

  // As the record stood before the refusal; and paging.
  const uint64_t refused_at = refused["position"].get<uint64_t>();
  DisclosureQuery before;
  before.as_of.position = refused_at;
  EXPECT_TRUE(Must(DisclosureRegisterFor(reader, domain::PersonId("p-son"), before)).empty());
  DisclosureQuery then;
  then.as_of.time = refused["recordedAt"].get<UnixNanos>();
  EXPECT_EQ(Must(DisclosureRegisterFor(reader, domain::PersonId("p-son"), then)).size(), 1u);
  DisclosureQuery next;
  next.from_position = refused_at + 1;
  next.limit = 5;
  const std::vector<json> page =
      Must(DisclosureRegisterFor(reader, domain::PersonId("p-son"), next));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]["eventId"], story.to_sanka.id.ToHex());
}

TEST(DisclosureRegisterTest, TheSupportMeetingSharesWithoutConsentAndRefusesTaxArrears) {
  LogWorld lw;
  const auto story = domain::testing::BuildSupportMeetingTaxRefusal(lw.w);
  lw.Sync();
  Caught views(lw);
  const std::vector<json> x =
      Must(DisclosureRegisterFor(views.Reader(kDisclosureRegisterName), domain::PersonId("p-x")));
  ASSERT_EQ(x.size(), 4u);
  const json meeting = {{"meeting", "m-1"}, {"kind", "support_meeting"}, {"purpose", nullptr}};
  const json basis = {{"kind", "support_meeting"}, {"consent", nullptr}, {"meeting", "m-1"}};

  EXPECT_EQ(x[0]["eventId"], story.minsei.id.ToHex());
  EXPECT_EQ(x[0]["by"], (json{{"agency", "ag-minsei"}, {"staff", "st-minsei"}}));
  EXPECT_EQ(x[0]["basis"], basis);
  EXPECT_EQ(x[0]["meeting"], meeting);
  EXPECT_EQ(x[0]["recipients"].size(), story.members.size() - 1);
  EXPECT_EQ(x[1]["eventId"], story.water.id.ToHex());
  EXPECT_EQ(x[1]["kinds"], Agencies({"finance"}));

  const json& tax = x[2];
  EXPECT_EQ(tax["eventId"], story.refusal.id.ToHex());
  EXPECT_EQ(tax["type"], "disclosure.refused");
  EXPECT_EQ(tax["refused"], true);
  EXPECT_EQ(tax["rule"], domain::kRuleTaxConsent);
  EXPECT_EQ(tax["by"], (json{{"agency", "ag-tax"}, {"staff", "st-tax"}}));
  EXPECT_EQ(tax["kinds"], Agencies({"tax"}));
  EXPECT_EQ(tax["basis"], basis);
  EXPECT_EQ(tax["meeting"], meeting);

  // The hospital worker who joined late is among the later disclosure's recipients only.
  auto has_msw = [&](const json& entry) {
    for (const json& r : entry["recipients"]) {
      if (r["staff"] == "st-msw") return true;
    }
    return false;
  };
  EXPECT_FALSE(has_msw(x[0]));
  EXPECT_FALSE(has_msw(x[1]));
  EXPECT_EQ(x[3]["eventId"], story.later.id.ToHex());
  EXPECT_TRUE(has_msw(x[3]));
}

TEST(DisclosureRegisterTest, TheFourPersonHouseholdRecordsEachPersonsRefusal) {
  LogWorld lw;
  domain::testing::BuildFourPersonHousehold(lw.w);
  lw.Sync();
  Caught views(lw);
  const ViewReader reader = views.Reader(kDisclosureRegisterName);
  auto types = [&](const char* person) {
    std::vector<std::string> out;
    for (const json& e : Must(DisclosureRegisterFor(reader, domain::PersonId(person)))) {
      out.push_back(e["type"].get<std::string>() +
                    (e["refused"] == true ? ":" + e["rule"].get<std::string>() : ""));
    }
    return out;
  };
  EXPECT_EQ(types("p-son"),
            (std::vector<std::string>{"disclosure.made", "disclosure.refused:consent_scope"}));
  EXPECT_EQ(types("p-mother"),
            (std::vector<std::string>{"disclosure.refused:consent_scope", "disclosure.made"}));
  EXPECT_EQ(types("p-father"), (std::vector<std::string>{"disclosure.made"}));
  EXPECT_EQ(types("p-daughter"), (std::vector<std::string>{"referral.made"}));
}

// --- access register -----------------------------------------------------------------------

TEST(AccessRegisterTest, ListsWhoReadWhichCaseByCaseAndByStaff) {
  LogWorld lw;
  const auto story = domain::testing::Build8050Household(lw.w);
  lw.Sync();
  const uint64_t helper = testing::AppendAccess(lw, lw.w, "st-helper", {story.discharge});
  const uint64_t cm = testing::AppendAccess(lw, lw.w, "st-cm", {story.drafted, story.discharge});
  const uint64_t helper_again =
      testing::AppendAccess(lw, lw.w, "st-helper", {story.discharge}, "access-2");
  Caught views(lw);
  const ViewReader reader = views.Reader(kAccessRegisterName);

  const std::vector<json> by_case = Must(AccessRegisterForCase(reader, domain::CaseId("c-1")));
  ASSERT_EQ(by_case.size(), 3u);
  EXPECT_EQ(by_case[0]["position"], helper);
  EXPECT_EQ(by_case[0]["caseId"], "c-1");
  EXPECT_EQ(by_case[0]["staff"], "st-helper");
  EXPECT_EQ(by_case[0]["agency"], "ag-homehelp");
  EXPECT_EQ(by_case[0]["role"], "caseworker");
  EXPECT_EQ(by_case[0]["kinds"], Agencies({"health"}));
  EXPECT_EQ(by_case[0]["basis"], "meeting_member");
  EXPECT_EQ(by_case[0]["events"], json::array({story.discharge.id.ToHex()}));
  EXPECT_EQ(by_case[0]["stream"], "access-1");
  EXPECT_EQ(by_case[1]["position"], cm);
  EXPECT_EQ(by_case[1]["staff"], "st-cm");
  EXPECT_EQ(by_case[1]["events"].size(), 2u);
  EXPECT_EQ(by_case[2]["position"], helper_again);
  EXPECT_EQ(by_case[2]["stream"], "access-2");

  const std::vector<json> by_helper =
      Must(AccessRegisterForStaff(reader, domain::StaffId("st-helper")));
  ASSERT_EQ(by_helper.size(), 2u);
  EXPECT_EQ(by_helper[0], by_case[0]);
  EXPECT_EQ(by_helper[1], by_case[2]);
  EXPECT_EQ(Must(AccessRegisterForStaff(reader, domain::StaffId("st-cm"))).size(), 1u);
  EXPECT_TRUE(Must(AccessRegisterForStaff(reader, domain::StaffId("st-hw"))).empty());
  EXPECT_TRUE(Must(AccessRegisterForCase(reader, domain::CaseId("c-2"))).empty());

  // As it stood before the second read, and a page of one.
  AccessQuery before;
  before.as_of.position = cm;
  EXPECT_EQ(Must(AccessRegisterForCase(reader, domain::CaseId("c-1"), before)).size(), 1u);
  AccessQuery one;
  one.from_position = cm;
  one.limit = 1;
  const std::vector<json> page = Must(AccessRegisterForCase(reader, domain::CaseId("c-1"), one));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]["position"], cm);
}

// --- monitoring due ------------------------------------------------------------------------

std::vector<std::string> Listed(const std::vector<json>& entries) {
  std::vector<std::string> out;
  for (const json& e : entries) {
    out.push_back(e["case"].get<std::string>() + ":" + e["kind"].get<std::string>() +
                  (e["overdue"] == true ? ":overdue" : ""));
  }
  return out;
}

TEST(MonitoringDueTest, DueThenOverdueAsTheDatePassesUntilRecorded) {
  LogWorld lw;
  const auto story = domain::testing::BuildFourPersonHousehold(lw.w);
  lw.Sync();
  const auto& body = std::get<domain::PlanRevised>(story.revised.payload).body;
  const UnixNanos monitoring = body.monitoring_due;
  const UnixNanos evaluation = body.evaluation_due;
  ASSERT_GT(monitoring, story.revised.occurred_at);
  ASSERT_GT(evaluation, monitoring);

  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  auto due = [&](UnixNanos as_of, int horizon) {
    return Must(MonitoringDue(Must(engine->Reader(kMonitoringDueName)), as_of, horizon));
  };
  EXPECT_TRUE(due(story.revised.occurred_at, 0).empty());
  EXPECT_TRUE(due(monitoring - kDay, 0).empty());
  std::vector<json> soon = due(monitoring - kDay, 1);
  ASSERT_EQ(soon.size(), 1u);
  EXPECT_EQ(soon[0]["case"], "c-1");
  EXPECT_EQ(soon[0]["plan"], "pl-1");
  EXPECT_EQ(soon[0]["version"], 2);
  EXPECT_EQ(soon[0]["kind"], "monitoring");
  EXPECT_EQ(soon[0]["due"], monitoring);
  EXPECT_EQ(soon[0]["overdue"], false);
  EXPECT_EQ(soon[0]["daysUntilDue"], 1);
  EXPECT_EQ(soon[0]["dueDate"].get<std::string>().size(), 10u);
  EXPECT_EQ(Listed(due(monitoring, 0)), (std::vector<std::string>{"c-1:monitoring"}));
  std::vector<json> late = due(monitoring + 3 * kDay, 0);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0]["overdue"], true);
  EXPECT_EQ(late[0]["daysOverdue"], 3);
  EXPECT_EQ(Listed(due(evaluation + kDay, 0)),
            (std::vector<std::string>{"c-1:monitoring:overdue", "c-1:evaluation:overdue"}));

  // The monitoring of version 2 is recorded: only the evaluation stays.
  domain::testing::World& w = lw.w;
  w.now = monitoring + 3 * kDay;
  w.Must("st-coord", domain::MonitoringRecorded{domain::PlanId("pl-1"), 2,
                                                domain::PersonId("p-daughter"), "モニタリング"});
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_EQ(Listed(due(evaluation + kDay, 0)),
            (std::vector<std::string>{"c-1:evaluation:overdue"}));

  // Suspended (中断): off the list; resumed: back; terminated (終結): off for good.
  w.HoldMultiLayeredMeeting("m-stop", domain::MeetingPurpose::kSuspension, {"st-shougai"});
  w.Must("st-coord", domain::SupportSuspended{domain::PlanId("pl-1"), domain::MeetingId("m-stop"),
                                              domain::PersonId("p-daughter"), "連絡途絶"});
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_TRUE(due(evaluation + kDay, 0).empty());
  w.Must("st-coord", domain::SupportResumed{domain::PlanId("pl-1"), domain::PersonId("p-daughter"),
                                            "連絡再開"});
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_EQ(Listed(due(evaluation + kDay, 0)),
            (std::vector<std::string>{"c-1:evaluation:overdue"}));
  w.HoldMultiLayeredMeeting("m-end", domain::MeetingPurpose::kTermination, {"st-shougai"});
  w.Must("st-coord", domain::SupportTerminated{domain::PlanId("pl-1"), domain::MeetingId("m-end"),
                                               domain::AgencyId("ag-kodomo"),
                                               domain::PersonId("p-daughter"), "目標達成"});
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_TRUE(due(evaluation + 365 * kDay, 0).empty());
  // Nothing is left behind in the index: only the case's remembered plan.
  for (const auto& [key, value] : testing::DumpOf(*engine, kMonitoringDueName)) {
    EXPECT_EQ(key[0], 's');
  }
}

TEST(MonitoringDueTest, The8050PlanIsListedOnceApprovedAndLeavesWhenTerminated) {
  domain::testing::World story_world;
  const auto story = domain::testing::Build8050Household(story_world);
  LogWorld lw;
  // First the story up to the plan's approval.
  for (const domain::DomainEvent& e : story_world.log) {
    lw.w.log.push_back(e);
    if (e.id == story.approved.id) break;
  }
  lw.Sync();
  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  const auto& body = std::get<domain::PlanDrafted>(story.drafted.payload).body;
  const UnixNanos far = body.evaluation_due + 30 * kDay;
  auto due = [&](UnixNanos as_of) {
    return Listed(Must(MonitoringDue(Must(engine->Reader(kMonitoringDueName)), as_of, 0)));
  };
  EXPECT_TRUE(due(story.drafted.occurred_at).empty());
  EXPECT_EQ(due(far),
            (std::vector<std::string>{"c-1:monitoring:overdue", "c-1:evaluation:overdue"}));
  EXPECT_EQ(due(body.monitoring_due), (std::vector<std::string>{"c-1:monitoring"}));

  // The rest: monitoring, evaluation, termination.
  for (size_t i = lw.w.log.size(); i < story_world.log.size(); ++i) {
    lw.w.log.push_back(story_world.log[i]);
  }
  lw.Sync();
  ASSERT_TRUE(engine->CatchUp().ok());
  EXPECT_TRUE(due(far).empty());
}

}  // namespace
}  // namespace kasane::projections

// The three worked examples of DOMAIN.md (from seed 004 and seed 001), replayed end to end
// through Decide and Evolve, as the API will run them.
#include <gtest/gtest.h>

#include "domain/decide.h"
#include "domain/scope_policy.h"
#include "tests/domain/fixture.h"

namespace kasane::domain {
namespace {

using testing::kDay;
using testing::Kinds;
using testing::World;
using K = InformationKind;

int CountType(const std::vector<DomainEvent>& log, std::string_view type) {
  int n = 0;
  for (const DomainEvent& e : log) n += TypeOf(e.payload) == type ? 1 : 0;
  return n;
}

ConsentRecorded WithPurposes(ConsentRecorded c, std::set<Purpose> purposes) {
  c.purposes = std::move(purposes);
  return c;
}

// 8050: father 79 (needs care, must go to hospital), son 51 (withdrawn 20+ years). The father's
// care manager refers to coordination; the plan covers meals for the son during the father's
// stay, outreach to the son then participation support, and home care for the father.
TEST(ScenarioTest, The8050Household) {
  World w;
  w.OpenCase("st-cm", {{"p-father", Relation::kSelf}, {"p-son", Relation::kChild}});
  w.Must("st-cm", World::ConsentFor("cn-father", "p-father",
                                    {"ag-takikan", "ag-hospital", "ag-homehelp", "ag-outreach",
                                     "ag-sanka", "ag-kyotaku"},
                                    Kinds({K::kIdentity, K::kHousehold, K::kHealth, K::kCare,
                                           K::kPlan, K::kNotes, K::kAssessment})));
  // Outreach to the son starts before he consents to anything.
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "事前調整"});

  // (1) referral to coordination (支援依頼), passing the father's care and household information.
  w.Must("st-cm", ReferralMade{ReferralId("r-1"), AgencyId("ag-kyotaku"), AgencyId("ag-takikan"),
                               ProgrammePart::kMultiAgencyCoordination,
                               HandoffMoment::kReferralToCoordination, PersonId("p-father"),
                               "父の入院中の息子の生活", Kinds({K::kCare, K::kHousehold}),
                               World::ByConsent("cn-father")});
  w.Must("st-coord", ReferralAccepted{ReferralId("r-1")});
  w.Must("st-coord", LeadAgencyAssigned{AgencyId("ag-takikan")});
  w.Must("st-coord",
         AssessmentRecorded{PersonId("p-father"), Kinds({K::kHealth, K::kCare, K::kHousehold}),
                            "アセスメント"});

  // The plan, drafted by the coordinator, approved at a 重層的支援会議 for plan creation.
  const UnixNanos drafted_at = w.now;
  PlanDrafted draft =
      w.Draft("pl-1", 1, {"ag-hospital", "ag-homehelp", "ag-outreach", "ag-sanka", "ag-kyotaku"});
  DomainEvent drafted = w.Must("st-coord", draft);
  const PlanBody& body = std::get<PlanDrafted>(drafted.payload).body;
  EXPECT_EQ(body.monitoring_due, AddMonths(drafted_at, 3));
  EXPECT_EQ(body.evaluation_due, AddMonths(drafted_at, 6));

  const std::vector<std::string> members = {"st-msw", "st-helper", "st-outreach", "st-sanka",
                                            "st-cm"};
  w.Must("st-coord", w.Meeting("m-plan", MeetingKind::kMultiLayeredSupportMeeting,
                               MeetingPurpose::kPlanCreation, "st-coord", members));
  for (const std::string& s : members) w.Must(s, World::Ack("m-plan", w, s));
  // Inside the meeting, under the father's consent: the hospital's discharge outlook.
  DomainEvent discharge =
      w.Must("st-msw", w.Disclose("st-msw", "p-father", Kinds({K::kHealth}),
                                  World::ByConsentInMeeting("cn-father", "m-plan")));
  EXPECT_EQ(std::get<DisclosureMade>(discharge.payload).recipients.size(), members.size() - 1);
  w.Must("st-coord", w.Conclude("m-plan"));
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-plan")});
  EXPECT_EQ(w.state.plan->status, PlanStatus::kApproved);

  // The son: relationship building, a home visit, then his own consent for participation.
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-son"), OutreachActivity::kRelationshipBuilding, "手紙"});
  w.Must("st-outreach", OutreachRecorded{PersonId("p-son"), OutreachActivity::kHomeVisit, "訪問"});
  w.Must("st-outreach",
         WithPurposes(World::ConsentFor("cn-son", "p-son", {"ag-sanka", "ag-takikan"},
                                        Kinds({K::kIdentity, K::kEmployment, K::kNotes})),
                      {Purpose::kParticipationSupport}));
  // The outreach worker may not pass the son's information to the home-help provider.
  w.MustRefuse("st-outreach",
               w.Disclose("st-outreach", "p-son", Kinds({K::kNotes}), World::ByConsent("cn-son"),
                          {World::To("ag-homehelp")}),
               kRuleConsentScope);
  DisclosureMade to_sanka = w.Disclose("st-outreach", "p-son", Kinds({K::kEmployment}),
                                       World::ByConsent("cn-son"), {World::To("ag-sanka")});
  to_sanka.purpose = Purpose::kParticipationSupport;
  w.Must("st-outreach", to_sanka);
  w.Must("st-sanka", ParticipationMatched{PersonId("p-son"), "農園での就労体験", "マッチング"});
  w.Must("st-sanka", ParticipationFollowedUp{PersonId("p-son"), "定着確認"});

  // Monitoring at 3 months, evaluation at 6, then termination with 伴走支援 by the care manager.
  w.AdvanceDays(90);
  w.Must("st-coord", MonitoringRecorded{PlanId("pl-1"), 1, PersonId("p-father"), "モニタリング"});
  w.AdvanceDays(92);
  w.Must("st-coord", PlanEvaluated{PlanId("pl-1"), 1, PersonId("p-father"), "評価", true});
  w.HoldMultiLayeredMeeting("m-end", MeetingPurpose::kTermination, {"st-msw", "st-cm"});
  w.Must("st-coord", SupportTerminated{PlanId("pl-1"), MeetingId("m-end"), AgencyId("ag-kyotaku"),
                                       PersonId("p-father"), "目標達成"});

  const CaseState& s = w.state;
  EXPECT_EQ(s.plan->status, PlanStatus::kTerminated);
  EXPECT_EQ(s.plan->accompanying_agency, AgencyId("ag-kyotaku"));
  EXPECT_EQ(s.plan->monitorings, 1u);
  EXPECT_EQ(s.plan->evaluations, 1u);
  EXPECT_EQ(s.lead_agency, AgencyId("ag-takikan"));
  EXPECT_EQ(s.referrals.at(ReferralId("r-1")).status, ReferralStatus::kAccepted);
  EXPECT_EQ(s.outreach_activities, 3u);
  EXPECT_EQ(s.participation_records, 2u);
  EXPECT_EQ(s.disclosures.size(), 3u);  // referral, discharge outlook, son to participation
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].rule, kRuleConsentScope);
  EXPECT_EQ(CountType(w.log, "disclosure.refused"), 1);
  EXPECT_EQ(Replay(w.log), s);

  // Who sees the discharge outlook: meeting members yes; the auditor metadata; Hello Work no.
  EXPECT_EQ(w.See("st-helper", discharge).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-audit", discharge).level, ScopeLevel::kMetadataOnly);
  EXPECT_EQ(w.See("st-hw", discharge).level, ScopeLevel::kNothing);
  // After termination the care manager (伴走支援) still reads the father's plan under consent.
  EXPECT_EQ(w.See("st-cm", drafted).level, ScopeLevel::kFull);
}

// Four people: father 47 (gambling, unemployed), mother 45 (arrears), son 22 (suspected
// disability), daughter 14 (truancy). The daughter's teacher refers. Each person's consent
// names only the agencies that person's part of the plan needs.
TEST(ScenarioTest, TheFourPersonHousehold) {
  World w;
  w.OpenCase("st-teacher", {{"p-daughter", Relation::kSelf},
                            {"p-father", Relation::kParent},
                            {"p-mother", Relation::kParent},
                            {"p-son", Relation::kSibling}});
  // The daughter is 14: her mother consents for her as proxy.
  ConsentRecorded daughter = World::ConsentFor(
      "cn-d", "p-daughter", {"ag-takikan", "ag-school", "ag-kodomo"},
      Kinds({K::kIdentity, K::kHousehold, K::kEducation, K::kChildWelfare, K::kPlan, K::kNotes}));
  daughter.grantor = Grantor::kProxy;
  daughter.proxy_relation = Relation::kParent;
  daughter.proxy_name = "母 氏名";
  w.Must("st-teacher", daughter);
  w.Must("st-teacher",
         World::ConsentFor("cn-f", "p-father", {"ag-takikan", "ag-hellowork"},
                           Kinds({K::kIdentity, K::kEmployment, K::kFinance, K::kPlan})));
  w.Must("st-teacher", World::ConsentFor("cn-m", "p-mother", {"ag-takikan", "ag-jiritsu"},
                                         Kinds({K::kIdentity, K::kFinance, K::kPlan})));
  w.Must("st-teacher",
         World::ConsentFor("cn-s", "p-son", {"ag-takikan", "ag-shougai"},
                           Kinds({K::kIdentity, K::kDisability, K::kEmployment, K::kPlan})));

  w.Must("st-teacher",
         ReferralMade{ReferralId("r-1"), AgencyId("ag-school"), AgencyId("ag-takikan"),
                      ProgrammePart::kMultiAgencyCoordination,
                      HandoffMoment::kReferralToCoordination, PersonId("p-daughter"), "不登校",
                      Kinds({K::kEducation, K::kHousehold}), World::ByConsent("cn-d")});
  w.Must("st-coord", ReferralAccepted{ReferralId("r-1")});

  // The coordinator gathers: the son's disability consultation is his, not Hello Work's.
  w.Must("st-coord", w.Disclose("st-coord", "p-son", Kinds({K::kDisability}),
                                World::ByConsent("cn-s"), {World::To("ag-shougai")}));
  w.MustRefuse("st-coord",
               w.Disclose("st-coord", "p-son", Kinds({K::kDisability}), World::ByConsent("cn-s"),
                          {World::To("ag-hellowork")}),
               kRuleConsentScope);
  DomainEvent father_work =
      w.Must("st-coord", w.Disclose("st-coord", "p-father", Kinds({K::kEmployment}),
                                    World::ByConsent("cn-f"), {World::To("ag-hellowork")}));
  // The mother's arrears go to the household-budget counsellor, never to the school.
  w.MustRefuse("st-coord",
               w.Disclose("st-coord", "p-mother", Kinds({K::kFinance}), World::ByConsent("cn-m"),
                          {World::To("ag-school")}),
               kRuleConsentScope);
  w.Must("st-coord", w.Disclose("st-coord", "p-mother", Kinds({K::kFinance}),
                                World::ByConsent("cn-m"), {World::To("ag-jiritsu")}));
  DomainEvent son_assessment = w.Must(
      "st-shougai", AssessmentRecorded{PersonId("p-son"), Kinds({K::kDisability}), "障がい相談"});

  w.Must("st-coord", w.Draft("pl-1", 1,
                             {"ag-hellowork", "ag-school", "ag-kodomo", "ag-jiritsu", "ag-shougai",
                              "ag-minsei"}));
  // Plan creation needs the main person's (the daughter's) consent in force: it is.
  w.HoldMultiLayeredMeeting(
      "m-plan", MeetingPurpose::kPlanCreation,
      {"st-hw", "st-teacher", "st-kodomo", "st-jiritsu", "st-shougai", "st-minsei"});
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-plan")});

  // Need to know through plan roles: Hello Work reads the father's employment disclosure
  // (recipient) but not the son's disability assessment; the disability centre reads it.
  EXPECT_EQ(w.See("st-hw", father_work).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-hw", son_assessment).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-shougai", son_assessment).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-minsei", son_assessment).level, ScopeLevel::kNothing);

  // The plan changes (the son starts work training) only at a plan-change meeting.
  PlanRevised rev{PlanId("pl-1"), 2, MeetingId("m-plan"), PersonId("p-daughter"),
                  w.Draft("pl-1", 2,
                          {"ag-hellowork", "ag-school", "ag-kodomo", "ag-jiritsu", "ag-shougai",
                           "ag-minsei", "ag-sanka"})
                      .body};
  w.MustRefuse("st-coord", rev, kRulePlanMeeting);
  w.HoldMultiLayeredMeeting("m-change", MeetingPurpose::kPlanChange, {"st-shougai", "st-sanka"});
  rev.meeting = MeetingId("m-change");
  w.Must("st-coord", rev);

  const CaseState& s = w.state;
  EXPECT_EQ(s.household.size(), 4u);
  EXPECT_EQ(s.consents.size(), 4u);
  EXPECT_EQ(s.consents.at(ConsentId("cn-d")).consent.grantor, Grantor::kProxy);
  EXPECT_EQ(s.plan->approved_version, 2u);
  EXPECT_TRUE(s.plan->HasRole(AgencyId("ag-sanka")));
  EXPECT_EQ(s.disclosures.size(), 4u);
  EXPECT_EQ(s.refusals.size(), 2u);
  EXPECT_EQ(Replay(w.log), s);
}

// Seed 001 / DOMAIN.md: the 民生委員 and the water utility worry about a household; the person
// refuses contact. A 支援会議 shares what each member knows without consent, to plan outreach.
// The tax division may not bring the household's tax arrears to that meeting.
TEST(ScenarioTest, TheSupportMeetingCaseRefusesTaxArrears) {
  World w;
  w.OpenCase("st-houkatsu", {{"p-x", Relation::kSelf}});
  // No consent: a 重層的支援会議 is not possible.
  w.MustRefuse("st-coord",
               w.Meeting("m-ml", MeetingKind::kMultiLayeredSupportMeeting,
                         MeetingPurpose::kPlanCreation, "st-coord", {"st-minsei"}),
               kRuleMeetingConsent);

  const std::vector<std::string> members = {"st-minsei", "st-water", "st-houkatsu", "st-outreach",
                                            "st-tax"};
  w.Must("st-sec", w.Meeting("m-1", MeetingKind::kSupportMeeting, std::nullopt, "st-sec", members));
  for (const std::string& s : members) w.Must(s, World::Ack("m-1", w, s));

  DomainEvent minsei = w.Must("st-minsei", w.Disclose("st-minsei", "p-x", Kinds({K::kNotes}),
                                                      World::BySupportMeeting("m-1")));
  DomainEvent water = w.Must("st-water", w.Disclose("st-water", "p-x", Kinds({K::kFinance}),
                                                    World::BySupportMeeting("m-1")));
  Decision tax = w.MustRefuse(
      "st-tax", w.Disclose("st-tax", "p-x", Kinds({K::kTax}), World::BySupportMeeting("m-1")),
      kRuleTaxConsent);
  ASSERT_EQ(tax.events.size(), 1u);
  const DomainEvent refusal = tax.events[0];
  const auto& refused = std::get<DisclosureRefused>(refusal.payload);
  EXPECT_EQ(refused.attempted_by_agency, AgencyId("ag-tax"));
  EXPECT_EQ(refused.kinds, Kinds({K::kTax}));
  ASSERT_TRUE(tax.rejection.has_value());
  EXPECT_EQ(RejectionStatus(*tax.rejection).code(), StatusCode::kFailedPrecondition);

  // A hospital worker joins late: nothing shared before they joined reaches them.
  w.Must("st-sec", MeetingMemberJoined{MeetingId("m-1"), w.MemberOf("st-msw")});
  w.Must("st-msw", World::Ack("m-1", w, "st-msw"));
  DomainEvent later = w.Must("st-houkatsu", w.Disclose("st-houkatsu", "p-x", Kinds({K::kCare}),
                                                       World::BySupportMeeting("m-1")));
  MeetingConcluded direction = w.Conclude("m-1");
  direction.support_direction = "アウトリーチで関係構築を図る";
  w.Must("st-sec", direction);
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-x"), OutreachActivity::kPreparation, "事前調整"});

  const CaseState& s = w.state;
  ASSERT_EQ(s.disclosures.size(), 3u);
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].rule, kRuleTaxConsent);
  EXPECT_TRUE(s.consents.empty());
  EXPECT_TRUE(s.meetings.at(MeetingId("m-1")).concluded());
  for (const DisclosureState& d : s.disclosures) EXPECT_FALSE(d.kinds.Contains(K::kTax));
  EXPECT_EQ(Replay(w.log), s);

  EXPECT_EQ(w.See("st-water", minsei).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-tax", water).level, ScopeLevel::kFull);  // a member under 守秘義務
  EXPECT_EQ(w.See("st-msw", minsei).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-msw", water).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-msw", later).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-teacher", water).level, ScopeLevel::kNothing);
  // The auditor sees that the tax division tried and was refused, not more.
  EXPECT_EQ(w.See("st-audit", refusal).level, ScopeLevel::kMetadataOnly);
}

}  // namespace
}  // namespace kasane::domain

#include "tests/domain/worked_examples.h"

#include <set>
#include <utility>

namespace kasane::domain::testing {
namespace {

using K = InformationKind;

ConsentRecorded WithPurposes(ConsentRecorded c, std::set<Purpose> purposes) {
  c.purposes = std::move(purposes);
  return c;
}

}  // namespace

The8050Household Build8050Household(World& w) {
  The8050Household x;
  w.OpenCase("st-cm", {{"p-father", Relation::kSelf}, {"p-son", Relation::kChild}});
  x.father_consent =
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
  x.drafted_at = w.now;
  x.drafted = w.Must(
      "st-coord",
      w.Draft("pl-1", 1, {"ag-hospital", "ag-homehelp", "ag-outreach", "ag-sanka", "ag-kyotaku"}));

  x.plan_members = {"st-msw", "st-helper", "st-outreach", "st-sanka", "st-cm"};
  w.Must("st-coord", w.Meeting("m-plan", MeetingKind::kMultiLayeredSupportMeeting,
                               MeetingPurpose::kPlanCreation, "st-coord", x.plan_members));
  for (const std::string& s : x.plan_members) w.Must(s, World::Ack("m-plan", w, s));
  // Inside the meeting, under the father's consent: the hospital's discharge outlook.
  x.discharge = w.Must("st-msw", w.Disclose("st-msw", "p-father", Kinds({K::kHealth}),
                                            World::ByConsentInMeeting("cn-father", "m-plan")));
  w.Must("st-coord", w.Conclude("m-plan"));
  x.approved = w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-plan")});
  EXPECT_EQ(w.state.plan->status, PlanStatus::kApproved);

  // The son: relationship building, a home visit, then his own consent for participation.
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-son"), OutreachActivity::kRelationshipBuilding, "手紙"});
  w.Must("st-outreach", OutreachRecorded{PersonId("p-son"), OutreachActivity::kHomeVisit, "訪問"});
  x.son_consent =
      w.Must("st-outreach",
             WithPurposes(World::ConsentFor("cn-son", "p-son", {"ag-sanka", "ag-takikan"},
                                            Kinds({K::kIdentity, K::kEmployment, K::kNotes})),
                          {Purpose::kParticipationSupport}));
  // The outreach worker may not pass the son's information to the home-help provider.
  Decision refused =
      w.MustRefuse("st-outreach",
                   w.Disclose("st-outreach", "p-son", Kinds({K::kNotes}),
                              World::ByConsent("cn-son"), {World::To("ag-homehelp")}),
                   kRuleConsentScope);
  EXPECT_EQ(refused.events.size(), 1u);
  if (!refused.events.empty()) x.refused_notes = refused.events.front();
  DisclosureMade to_sanka = w.Disclose("st-outreach", "p-son", Kinds({K::kEmployment}),
                                       World::ByConsent("cn-son"), {World::To("ag-sanka")});
  to_sanka.purpose = Purpose::kParticipationSupport;
  x.to_sanka = w.Must("st-outreach", to_sanka);
  w.Must("st-sanka", ParticipationMatched{PersonId("p-son"), "農園での就労体験", "マッチング"});
  w.Must("st-sanka", ParticipationFollowedUp{PersonId("p-son"), "定着確認"});

  // Monitoring at 3 months, evaluation at 6, then termination with 伴走支援 by the care manager.
  w.AdvanceDays(90);
  w.Must("st-coord", MonitoringRecorded{PlanId("pl-1"), 1, PersonId("p-father"), "モニタリング"});
  w.AdvanceDays(92);
  w.Must("st-coord", PlanEvaluated{PlanId("pl-1"), 1, PersonId("p-father"), "評価", true});
  w.HoldMultiLayeredMeeting("m-end", MeetingPurpose::kTermination, {"st-msw", "st-cm"});
  x.terminated = w.Must(
      "st-coord", SupportTerminated{PlanId("pl-1"), MeetingId("m-end"), AgencyId("ag-kyotaku"),
                                    PersonId("p-father"), "目標達成"});
  return x;
}

TheFourPersonHousehold BuildFourPersonHousehold(World& w) {
  TheFourPersonHousehold x;
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
  x.father_work =
      w.Must("st-coord", w.Disclose("st-coord", "p-father", Kinds({K::kEmployment}),
                                    World::ByConsent("cn-f"), {World::To("ag-hellowork")}));
  // The mother's arrears go to the household-budget counsellor, never to the school.
  w.MustRefuse("st-coord",
               w.Disclose("st-coord", "p-mother", Kinds({K::kFinance}), World::ByConsent("cn-m"),
                          {World::To("ag-school")}),
               kRuleConsentScope);
  w.Must("st-coord", w.Disclose("st-coord", "p-mother", Kinds({K::kFinance}),
                                World::ByConsent("cn-m"), {World::To("ag-jiritsu")}));
  x.son_assessment = w.Must(
      "st-shougai", AssessmentRecorded{PersonId("p-son"), Kinds({K::kDisability}), "障がい相談"});

  w.Must("st-coord", w.Draft("pl-1", 1,
                             {"ag-hellowork", "ag-school", "ag-kodomo", "ag-jiritsu", "ag-shougai",
                              "ag-minsei"}));
  // Plan creation needs the main person's (the daughter's) consent in force: it is.
  w.HoldMultiLayeredMeeting(
      "m-plan", MeetingPurpose::kPlanCreation,
      {"st-hw", "st-teacher", "st-kodomo", "st-jiritsu", "st-shougai", "st-minsei"});
  x.approved = w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-plan")});

  // The plan changes (the son starts work training) only at a plan-change meeting.
  PlanRevised rev{PlanId("pl-1"), 2, MeetingId("m-plan"), PersonId("p-daughter"),
                  w.Draft("pl-1", 2,
                          {"ag-hellowork", "ag-school", "ag-kodomo", "ag-jiritsu", "ag-shougai",
                           "ag-minsei", "ag-sanka"})
                      .body};
  w.MustRefuse("st-coord", rev, kRulePlanMeeting);
  w.HoldMultiLayeredMeeting("m-change", MeetingPurpose::kPlanChange, {"st-shougai", "st-sanka"});
  rev.meeting = MeetingId("m-change");
  x.revised = w.Must("st-coord", rev);
  return x;
}

TheSupportMeetingCase BuildSupportMeetingTaxRefusal(World& w) {
  TheSupportMeetingCase x;
  w.OpenCase("st-houkatsu", {{"p-x", Relation::kSelf}});
  // No consent: a 重層的支援会議 is not possible.
  w.MustRefuse("st-coord",
               w.Meeting("m-ml", MeetingKind::kMultiLayeredSupportMeeting,
                         MeetingPurpose::kPlanCreation, "st-coord", {"st-minsei"}),
               kRuleMeetingConsent);

  x.members = {"st-minsei", "st-water", "st-houkatsu", "st-outreach", "st-tax"};
  w.Must("st-sec",
         w.Meeting("m-1", MeetingKind::kSupportMeeting, std::nullopt, "st-sec", x.members));
  for (const std::string& s : x.members) w.Must(s, World::Ack("m-1", w, s));

  x.minsei = w.Must("st-minsei", w.Disclose("st-minsei", "p-x", Kinds({K::kNotes}),
                                            World::BySupportMeeting("m-1")));
  x.water = w.Must("st-water", w.Disclose("st-water", "p-x", Kinds({K::kFinance}),
                                          World::BySupportMeeting("m-1")));
  x.tax = w.MustRefuse(
      "st-tax", w.Disclose("st-tax", "p-x", Kinds({K::kTax}), World::BySupportMeeting("m-1")),
      kRuleTaxConsent);
  EXPECT_EQ(x.tax.events.size(), 1u);
  if (!x.tax.events.empty()) x.refusal = x.tax.events.front();

  // A hospital worker joins late: nothing shared before they joined reaches them.
  w.Must("st-sec", MeetingMemberJoined{MeetingId("m-1"), w.MemberOf("st-msw")});
  w.Must("st-msw", World::Ack("m-1", w, "st-msw"));
  x.later = w.Must("st-houkatsu", w.Disclose("st-houkatsu", "p-x", Kinds({K::kCare}),
                                             World::BySupportMeeting("m-1")));
  MeetingConcluded direction = w.Conclude("m-1");
  direction.support_direction = "アウトリーチで関係構築を図る";
  x.concluded = w.Must("st-sec", direction);
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-x"), OutreachActivity::kPreparation, "事前調整"});
  return x;
}

}  // namespace kasane::domain::testing

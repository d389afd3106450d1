// The three worked examples of DOMAIN.md (from seed 004 and seed 001), replayed end to end
// through Decide and Evolve, as the API will run them (tests/domain/worked_examples.h).
#include <gtest/gtest.h>

#include "domain/decide.h"
#include "domain/scope_policy.h"
#include "tests/domain/fixture.h"
#include "tests/domain/worked_examples.h"

namespace kasane::domain {
namespace {

using testing::Kinds;
using testing::World;
using K = InformationKind;

int CountType(const std::vector<DomainEvent>& log, std::string_view type) {
  int n = 0;
  for (const DomainEvent& e : log) n += TypeOf(e.payload) == type ? 1 : 0;
  return n;
}

// 8050: father 79 (needs care, must go to hospital), son 51 (withdrawn 20+ years). The father's
// care manager refers to coordination; the plan covers meals for the son during the father's
// stay, outreach to the son then participation support, and home care for the father.
TEST(ScenarioTest, The8050Household) {
  World w;
  const testing::The8050Household x = testing::Build8050Household(w);

  const PlanBody& body = std::get<PlanDrafted>(x.drafted.payload).body;
  EXPECT_EQ(body.monitoring_due, AddMonths(x.drafted_at, 3));
  EXPECT_EQ(body.evaluation_due, AddMonths(x.drafted_at, 6));
  // The discharge outlook inside m-plan reaches every member but the discloser.
  EXPECT_EQ(std::get<DisclosureMade>(x.discharge.payload).recipients.size(),
            x.plan_members.size() - 1);
  EXPECT_EQ(std::get<DisclosureRefused>(x.refused_notes.payload).rule, kRuleConsentScope);

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
  EXPECT_EQ(w.See("st-helper", x.discharge).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-audit", x.discharge).level, ScopeLevel::kMetadataOnly);
  EXPECT_EQ(w.See("st-hw", x.discharge).level, ScopeLevel::kNothing);
  // After termination the care manager (伴走支援) still reads the father's plan under consent.
  EXPECT_EQ(w.See("st-cm", x.drafted).level, ScopeLevel::kFull);
}

// Four people: father 47 (gambling, unemployed), mother 45 (arrears), son 22 (suspected
// disability), daughter 14 (truancy). The daughter's teacher refers. Each person's consent
// names only the agencies that person's part of the plan needs.
TEST(ScenarioTest, TheFourPersonHousehold) {
  World w;
  const testing::TheFourPersonHousehold x = testing::BuildFourPersonHousehold(w);

  // Need to know through plan roles: Hello Work reads the father's employment disclosure
  // (recipient) but not the son's disability assessment; the disability centre reads it.
  EXPECT_EQ(w.See("st-hw", x.father_work).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-hw", x.son_assessment).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-shougai", x.son_assessment).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-minsei", x.son_assessment).level, ScopeLevel::kNothing);

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
  const testing::TheSupportMeetingCase x = testing::BuildSupportMeetingTaxRefusal(w);

  const auto& refused = std::get<DisclosureRefused>(x.refusal.payload);
  EXPECT_EQ(refused.attempted_by_agency, AgencyId("ag-tax"));
  EXPECT_EQ(refused.kinds, Kinds({K::kTax}));
  ASSERT_TRUE(x.tax.rejection.has_value());
  EXPECT_EQ(RejectionStatus(*x.tax.rejection).code(), StatusCode::kFailedPrecondition);

  const CaseState& s = w.state;
  ASSERT_EQ(s.disclosures.size(), 3u);
  ASSERT_EQ(s.refusals.size(), 1u);
  EXPECT_EQ(s.refusals[0].rule, kRuleTaxConsent);
  EXPECT_TRUE(s.consents.empty());
  EXPECT_TRUE(s.meetings.at(MeetingId("m-1")).concluded());
  for (const DisclosureState& d : s.disclosures) EXPECT_FALSE(d.kinds.Contains(K::kTax));
  EXPECT_EQ(Replay(w.log), s);

  EXPECT_EQ(w.See("st-water", x.minsei).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-tax", x.water).level, ScopeLevel::kFull);  // a member under 守秘義務
  EXPECT_EQ(w.See("st-msw", x.minsei).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-msw", x.water).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-msw", x.later).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-teacher", x.water).level, ScopeLevel::kNothing);
  // The auditor sees that the tax division tried and was refused, not more.
  EXPECT_EQ(w.See("st-audit", x.refusal).level, ScopeLevel::kMetadataOnly);
}

}  // namespace
}  // namespace kasane::domain

// The 守秘義務 rules of DOMAIN.md, each tried both ways: a refusal and the allowed path.
#include "domain/decide.h"

#include <gtest/gtest.h>

#include "tests/domain/fixture.h"

namespace kasane::domain {
namespace {

using testing::kDay;
using testing::Kinds;
using testing::World;
using K = InformationKind;

int CountTypeInLog(const std::vector<DomainEvent>& log, std::string_view type) {
  int n = 0;
  for (const DomainEvent& e : log) n += TypeOf(e.payload) == type ? 1 : 0;
  return n;
}

// A case opened by the care manager: the father (main person) and his son. The father consents
// to the coordinator, the hospital and the home-help provider seeing care, health and plan
// information.
class DecideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    w.OpenCase("st-cm", {{"p-father", Relation::kSelf}, {"p-son", Relation::kChild}});
    consent = World::ConsentFor("cn-1", "p-father",
                                {"ag-takikan", "ag-hospital", "ag-homehelp", "ag-kyotaku"},
                                Kinds({K::kIdentity, K::kHealth, K::kCare, K::kHousehold, K::kPlan,
                                       K::kNotes, K::kAssessment}));
    w.Must("st-cm", consent);
  }

  // A 支援会議 convened by the secretariat with the given members, none acknowledged yet.
  void ConveneSupportMeeting(const std::string& id, std::vector<std::string> members) {
    w.Must("st-sec", w.Meeting(id, MeetingKind::kSupportMeeting, std::nullopt, "st-sec", members));
  }

  World w;
  ConsentRecorded consent;
};

// ---------------------------------------------------------------------------------------------
// Rule 1: events are immutable; corrections name the corrected event.

TEST_F(DecideTest, CorrectionNamingAnEventOutsideTheCaseIsRefused) {
  CorrectionRecorded c{EventId::FromNumber(999'999), PersonId("p-father"), "誤記", "正しい内容"};
  w.MustRefuse("st-cm", c, kRuleImmutable);
  EXPECT_TRUE(w.state.corrections.empty());
}

TEST_F(DecideTest, CorrectionIsAppendedAndTheCorrectedEventStaysAsRecorded) {
  const DomainEvent original = w.log.front();
  const size_t before = w.log.size();
  w.Must("st-cm", CorrectionRecorded{original.id, PersonId("p-father"), "誤記", "正しい内容"});
  ASSERT_EQ(w.log.size(), before + 1);
  EXPECT_EQ(w.log.front(), original);
  ASSERT_EQ(w.state.corrections.size(), 1u);
  EXPECT_EQ(w.state.corrections[0].corrects, original.id);
  EXPECT_EQ(w.state.FindEvent(original.id)->type, "case.opened");
}

TEST_F(DecideTest, RecordingAConsentUnderAnExistingIdIsRefused) {
  ConsentRecorded again = consent;
  again.kinds.Insert(K::kTax);
  w.MustRefuse("st-cm", again, kRuleImmutable);
  EXPECT_FALSE(w.state.FindConsent(ConsentId("cn-1"))->consent.kinds.Contains(K::kTax));
}

TEST_F(DecideTest, ReopeningAnOpenedCaseIsRefused) {
  CaseOpened o = std::get<CaseOpened>(w.log.front().payload);
  w.MustRefuse("st-cm", o, kRuleImmutable);
}

TEST_F(DecideTest, ReplayingTheLogRebuildsTheSameState) {
  w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                             {World::To("ag-hospital")}));
  EXPECT_EQ(Replay(w.log), w.state);
}

// ---------------------------------------------------------------------------------------------
// Rule 2: every disclosure has a legal basis on record; a refusal is itself recorded.

TEST_F(DecideTest, DisclosureWithoutBasisIsRefusedAndTheRefusalIsRecorded) {
  DisclosureMade d = w.Disclose("st-cm", "p-father", Kinds({K::kHealth}),
                                World::ByConsent("cn-unknown"), {World::To("ag-hospital")});
  Decision decision = w.MustRefuse("st-cm", d, kRuleDisclosureBasis);
  ASSERT_EQ(decision.events.size(), 1u);
  const auto* refused = std::get_if<DisclosureRefused>(&decision.events[0].payload);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->attempted_by_staff, StaffId("st-cm"));
  EXPECT_EQ(refused->attempted_by_agency, AgencyId("ag-kyotaku"));
  EXPECT_EQ(refused->subject, PersonId("p-father"));
  EXPECT_EQ(refused->kinds, Kinds({K::kHealth}));
  EXPECT_EQ(refused->rule, kRuleDisclosureBasis);
  EXPECT_TRUE(PersonalFieldsOf(decision.events[0].payload).empty());  // content is not kept
  EXPECT_EQ(decision.events[0].occurred_at, w.now - testing::kSecond);
  ASSERT_EQ(w.state.refusals.size(), 1u);
  EXPECT_TRUE(w.state.disclosures.empty());
  ASSERT_TRUE(decision.rejection.has_value());
  EXPECT_EQ(RejectionStatus(*decision.rejection).code(), StatusCode::kFailedPrecondition);
}

TEST_F(DecideTest, DisclosureWithAMissingBasisIsRefused) {
  ReferralMade r{ReferralId("r-1"),
                 AgencyId("ag-kyotaku"),
                 AgencyId("ag-takikan"),
                 ProgrammePart::kMultiAgencyCoordination,
                 HandoffMoment::kReferralToCoordination,
                 PersonId("p-father"),
                 "複合課題",
                 Kinds({K::kCare}),
                 std::nullopt};
  Decision d = w.MustRefuse("st-cm", r, kRuleDisclosureBasis);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(TypeOf(d.events[0].payload), "disclosure.refused");
  EXPECT_TRUE(w.state.referrals.empty());
}

TEST_F(DecideTest, DisclosureNamingAMeetingNotHeldIsRefused) {
  w.MustRefuse(
      "st-water",
      w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::BySupportMeeting("m-none")),
      kRuleDisclosureBasis);
}

TEST_F(DecideTest, DisclosureUnderConsentIsRecordedWithItsBasis) {
  DomainEvent e = w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kCare}),
                                             World::ByConsent("cn-1"), {World::To("ag-hospital")}));
  ASSERT_EQ(w.state.disclosures.size(), 1u);
  EXPECT_EQ(w.state.disclosures[0].basis.consent, ConsentId("cn-1"));
  EXPECT_EQ(w.state.disclosures[0].event, e.id);
}

TEST_F(DecideTest, ReferralPassingInformationUnderConsentIsAllowed) {
  ReferralMade r{ReferralId("r-1"),
                 AgencyId("ag-kyotaku"),
                 AgencyId("ag-takikan"),
                 ProgrammePart::kMultiAgencyCoordination,
                 HandoffMoment::kReferralToCoordination,
                 PersonId("p-father"),
                 "複合課題",
                 Kinds({K::kCare}),
                 World::ByConsent("cn-1")};
  w.Must("st-cm", r);
  ASSERT_EQ(w.state.disclosures.size(), 1u);
  EXPECT_EQ(w.state.referrals.at(ReferralId("r-1")).status, ReferralStatus::kPending);
  w.MustRefuse("st-hw", ReferralAccepted{ReferralId("r-1")}, kRuleRole);
  w.Must("st-coord", ReferralAccepted{ReferralId("r-1")});
  EXPECT_EQ(w.state.referrals.at(ReferralId("r-1")).status, ReferralStatus::kAccepted);
  w.Must("st-coord", ReferralReturned{ReferralId("r-1"), AgencyId("ag-kyotaku"),
                                      AgencyId("ag-kyotaku"), HandoffMoment::kReturnToReferrer,
                                      PersonId("p-father"), "主担当として継続"});
  EXPECT_EQ(w.state.lead_agency, AgencyId("ag-kyotaku"));
}

TEST_F(DecideTest, UrgentCaseBasisWithoutAnUrgentDecisionIsRefused) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.Must("st-sec", w.Conclude("m-1", /*urgent=*/false));
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::ByUrgentCase("m-1"),
                          {World::To("ag-minsei")}),
               kRuleDisclosureBasis);
}

TEST_F(DecideTest, UrgentCaseDecidedInASupportMeetingIsABasisForItsMembers) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.Must("st-sec", w.Conclude("m-1", /*urgent=*/true));
  w.Must("st-water", w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                                World::ByUrgentCase("m-1"), {World::To("ag-minsei")}));
  // An agency that was not in the meeting is still outside the basis.
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::ByUrgentCase("m-1"),
                          {World::To("ag-school")}),
               kRuleMeetingScope);
}

TEST_F(DecideTest, BasisTheMunicipalityDoesNotAcceptIsRefused) {
  w.settings.accepted_bases = {BasisKind::kConsent, BasisKind::kSupportMeeting};
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.Must("st-sec", w.Conclude("m-1", /*urgent=*/true));
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::ByUrgentCase("m-1"),
                          {World::To("ag-minsei")}),
               kRuleBasisNotAccepted);
  w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                             {World::To("ag-hospital")}));
}

// ---------------------------------------------------------------------------------------------
// Rule 3: consent scope and consent in force at that moment.

TEST_F(DecideTest, DisclosureInsideTheConsentScopeIsAllowed) {
  w.Must("st-cm",
         w.Disclose("st-cm", "p-father", Kinds({K::kCare, K::kHealth}), World::ByConsent("cn-1"),
                    {World::To("ag-hospital"), World::To("ag-homehelp")}));
}

TEST_F(DecideTest, DisclosureToAnAgencyTheConsentDoesNotNameIsRefused) {
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                          {World::To("ag-hellowork")}),
               kRuleConsentScope);
}

TEST_F(DecideTest, DisclosureOfAKindTheConsentDoesNotNameIsRefused) {
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kFinance}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleConsentScope);
}

TEST_F(DecideTest, DisclosureForAPurposeTheConsentDoesNotNameIsRefused) {
  ConsentRecorded narrow = World::ConsentFor("cn-2", "p-son", {"ag-hospital"}, Kinds({K::kHealth}));
  narrow.purposes = {Purpose::kAssessment};
  w.Must("st-cm", narrow);
  DisclosureMade d = w.Disclose("st-cm", "p-son", Kinds({K::kHealth}), World::ByConsent("cn-2"),
                                {World::To("ag-hospital")});
  w.MustRefuse("st-cm", d, kRuleConsentScope);
  d.purpose = Purpose::kAssessment;
  w.Must("st-cm", d);
}

TEST_F(DecideTest, ConsentOfAnotherPersonIsNoBasis) {
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-son", Kinds({K::kCare}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleConsentScope);
}

TEST_F(DecideTest, DisclosureAfterConsentWithdrawalIsRefusedAndEarlierOnesRemain) {
  w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                             {World::To("ag-hospital")}));
  DomainEvent earlier = w.log.back();
  w.Must("st-cm", ConsentWithdrawn{ConsentId("cn-1"), PersonId("p-father"), "撤回"});
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleConsentScope);
  ASSERT_EQ(w.state.disclosures.size(), 1u);
  EXPECT_EQ(w.state.disclosures[0].event, earlier.id);
  // The hospital still sees what it lawfully received before the withdrawal.
  EXPECT_EQ(w.See("st-msw", earlier).level, ScopeLevel::kFull);
}

TEST_F(DecideTest, DisclosureOutsideTheConsentWindowIsRefused) {
  ConsentRecorded c = World::ConsentFor("cn-2", "p-son", {"ag-hospital"}, Kinds({K::kHealth}));
  c.valid_from = w.now + 10 * kDay;
  c.valid_until = w.now + 20 * kDay;
  w.Must("st-cm", c);
  auto disclose = [&] {
    return w.Disclose("st-cm", "p-son", Kinds({K::kHealth}), World::ByConsent("cn-2"),
                      {World::To("ag-hospital")});
  };
  w.MustRefuse("st-cm", disclose(), kRuleConsentScope);  // not yet valid
  w.AdvanceDays(15);
  w.Must("st-cm", disclose());
  w.AdvanceDays(10);
  w.MustRefuse("st-cm", disclose(), kRuleConsentScope);  // expired
}

TEST_F(DecideTest, DenyingConsentIsNoBasis) {
  ConsentRecorded c = World::ConsentFor("cn-2", "p-son", {"ag-hospital"}, Kinds({K::kHealth}));
  c.decision = ConsentDecision::kDeny;
  w.Must("st-cm", c);
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-son", Kinds({K::kHealth}), World::ByConsent("cn-2"),
                          {World::To("ag-hospital")}),
               kRuleConsentScope);
}

TEST_F(DecideTest, ProxyConsentIsABasisWhenItNamesTheProxysRelation) {
  ConsentRecorded c = World::ConsentFor("cn-2", "p-son", {"ag-hospital"}, Kinds({K::kHealth}));
  c.grantor = Grantor::kProxy;
  Result<Decision> malformed = w.Try("st-cm", c);
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  c.proxy_relation = Relation::kParent;
  c.proxy_name = "代理人 氏名";
  w.Must("st-cm", c);
  w.Must("st-cm", w.Disclose("st-cm", "p-son", Kinds({K::kHealth}), World::ByConsent("cn-2"),
                             {World::To("ag-hospital")}));
}

// ---------------------------------------------------------------------------------------------
// Rule 4: 支援会議 disclosures reach only members who acknowledged confidentiality before.

TEST_F(DecideTest, MeetingDisclosureToAMemberWhoHasNotAcknowledgedIsRefused) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water", "st-houkatsu"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                          World::BySupportMeeting("m-1"), {w.ToMember("st-houkatsu")}),
               kRuleMeetingScope);
}

TEST_F(DecideTest, MeetingDisclosureGoesOnlyToMembersWhoAcknowledged) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water", "st-houkatsu"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  DomainEvent e = w.Must("st-water", w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                                                World::BySupportMeeting("m-1")));
  const auto& made = std::get<DisclosureMade>(e.payload);
  ASSERT_EQ(made.recipients.size(), 1u);
  EXPECT_EQ(made.recipients[0], w.ToMember("st-minsei"));
  EXPECT_EQ(w.See("st-minsei", e).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-houkatsu", e).level, ScopeLevel::kNothing);
}

TEST_F(DecideTest, DiscloserWhoHasNotAcknowledgedMayNotDisclose) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.MustRefuse(
      "st-water",
      w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::BySupportMeeting("m-1")),
      kRuleMeetingScope);
}

TEST_F(DecideTest, NonMemberCannotBeNamedAsRecipient) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                          World::BySupportMeeting("m-1"), {w.ToMember("st-teacher")}),
               kRuleMeetingScope);
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                          World::BySupportMeeting("m-1"), {World::To("ag-minsei")}),
               kRuleMeetingScope);  // an agency as a whole is not a member
}

TEST_F(DecideTest, LateJoinerReceivesNothingDisclosedBeforeTheyJoined) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  DomainEvent before = w.Must("st-water", w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                                                     World::BySupportMeeting("m-1")));
  w.Must("st-sec", MeetingMemberJoined{MeetingId("m-1"), w.MemberOf("st-houkatsu")});
  w.Must("st-houkatsu", World::Ack("m-1", w, "st-houkatsu"));
  DomainEvent after = w.Must("st-minsei", w.Disclose("st-minsei", "p-father", Kinds({K::kNotes}),
                                                     World::BySupportMeeting("m-1")));
  EXPECT_EQ(w.See("st-houkatsu", before).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-houkatsu", after).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-houkatsu", after).reason, kReasonMeetingMember);
  // Nor the minutes, which summarise what was disclosed before they joined.
  DomainEvent minutes = w.Must("st-sec", w.Conclude("m-1"));
  EXPECT_EQ(w.See("st-houkatsu", minutes).level, ScopeLevel::kNothing);
  EXPECT_EQ(w.See("st-minsei", minutes).level, ScopeLevel::kFull);
}

TEST_F(DecideTest, MemberWhoLeftReceivesNothingDisclosedAfterLeaving) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water", "st-houkatsu"});
  for (const char* s : {"st-minsei", "st-water", "st-houkatsu"}) w.Must(s, World::Ack("m-1", w, s));
  w.Must("st-sec", MeetingMemberLeft{MeetingId("m-1"), StaffId("st-houkatsu")});
  w.MustRefuse("st-water",
               w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                          World::BySupportMeeting("m-1"), {w.ToMember("st-houkatsu")}),
               kRuleMeetingScope);
  DomainEvent e = w.Must("st-water", w.Disclose("st-water", "p-father", Kinds({K::kFinance}),
                                                World::BySupportMeeting("m-1")));
  EXPECT_EQ(std::get<DisclosureMade>(e.payload).recipients.size(), 1u);
  EXPECT_EQ(w.See("st-houkatsu", e).level, ScopeLevel::kNothing);
}

TEST_F(DecideTest, DisclosureAfterTheMeetingConcludedIsRefused) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-water", World::Ack("m-1", w, "st-water"));
  w.Must("st-sec", w.Conclude("m-1"));
  w.MustRefuse(
      "st-water",
      w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::BySupportMeeting("m-1")),
      kRuleMeetingScope);
}

TEST_F(DecideTest, ConsentDisclosureInAMeetingReachesOnlyAgenciesTheConsentNames) {
  w.Must("st-coord",
         w.Meeting("m-1", MeetingKind::kMultiLayeredSupportMeeting, MeetingPurpose::kPlanChange,
                   "st-coord", {"st-msw", "st-helper", "st-hw"}));
  for (const char* s : {"st-msw", "st-helper", "st-hw"}) w.Must(s, World::Ack("m-1", w, s));
  // Every acknowledged member would receive; Hello Work is not named by the consent.
  w.MustRefuse("st-msw",
               w.Disclose("st-msw", "p-father", Kinds({K::kHealth}),
                          World::ByConsentInMeeting("cn-1", "m-1")),
               kRuleConsentScope);
  DomainEvent e = w.Must(
      "st-msw", w.Disclose("st-msw", "p-father", Kinds({K::kHealth}),
                           World::ByConsentInMeeting("cn-1", "m-1"), {w.ToMember("st-helper")}));
  EXPECT_EQ(w.See("st-helper", e).level, ScopeLevel::kFull);
  EXPECT_EQ(w.See("st-hw", e).level, ScopeLevel::kNothing);
}

TEST_F(DecideTest, MembersAcknowledgeConfidentialityOnlyForThemselves) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-water"});
  w.MustRefuse("st-water", World::Ack("m-1", w, "st-minsei"), kRuleRole);
  w.MustRefuse("st-teacher", World::Ack("m-1", w, "st-teacher"), kRuleMeetingScope);
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
}

// ---------------------------------------------------------------------------------------------
// Rule 5: tax information only with consent naming it, even in a 支援会議.

TEST_F(DecideTest, DisclosureOfTaxInfoWithoutConsentIsRefused) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-tax"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-tax", World::Ack("m-1", w, "st-tax"));
  Decision d = w.MustRefuse(
      "st-tax", w.Disclose("st-tax", "p-father", Kinds({K::kTax}), World::BySupportMeeting("m-1")),
      kRuleTaxConsent);
  EXPECT_EQ(d.events.size(), 1u);
  ASSERT_FALSE(w.state.refusals.empty());
  EXPECT_EQ(w.state.refusals.back().rule, kRuleTaxConsent);
}

TEST_F(DecideTest, TaxInfoUnderConsentNamingTaxIsAllowedEvenInASupportMeeting) {
  w.Must("st-cm", World::ConsentFor("cn-tax", "p-father", {"ag-minsei"}, Kinds({K::kTax})));
  ConveneSupportMeeting("m-1", {"st-minsei", "st-tax"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-tax", World::Ack("m-1", w, "st-tax"));
  w.Must("st-tax",
         w.Disclose("st-tax", "p-father", Kinds({K::kTax}), World::BySupportMeeting("m-1")));
}

TEST_F(DecideTest, ConsentThatDoesNotNameTaxDoesNotCoverTax) {
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kTax}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleTaxConsent);
  ConsentRecorded with_tax =
      World::ConsentFor("cn-2", "p-father", {"ag-hospital"}, Kinds({K::kTax, K::kFinance}));
  w.Must("st-cm", with_tax);
  w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kTax}), World::ByConsent("cn-2"),
                             {World::To("ag-hospital")}));
}

TEST_F(DecideTest, WhatTheTaxDivisionDisclosesCountsAsTaxWhateverKindItNames) {
  ConveneSupportMeeting("m-1", {"st-minsei", "st-tax"});
  w.Must("st-minsei", World::Ack("m-1", w, "st-minsei"));
  w.Must("st-tax", World::Ack("m-1", w, "st-tax"));
  w.MustRefuse(
      "st-tax",
      w.Disclose("st-tax", "p-father", Kinds({K::kFinance}), World::BySupportMeeting("m-1")),
      kRuleTaxConsent);
  // The water division's arrears are not tax information.
  w.MustRefuse(
      "st-water",
      w.Disclose("st-water", "p-father", Kinds({K::kFinance}), World::BySupportMeeting("m-1")),
      kRuleMeetingScope);  // (not a member: refused for rule 4, not rule 5)
}

// ---------------------------------------------------------------------------------------------
// Rule 6: plan decisions only through a concluded 重層的支援会議 of the matching purpose, with
// consent in force.

class PlanTest : public DecideTest {
 protected:
  void SetUp() override {
    DecideTest::SetUp();
    w.Must("st-coord", w.Draft("pl-1", 1, {"ag-hospital", "ag-homehelp"}));
  }
};

TEST_F(PlanTest, PlanApprovalWithoutAMeetingIsRefused) {
  w.MustRefuse("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-none")}, kRulePlanMeeting);
  EXPECT_EQ(w.state.plan->status, PlanStatus::kDrafted);
}

TEST_F(PlanTest, PlanApprovalAtASupportMeetingIsRefused) {
  ConveneSupportMeeting("m-s", {"st-msw"});
  w.Must("st-sec", w.Conclude("m-s"));
  w.MustRefuse("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-s")}, kRulePlanMeeting);
}

TEST_F(PlanTest, PlanApprovalAtAMeetingOfAnotherPurposeIsRefused) {
  w.HoldMultiLayeredMeeting("m-x", MeetingPurpose::kPlanChange, {"st-msw"});
  w.MustRefuse("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-x")}, kRulePlanMeeting);
}

TEST_F(PlanTest, PlanApprovalBeforeTheMeetingConcludesIsRefused) {
  w.Must("st-coord", w.Meeting("m-1", MeetingKind::kMultiLayeredSupportMeeting,
                               MeetingPurpose::kPlanCreation, "st-coord", {"st-msw"}));
  w.MustRefuse("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")}, kRulePlanMeeting);
}

TEST_F(PlanTest, PlanApprovalAfterConsentWithdrawalIsRefused) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw"});
  w.Must("st-cm", ConsentWithdrawn{ConsentId("cn-1"), PersonId("p-father"), "撤回"});
  w.MustRefuse("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")}, kRulePlanMeeting);
}

TEST_F(PlanTest, PlanApprovedAtAConcludedPlanCreationMeetingIsAllowed) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw", "st-helper"});
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")});
  EXPECT_EQ(w.state.plan->status, PlanStatus::kApproved);
  EXPECT_TRUE(w.state.plan->HasRole(AgencyId("ag-homehelp")));
}

TEST_F(PlanTest, MultiLayeredMeetingForACaseWithoutConsentIsRefused) {
  w.Must("st-cm", ConsentWithdrawn{ConsentId("cn-1"), PersonId("p-father"), "撤回"});
  w.MustRefuse("st-coord",
               w.Meeting("m-1", MeetingKind::kMultiLayeredSupportMeeting,
                         MeetingPurpose::kPlanCreation, "st-coord", {"st-msw"}),
               kRuleMeetingConsent);
  // A 支援会議 needs no consent.
  ConveneSupportMeeting("m-2", {"st-msw"});
}

TEST_F(PlanTest, PlanChangeNeedsAPlanChangeMeeting) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw"});
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")});
  PlanRevised rev{PlanId("pl-1"), 2, MeetingId("m-1"), PersonId("p-father"),
                  w.Draft("pl-1", 2, {"ag-hospital"}).body};
  w.MustRefuse("st-coord", rev, kRulePlanMeeting);
  w.HoldMultiLayeredMeeting("m-2", MeetingPurpose::kPlanChange, {"st-msw"});
  rev.meeting = MeetingId("m-2");
  w.Must("st-coord", rev);
  EXPECT_EQ(w.state.plan->approved_version, 2u);
  EXPECT_FALSE(w.state.plan->HasRole(AgencyId("ag-homehelp")));
}

TEST_F(PlanTest, TerminationNeedsATerminationMeetingAndNamesTheAccompanyingAgency) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw"});
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")});
  SupportTerminated t{PlanId("pl-1"), MeetingId("m-1"), AgencyId("ag-kyotaku"),
                      PersonId("p-father"), "目標達成"};
  w.MustRefuse("st-coord", t, kRulePlanMeeting);
  w.HoldMultiLayeredMeeting("m-3", MeetingPurpose::kTermination, {"st-msw"});
  t.meeting = MeetingId("m-3");
  w.Must("st-coord", t);
  EXPECT_EQ(w.state.plan->status, PlanStatus::kTerminated);
  EXPECT_EQ(w.state.plan->accompanying_agency, AgencyId("ag-kyotaku"));
}

TEST_F(PlanTest, SuspensionNeedsASuspensionMeetingAndResumptionRestoresThePlan) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw"});
  w.Must("st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")});
  SupportSuspended s{PlanId("pl-1"), MeetingId("m-1"), PersonId("p-father"), "連絡途絶"};
  w.MustRefuse("st-coord", s, kRulePlanMeeting);
  w.HoldMultiLayeredMeeting("m-4", MeetingPurpose::kSuspension, {"st-msw"});
  s.meeting = MeetingId("m-4");
  w.Must("st-coord", s);
  EXPECT_EQ(w.state.plan->status, PlanStatus::kSuspended);
  w.Must("st-coord", SupportResumed{PlanId("pl-1"), PersonId("p-father"), "連絡再開"});
  EXPECT_EQ(w.state.plan->status, PlanStatus::kApproved);
}

TEST_F(PlanTest, CaseworkersDoNotDecidePlans) {
  w.HoldMultiLayeredMeeting("m-1", MeetingPurpose::kPlanCreation, {"st-msw"});
  w.MustRefuse("st-msw", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-1")}, kRuleRole);
}

// ---------------------------------------------------------------------------------------------
// 利用停止: no further disclosure after usage suspension.

TEST_F(DecideTest, DisclosureAfterUsageSuspensionIsRefused) {
  w.Must("st-cm", UsageSuspensionRequested{RequestId("rq-1"), PersonId("p-father"), "利用停止"});
  // Requested, not yet applied: sharing under consent continues.
  w.Must("st-cm", w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                             {World::To("ag-hospital")}));
  w.MustRefuse("st-cm", UsageSuspensionApplied{RequestId("rq-1"), PersonId("p-father")}, kRuleRole);
  w.Must("st-sec", UsageSuspensionApplied{RequestId("rq-1"), PersonId("p-father")});
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleUsageSuspension);
  ASSERT_FALSE(w.state.refusals.empty());
  EXPECT_EQ(w.state.refusals.back().rule, kRuleUsageSuspension);
}

TEST_F(DecideTest, UsageSuspensionOfOnePersonLeavesTheOthersDisclosable) {
  w.Must("st-cm", World::ConsentFor("cn-2", "p-son", {"ag-hospital"}, Kinds({K::kHealth})));
  w.Must("st-cm", UsageSuspensionRequested{RequestId("rq-1"), PersonId("p-father"), "利用停止"});
  w.Must("st-sec", UsageSuspensionApplied{RequestId("rq-1"), PersonId("p-father")});
  w.Must("st-cm", w.Disclose("st-cm", "p-son", Kinds({K::kHealth}), World::ByConsent("cn-2"),
                             {World::To("ag-hospital")}));
}

// ---------------------------------------------------------------------------------------------
// Rule 9: erasure.

TEST_F(DecideTest, ErasureNamesAPersonOfThisCase) {
  Result<Decision> d = w.Try("st-sec", PersonErased{PersonId("p-elsewhere"), "保存期間満了"});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("not a person of this case"), std::string::npos);
}

TEST_F(DecideTest, DisclosureOfAnErasedPersonIsRefused) {
  w.MustRefuse("st-cm", PersonErased{PersonId("p-father"), "保存期間満了"}, kRuleRole);
  w.Must("st-sec", PersonErased{PersonId("p-father"), "保存期間満了"});
  w.MustRefuse("st-cm",
               w.Disclose("st-cm", "p-father", Kinds({K::kCare}), World::ByConsent("cn-1"),
                          {World::To("ag-hospital")}),
               kRuleErased);
  w.MustRefuse("st-cm", AssessmentRecorded{PersonId("p-father"), Kinds({K::kCare}), "内容"},
               kRuleErased);
}

TEST_F(DecideTest, ErasureOfOnePersonLeavesTheOthersRecordable) {
  w.Must("st-sec", PersonErased{PersonId("p-father"), "保存期間満了"});
  w.Must("st-cm", AssessmentRecorded{PersonId("p-son"), Kinds({K::kHealth}), "内容"});
}

// ---------------------------------------------------------------------------------------------
// Who may record what.

TEST_F(DecideTest, AuditorsAndAppsRecordNothing) {
  Decision d = w.MustRefuse(
      "st-audit", OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "x"},
      kRuleRole);
  ASSERT_TRUE(d.rejection.has_value());
  EXPECT_EQ(RejectionStatus(*d.rejection).code(), StatusCode::kPermissionDenied);
}

TEST_F(DecideTest, UnregisteredOrDeactivatedStaffAreRefused) {
  w.MustRefuse("st-nobody",
               OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "x"},
               kRuleActor);
  DecisionContext ctx{w.now, w.directory, w.settings};
  Command deact{EventId::FromNumber(50'000), w.ActorOf("st-sec"), w.now,
                StaffDeactivated{StaffId("st-outreach"), "異動"}};
  Result<Decision> d = DecideAdmin(w.directory, deact, ctx);
  ASSERT_TRUE(d.ok() && d->accepted());
  w.directory = EvolveDirectory(w.directory, d->events[0]);
  w.MustRefuse("st-outreach",
               OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "x"},
               kRuleActor);
}

TEST_F(DecideTest, OnlyTheSecretariatMaintainsTheDirectoryAfterBootstrap) {
  DecisionContext ctx{w.now, w.directory, w.settings};
  Command c{EventId::FromNumber(50'001), w.ActorOf("st-coord"), w.now,
            AgencyRegistered{AgencyId("ag-new"), "新しい機関", AgencyKind::kOther, {}, {}}};
  Result<Decision> d = DecideAdmin(w.directory, c, ctx);
  ASSERT_TRUE(d.ok());
  ASSERT_FALSE(d->accepted());
  EXPECT_EQ(d->rejection->rule, kRuleRole);
  c.actor = w.ActorOf("st-sec");
  d = DecideAdmin(w.directory, c, ctx);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->accepted());
}

TEST_F(DecideTest, OnlyTheSecretariatConvenesASupportMeeting) {
  w.MustRefuse("st-coord",
               w.Meeting("m-1", MeetingKind::kSupportMeeting, std::nullopt, "st-coord", {}),
               kRuleRole);
  ConveneSupportMeeting("m-1", {"st-minsei"});
}

TEST_F(DecideTest, OutreachIsRecordedBeforeAnyConsent) {
  w.Must("st-outreach",
         OutreachRecorded{PersonId("p-son"), OutreachActivity::kRelationshipBuilding, "手紙"});
  EXPECT_EQ(w.state.outreach_activities, 1u);
  EXPECT_EQ(w.state.ConsentCovering(PersonId("p-son"), w.now, {}, KindSet(), std::nullopt),
            nullptr);
}

TEST_F(DecideTest, MalformedCommandsAreErrorsNotRejections) {
  EXPECT_EQ(w.Try("st-cm", AccessRecorded{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Try("st-cm", DisclosureRefused{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Try("st-cm", AgencyRegistered{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Try("st-cm", AssessmentRecorded{PersonId("p-stranger"), Kinds({K::kCare}), "x"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  CaseState empty;
  DecisionContext ctx{w.now, w.directory, w.settings};
  Command c{EventId::FromNumber(60'000), w.ActorOf("st-cm"), w.now,
            OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "x"}};
  EXPECT_EQ(Decide(empty, c, ctx).status().code(), StatusCode::kNotFound);
  c.occurred_at = w.now + kDay;
  EXPECT_EQ(Decide(w.state, c, ctx).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DecideTest, AccessRecordIsNotAcceptedIntoACaseStream) {
  AccessRecorded a{CaseId("c-1"),          StaffId("st-cm"),
                   AgencyId("ag-kyotaku"), Role::kCaseworker,
                   Kinds({K::kCare}),      std::string(kReasonRecordingAgency),
                   {w.log.front().id},     ""};
  Result<Decision> d = w.Try("st-cm", a);
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CountTypeInLog(w.log, AccessRecorded::kType), 0);
}

TEST_F(DecideTest, ReplayedCommandIdIsReportedAsAlreadyRecorded) {
  DecisionContext ctx{w.now, w.directory, w.settings};
  Command c{w.log.back().id, w.ActorOf("st-cm"), w.now,
            OutreachRecorded{PersonId("p-son"), OutreachActivity::kPreparation, "x"}};
  EXPECT_EQ(Decide(w.state, c, ctx).status().code(), StatusCode::kAlreadyExists);
}

TEST_F(DecideTest, IdentifiersCannotCarryNames) {
  EXPECT_EQ(w.Try("st-cm",
                  World::ConsentFor("同意 山田", "p-father", {"ag-hospital"}, Kinds({K::kHealth})))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kasane::domain

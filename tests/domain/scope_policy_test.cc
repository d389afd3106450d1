// The scope policy (rule 8) and access records (rule 7).
#include "domain/scope_policy.h"

#include <gtest/gtest.h>

#include <array>

#include "domain/case_state.h"

namespace kasane::domain {
namespace {

using K = InformationKind;
constexpr UnixNanos kDay = 86'400'000'000'000;
constexpr UnixNanos kT0 = 1'705'244'400'000'000'000;

enum class Relation8 {
  kNone,
  kRecordingAgency,
  kDisclosureRecipient,
  kMeetingMember,
  kLateJoiner,
  kPlanRole
};
enum class ConsentState8 { kNone, kInForce, kWithdrawn, kExpired };
enum class Expect { kFull, kFallback, kFullIfConsentCoversKind };

constexpr std::array kRelations = {
    Relation8::kNone,          Relation8::kRecordingAgency, Relation8::kDisclosureRecipient,
    Relation8::kMeetingMember, Relation8::kLateJoiner,      Relation8::kPlanRole};
constexpr std::array kConsents = {ConsentState8::kNone, ConsentState8::kInForce,
                                  ConsentState8::kWithdrawn, ConsentState8::kExpired};
constexpr std::array kRoles = {Role::kCaseworker, Role::kCoordinator, Role::kSecretariat,
                               Role::kAuditor, Role::kApp};

// What a staff principal (caseworker, coordinator, secretariat) sees, by relation and consent
// state (DOMAIN.md rule 8). "Fallback" is what staff without a relation see: metadata only for
// the secretariat, nothing for the others.
struct Row {
  Relation8 relation;
  std::array<Expect, 4> by_consent;  // none, in force, withdrawn, expired
};
constexpr Expect F = Expect::kFull;
constexpr Expect B = Expect::kFallback;
constexpr Expect C = Expect::kFullIfConsentCoversKind;
constexpr std::array<Row, 6> kStaffTable = {{
    {Relation8::kNone, {B, B, B, B}},
    {Relation8::kRecordingAgency, {F, F, F, F}},
    {Relation8::kDisclosureRecipient, {F, F, F, F}},
    {Relation8::kMeetingMember, {F, F, F, F}},
    {Relation8::kLateJoiner, {B, B, B, B}},
    {Relation8::kPlanRole, {B, C, B, B}},
}};

// The consent (when there is one) names the principal's agency and every kind except tax.
const KindSet kConsentKinds = KindSet::All().Minus(KindSet::Of({K::kTax}));
// The app's scope grants these kinds, with content.
const KindSet kAppKinds = KindSet::Of({K::kHealth, K::kCare, K::kPlan});

const AgencyId kP("ag-p");
const StaffId kPs("st-p");

// Builds the case log for one combination; the last event is the one evaluated: a disclosure
// about the father of `kind`.
class Scenario {
 public:
  Scenario(Relation8 relation, ConsentState8 consent, K kind) {
    Add("ag-intake", "st-intake", [] {
      CaseOpened o;
      o.case_id = CaseId("c-1");
      o.intake_agency = AgencyId("ag-intake");
      o.main_person = PersonId("p-father");
      o.members = {HouseholdMember{PersonId("p-father"), Relation::kSelf, {}},
                   HouseholdMember{PersonId("p-son"), Relation::kChild, {}}};
      return o;
    }());
    if (consent != ConsentState8::kNone) {
      ConsentRecorded c;
      c.consent = ConsentId("cn-1");
      c.subject = PersonId("p-father");
      c.recipients = {kP, AgencyId("ag-hospital")};
      c.kinds = kConsentKinds;
      c.purposes = {Purpose::kSupportDelivery, Purpose::kSupportPlanning};
      c.valid_from = kT0 - 10 * kDay;
      if (consent == ConsentState8::kExpired) c.valid_until = kT0 - kDay;
      Add("ag-intake", "st-intake", c);
      if (consent == ConsentState8::kWithdrawn) {
        Add("ag-intake", "st-intake",
            ConsentWithdrawn{ConsentId("cn-1"), PersonId("p-father"), ""});
      }
    }
    DisclosureMade d;
    d.subject = PersonId("p-father");
    d.discloser_agency = AgencyId("ag-water");
    d.discloser_staff = StaffId("st-water");
    d.kinds = KindSet::Of({kind});
    d.basis = DisclosureBasis{BasisKind::kConsent, ConsentId("cn-1"), std::nullopt};
    d.recipients = {Recipient{AgencyId("ag-hospital"), std::nullopt}};
    d.content = "内容";
    std::string actor_agency = "ag-water";
    switch (relation) {
      case Relation8::kNone:
        break;
      case Relation8::kRecordingAgency:
        actor_agency = kP.value;
        d.discloser_agency = kP;
        d.discloser_staff = kPs;
        break;
      case Relation8::kDisclosureRecipient:
        d.recipients.push_back(Recipient{kP, std::nullopt});
        break;
      case Relation8::kMeetingMember:
      case Relation8::kLateJoiner: {
        MeetingConvened m;
        m.meeting = MeetingId("m-1");
        m.kind = MeetingKind::kSupportMeeting;
        m.chair = StaffId("st-sec");
        m.members = {MeetingMember{StaffId("st-water"), AgencyId("ag-water")},
                     MeetingMember{StaffId("st-other"), AgencyId("ag-other")}};
        if (relation == Relation8::kMeetingMember) m.members.push_back(MeetingMember{kPs, kP});
        Add("ag-sec", "st-sec", m);
        for (const MeetingMember& mm : m.members) {
          Add(mm.agency.value, mm.staff.value,
              ConfidentialityAcknowledged{m.meeting, mm.staff, mm.agency});
        }
        d.basis = DisclosureBasis{BasisKind::kSupportMeeting, std::nullopt, m.meeting};
        d.recipients = {Recipient{AgencyId("ag-other"), StaffId("st-other")}};
        if (relation == Relation8::kMeetingMember) d.recipients.push_back(Recipient{kP, kPs});
        break;
      }
      case Relation8::kPlanRole: {
        PlanDrafted p;
        p.plan = PlanId("pl-1");
        p.subject = PersonId("p-father");
        p.body.roles = {PlanRole{kP, "役割", {}}};
        Add("ag-coord", "st-coord", p);
        Add("ag-coord", "st-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-ml")});
        break;
      }
    }
    event_ = Add(actor_agency, d.discloser_staff.value, d);
    if (relation == Relation8::kLateJoiner) {
      Add("ag-sec", "st-sec", MeetingMemberJoined{MeetingId("m-1"), MeetingMember{kPs, kP}});
      Add(kP.value, kPs.value, ConfidentialityAcknowledged{MeetingId("m-1"), kPs, kP});
    }
  }

  const CaseState& state() const { return state_; }
  const DomainEvent& event() const { return event_; }
  void Erase(const PersonId& p) { Add("ag-sec", "st-sec", PersonErased{p, "保存期間満了"}); }

 private:
  DomainEvent Add(const std::string& agency, const std::string& staff, Payload p) {
    DomainEvent e{EventId::FromNumber(++n_), kT0 - kDay + static_cast<UnixNanos>(n_), kT0,
                  Actor{StaffId(staff), AgencyId(agency), Role::kCaseworker}, std::move(p)};
    state_ = Evolve(std::move(state_), e);
    return e;
  }
  uint64_t n_ = 0;
  CaseState state_;
  DomainEvent event_;
};

Principal PrincipalFor(Role role) {
  Principal p{kPs, kP, role, std::nullopt};
  if (role == Role::kApp) p.app_scope = AppScope{{}, kAppKinds, /*content=*/true};
  return p;
}

ScopeLevel Fallback(Role role) {
  return role == Role::kSecretariat ? ScopeLevel::kMetadataOnly : ScopeLevel::kNothing;
}

ScopeLevel Expected(Role role, size_t row, size_t consent_index, K kind) {
  if (role == Role::kAuditor) return ScopeLevel::kMetadataOnly;
  if (role == Role::kApp) {
    if (!kAppKinds.Contains(kind)) return ScopeLevel::kNothing;
    // Rule 4: what a 支援会議 shares goes to its members only; an app is no member.
    const Relation8 r = kStaffTable[row].relation;
    return r == Relation8::kMeetingMember || r == Relation8::kLateJoiner ? ScopeLevel::kMetadataOnly
                                                                         : ScopeLevel::kFull;
  }
  switch (kStaffTable[row].by_consent[consent_index]) {
    case Expect::kFull:
      return ScopeLevel::kFull;
    case Expect::kFallback:
      return Fallback(role);
    case Expect::kFullIfConsentCoversKind:
      return kConsentKinds.Contains(kind) ? ScopeLevel::kFull : Fallback(role);
  }
  return ScopeLevel::kNothing;
}

class ScopeTableTest : public ::testing::TestWithParam<Role> {};

TEST_P(ScopeTableTest, EveryRelationKindAndConsentStateCombination) {
  const Role role = GetParam();
  const Principal principal = PrincipalFor(role);
  int checked = 0;
  for (size_t row = 0; row < kStaffTable.size(); ++row) {
    ASSERT_EQ(kStaffTable[row].relation, kRelations[row]);
    for (size_t ci = 0; ci < kConsents.size(); ++ci) {
      for (K kind : AllKinds()) {
        Scenario s(kRelations[row], kConsents[ci], kind);
        ScopeDecision d = Evaluate(principal, s.state(), s.event(), kT0);
        EXPECT_EQ(d.level, Expected(role, row, ci, kind))
            << "role=" << EnumName(role) << " relation=" << row << " consent=" << ci
            << " kind=" << KindName(kind) << " reason=" << d.reason;
        EXPECT_FALSE(d.reason.empty());
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 6 * 4 * 14);
}

INSTANTIATE_TEST_SUITE_P(AllRoles, ScopeTableTest, ::testing::ValuesIn(kRoles),
                         [](const ::testing::TestParamInfo<Role>& info) {
                           return std::string(EnumName(info.param));
                         });

TEST(ScopePolicyTest, ReasonsNameTheRelation) {
  const Principal caseworker = PrincipalFor(Role::kCaseworker);
  auto reason = [&](Relation8 r) {
    Scenario s(r, ConsentState8::kInForce, K::kHealth);
    return Evaluate(caseworker, s.state(), s.event(), kT0).reason;
  };
  EXPECT_EQ(reason(Relation8::kRecordingAgency), kReasonRecordingAgency);
  EXPECT_EQ(reason(Relation8::kDisclosureRecipient), kReasonDisclosureRecipient);
  EXPECT_EQ(reason(Relation8::kMeetingMember), kReasonMeetingMember);
  EXPECT_EQ(reason(Relation8::kPlanRole), kReasonPlanRole);
  EXPECT_EQ(reason(Relation8::kNone), kReasonNoRelation);
  Scenario s(Relation8::kNone, ConsentState8::kInForce, K::kHealth);
  EXPECT_EQ(Evaluate(PrincipalFor(Role::kAuditor), s.state(), s.event(), kT0).reason,
            kReasonAuditor);
}

TEST(ScopePolicyTest, ErasedContentIsNothingForEveryoneButTheRecordRemainsForAuditors) {
  for (Role role : kRoles) {
    for (Relation8 relation : kRelations) {
      Scenario s(relation, ConsentState8::kInForce, K::kHealth);
      s.Erase(PersonId("p-father"));
      ScopeDecision d = Evaluate(PrincipalFor(role), s.state(), s.event(), kT0);
      EXPECT_EQ(d.reason, kReasonErased);
      EXPECT_EQ(d.level, role == Role::kAuditor ? ScopeLevel::kMetadataOnly : ScopeLevel::kNothing)
          << EnumName(role);
    }
  }
}

TEST(ScopePolicyTest, ErasingOnePersonLeavesTheOtherMembersReadable) {
  Scenario s(Relation8::kRecordingAgency, ConsentState8::kInForce, K::kHealth);
  s.Erase(PersonId("p-son"));
  EXPECT_EQ(Evaluate(PrincipalFor(Role::kCaseworker), s.state(), s.event(), kT0).level,
            ScopeLevel::kFull);
}

TEST(ScopePolicyTest, AppSeesOnlyTheCasesAndKindsItsScopeGrants) {
  Scenario s(Relation8::kNone, ConsentState8::kNone, K::kHealth);
  Principal app{StaffId(), AgencyId("ag-app"), Role::kApp,
                AppScope{{CaseId("c-other")}, KindSet::All(), true}};
  EXPECT_EQ(Evaluate(app, s.state(), s.event(), kT0).level, ScopeLevel::kNothing);
  app.app_scope->cases = {CaseId("c-1")};
  EXPECT_EQ(Evaluate(app, s.state(), s.event(), kT0).level, ScopeLevel::kFull);
  app.app_scope->content = false;  // a statistics app
  EXPECT_EQ(Evaluate(app, s.state(), s.event(), kT0).level, ScopeLevel::kMetadataOnly);
  app.app_scope.reset();
  EXPECT_EQ(Evaluate(app, s.state(), s.event(), kT0).level, ScopeLevel::kNothing);
}

TEST(ScopePolicyTest, PlanRoleEndsWithTerminationExceptForTheAccompanyingAgency) {
  Scenario s(Relation8::kPlanRole, ConsentState8::kInForce, K::kHealth);
  CaseState st = s.state();
  DomainEvent t{EventId::FromNumber(900), kT0, kT0,
                Actor{StaffId("st-coord"), AgencyId("ag-coord"), Role::kCoordinator},
                SupportTerminated{PlanId("pl-1"), MeetingId("m-t"), AgencyId("ag-accompany"),
                                  PersonId("p-father"), ""}};
  st = Evolve(std::move(st), t);
  EXPECT_EQ(Evaluate(PrincipalFor(Role::kCaseworker), st, s.event(), kT0).level,
            ScopeLevel::kNothing);
  Principal accompany{StaffId("st-a"), AgencyId("ag-accompany"), Role::kCaseworker, std::nullopt};
  EXPECT_EQ(Evaluate(accompany, st, s.event(), kT0).level, ScopeLevel::kNothing);  // no consent
}

TEST(ScopePolicyTest, AppsGetOnlyMetadataOfWhatASupportMeetingShared) {
  Scenario s(Relation8::kMeetingMember, ConsentState8::kNone, K::kHealth);
  Principal app{StaffId(), AgencyId("ag-app"), Role::kApp, AppScope{{}, KindSet::All(), true}};
  const ScopeDecision d = Evaluate(app, s.state(), s.event(), kT0);
  EXPECT_EQ(d.level, ScopeLevel::kMetadataOnly);
  EXPECT_EQ(d.reason, kReasonSupportMeeting);
  // The same disclosure under consent, outside any meeting: the app's scope decides.
  Scenario c(Relation8::kNone, ConsentState8::kInForce, K::kHealth);
  EXPECT_EQ(Evaluate(app, c.state(), c.event(), kT0).level, ScopeLevel::kFull);
}

// case.opened holds each member's profile as that member's own: a plan role reading it under the
// main person's consent does not get another member's profile without that member's consent.
TEST(ScopePolicyTest, APlanRoleReadsAnotherMembersProfileOnlyUnderTheirOwnConsent) {
  CaseState st;
  uint64_t n = 0;
  auto add = [&](const std::string& agency, Payload p) {
    DomainEvent e{EventId::FromNumber(++n), kT0 - kDay, kT0,
                  Actor{StaffId("st-" + agency), AgencyId(agency), Role::kCaseworker},
                  std::move(p)};
    st = Evolve(std::move(st), e);
    return e;
  };
  CaseOpened o;
  o.case_id = CaseId("c-1");
  o.intake_agency = AgencyId("ag-cm");
  o.main_person = PersonId("p-father");
  o.members = {HouseholdMember{PersonId("p-father"), Relation::kSelf, {"父", "", "", "", ""}},
               HouseholdMember{PersonId("p-son"), Relation::kChild, {"息子", "", "", "", ""}}};
  o.summary = "相談";
  const DomainEvent opened = add("ag-cm", o);
  auto consent = [&](const std::string& id, const std::string& subject) {
    ConsentRecorded c;
    c.consent = ConsentId(id);
    c.subject = PersonId(subject);
    c.decision = ConsentDecision::kPermit;
    c.recipients = {kP};
    c.kinds = KindSet::Of({K::kIdentity, K::kHousehold, K::kNotes});
    c.purposes = {Purpose::kSupportDelivery};
    c.valid_from = kT0 - 2 * kDay;
    return c;
  };
  add("ag-cm", consent("cn-f", "p-father"));
  PlanDrafted p;
  p.plan = PlanId("pl-1");
  p.subject = PersonId("p-father");
  p.body.roles = {PlanRole{kP, "役割", {}}};
  add("ag-coord", p);
  add("ag-coord", PlanApproved{PlanId("pl-1"), 1, MeetingId("m-ml")});

  const Principal role{kPs, kP, Role::kCaseworker, std::nullopt};
  const Principal recorder{StaffId("st-cm"), AgencyId("ag-cm"), Role::kCaseworker, std::nullopt};
  const ScopeDecision d = Evaluate(role, st, opened, kT0);
  ASSERT_EQ(d.level, ScopeLevel::kFull);
  ASSERT_EQ(d.reason, kReasonPlanRole);
  const PersonalField father{"members[0].profile", PersonId("p-father")};
  const PersonalField son{"members[1].profile", PersonId("p-son")};
  const PersonalField summary{"summary", PersonId("p-father")};
  EXPECT_TRUE(ShowsField(role, st, opened, d, father, kT0));
  EXPECT_TRUE(ShowsField(role, st, opened, d, summary, kT0));
  EXPECT_FALSE(ShowsField(role, st, opened, d, son, kT0));
  // The recording agency wrote all of it.
  const ScopeDecision r = Evaluate(recorder, st, opened, kT0);
  EXPECT_TRUE(ShowsField(recorder, st, opened, r, son, kT0));
  // The son's own consent naming the agency opens his profile.
  add("ag-cm", consent("cn-s", "p-son"));
  EXPECT_TRUE(ShowsField(role, st, opened, Evaluate(role, st, opened, kT0), son, kT0));
  // Erased: nobody, the recorder included.
  add("ag-sec", PersonErased{PersonId("p-son"), "保存期間満了"});
  EXPECT_FALSE(ShowsField(recorder, st, opened, Evaluate(recorder, st, opened, kT0), son, kT0));
  EXPECT_TRUE(ShowsField(recorder, st, opened, Evaluate(recorder, st, opened, kT0), father, kT0));
}

// ---------------------------------------------------------------------------------------------
// Rule 7: reading is recorded.

TEST(AccessRecordTest, ShowingPersonalContentProducesAnAccessRecord) {
  Scenario s(Relation8::kDisclosureRecipient, ConsentState8::kInForce, K::kHealth);
  const DomainEvent shown[] = {s.event()};
  std::optional<AccessRecorded> r =
      AccessRecordFor(PrincipalFor(Role::kCaseworker), s.state(), shown, kT0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->case_id, CaseId("c-1"));
  EXPECT_EQ(r->staff, kPs);
  EXPECT_EQ(r->agency, kP);
  EXPECT_EQ(r->role, Role::kCaseworker);
  EXPECT_EQ(r->kinds, KindSet::Of({K::kHealth}));
  EXPECT_EQ(r->basis, kReasonDisclosureRecipient);
  EXPECT_EQ(r->events, std::vector<EventId>{s.event().id});
  EXPECT_EQ(AccessRecorded::kType, "access.recorded");
}

TEST(AccessRecordTest, MetadataOnlyOrNothingShownNeedsNoAccessRecord) {
  Scenario s(Relation8::kNone, ConsentState8::kInForce, K::kHealth);
  const DomainEvent shown[] = {s.event()};
  EXPECT_FALSE(AccessRecordFor(PrincipalFor(Role::kAuditor), s.state(), shown, kT0).has_value());
  EXPECT_FALSE(AccessRecordFor(PrincipalFor(Role::kCaseworker), s.state(), shown, kT0).has_value());
}

TEST(AccessRecordTest, OnlyEventsShownInFullAreRecorded) {
  Scenario s(Relation8::kDisclosureRecipient, ConsentState8::kInForce, K::kHealth);
  const DomainEvent opened = [&] {
    DomainEvent e;
    e.id = EventId::FromNumber(1);
    e.actor = Actor{StaffId("st-intake"), AgencyId("ag-intake"), Role::kCaseworker};
    e.payload = CaseOpened{};
    return e;
  }();
  const DomainEvent shown[] = {opened, s.event()};
  std::optional<AccessRecorded> r =
      AccessRecordFor(PrincipalFor(Role::kCaseworker), s.state(), shown, kT0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events, std::vector<EventId>{s.event().id});  // not the case.opened it cannot see
  EXPECT_FALSE(r->kinds.Contains(K::kIdentity));
}

}  // namespace
}  // namespace kasane::domain

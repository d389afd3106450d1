#include "tests/domain/fixture.h"

namespace kasane::domain::testing {
namespace {

struct AgencySpec {
  const char* id;
  const char* name;
  AgencyKind kind;
};

// The municipality's agencies (支援関係機関) used across the tests.
const AgencySpec kAgencies[] = {
    {"ag-fukushi", "福祉政策課", AgencyKind::kMunicipalDivision},
    {"ag-takikan", "多機関協働事業 (社協)", AgencyKind::kSocialWelfareCouncil},
    {"ag-kyotaku", "居宅介護支援事業所", AgencyKind::kCareManagementOffice},
    {"ag-houkatsu", "地域包括支援センター", AgencyKind::kCommunityGeneralSupportCenter},
    {"ag-hospital", "市立病院 地域連携室", AgencyKind::kHospital},
    {"ag-homehelp", "訪問介護事業所", AgencyKind::kServiceProvider},
    {"ag-outreach", "アウトリーチ支援員 (社協)", AgencyKind::kSocialWelfareCouncil},
    {"ag-sanka", "参加支援 (社協)", AgencyKind::kSocialWelfareCouncil},
    {"ag-tax", "税務課", AgencyKind::kTaxDivision},
    {"ag-water", "水道課", AgencyKind::kMunicipalDivision},
    {"ag-minsei", "民生委員", AgencyKind::kWelfareCommissioner},
    {"ag-school", "市立中学校", AgencyKind::kSchool},
    {"ag-hellowork", "ハローワーク", AgencyKind::kHelloWork},
    {"ag-jiritsu", "自立相談支援機関", AgencyKind::kSelfRelianceSupport},
    {"ag-shougai", "基幹相談支援センター", AgencyKind::kDisabilityConsultation},
    {"ag-kodomo", "子ども家庭センター", AgencyKind::kChildFamilyCenter},
    {"ag-audit", "監査委員事務局", AgencyKind::kMunicipalDivision},
};

const StaffSpec kStaff[] = {
    {"st-sec", "ag-fukushi", Role::kSecretariat},
    {"st-coord", "ag-takikan", Role::kCoordinator},
    {"st-cm", "ag-kyotaku", Role::kCaseworker},
    {"st-houkatsu", "ag-houkatsu", Role::kCaseworker},
    {"st-msw", "ag-hospital", Role::kCaseworker},
    {"st-helper", "ag-homehelp", Role::kCaseworker},
    {"st-outreach", "ag-outreach", Role::kCaseworker},
    {"st-sanka", "ag-sanka", Role::kCaseworker},
    {"st-tax", "ag-tax", Role::kCaseworker},
    {"st-water", "ag-water", Role::kCaseworker},
    {"st-minsei", "ag-minsei", Role::kCaseworker},
    {"st-teacher", "ag-school", Role::kCaseworker},
    {"st-hw", "ag-hellowork", Role::kCaseworker},
    {"st-jiritsu", "ag-jiritsu", Role::kCaseworker},
    {"st-shougai", "ag-shougai", Role::kCaseworker},
    {"st-kodomo", "ag-kodomo", Role::kCaseworker},
    {"st-audit", "ag-audit", Role::kAuditor},
};

}  // namespace

World::World() {
  // The first agency and secretariat are registered at bootstrap; then the secretariat acts.
  Actor boot{StaffId("st-sec"), AgencyId("ag-fukushi"), Role::kSecretariat};
  auto admin = [&](Payload p) {
    DecisionContext ctx{now, directory, settings};
    Result<Decision> d =
        DecideAdmin(directory, Command{EventId::FromNumber(next_event++), boot, now, p}, ctx);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ASSERT_TRUE(d->accepted()) << d->rejection->message;
    for (const DomainEvent& e : d->events) directory = EvolveDirectory(directory, e);
  };
  for (const AgencySpec& a : kAgencies) {
    admin(AgencyRegistered{AgencyId(a.id), a.name, a.kind, {}, {}});
  }
  for (const StaffSpec& s : kStaff) {
    admin(StaffRegistered{StaffId(s.staff), AgencyId(s.agency), {s.role}});
  }
}

Actor World::ActorOf(const std::string& staff) const {
  const StaffInfo* info = directory.FindStaff(StaffId(staff));
  if (info == nullptr) return Actor{StaffId(staff), AgencyId("ag-unknown"), Role::kCaseworker};
  return Actor{info->id, info->agency, *info->roles.begin()};
}

Principal World::PrincipalOf(const std::string& staff) const {
  Actor a = ActorOf(staff);
  return Principal{a.staff, a.agency, a.role, std::nullopt};
}

Result<Decision> World::Try(const std::string& staff, Payload payload) {
  DecisionContext ctx{now, directory, settings};
  Command c{EventId::FromNumber(next_event++), ActorOf(staff), now, std::move(payload)};
  Result<Decision> d = Decide(state, c, ctx);
  if (d.ok()) {
    for (const DomainEvent& e : d->events) {
      state = Evolve(std::move(state), e);
      log.push_back(e);
    }
  }
  now += kSecond;
  return d;
}

DomainEvent World::Must(const std::string& staff, Payload payload) {
  std::string type(TypeOf(payload));
  Result<Decision> d = Try(staff, std::move(payload));
  EXPECT_TRUE(d.ok()) << type << ": " << d.status().ToString();
  if (!d.ok()) return DomainEvent{};
  EXPECT_TRUE(d->accepted()) << type << " refused: " << d->rejection->rule << ": "
                             << d->rejection->message;
  EXPECT_EQ(d->events.size(), 1u) << type;
  return d->events.empty() ? DomainEvent{} : d->events.front();
}

Decision World::MustRefuse(const std::string& staff, Payload payload, std::string_view rule) {
  std::string type(TypeOf(payload));
  Result<Decision> d = Try(staff, std::move(payload));
  EXPECT_TRUE(d.ok()) << type << ": " << d.status().ToString();
  if (!d.ok()) return Decision{};
  EXPECT_FALSE(d->accepted()) << type << " was accepted";
  if (d->rejection) {
    EXPECT_EQ(d->rejection->rule, rule) << d->rejection->message;
  }
  return *d;
}

DomainEvent World::OpenCase(const std::string& intake_staff,
                            std::vector<std::pair<std::string, Relation>> members) {
  CaseOpened o;
  o.case_id = CaseId("c-1");
  o.intake_agency = ActorOf(intake_staff).agency;
  o.route = IntakeRoute::kAgencyReferral;
  o.fields = {Field::kElderlyCare};
  o.main_person = PersonId(members.front().first);
  for (auto& [id, rel] : members) {
    o.members.push_back(
        HouseholdMember{PersonId(id), rel, PersonProfile{"氏名 " + id, "", "", "", ""}});
  }
  o.summary = "相談内容";
  return Must(intake_staff, o);
}

ConsentRecorded World::ConsentFor(const std::string& id, const std::string& subject,
                                  std::vector<std::string> recipients, KindSet kinds) {
  ConsentRecorded c;
  c.consent = ConsentId(id);
  c.subject = PersonId(subject);
  c.form = ConsentForm::kWritten;
  c.form_reference = "相談受付申込票 " + id;
  c.decision = ConsentDecision::kPermit;
  for (auto& r : recipients) c.recipients.push_back(AgencyId(r));
  c.kinds = kinds;
  c.purposes = {Purpose::kAssessment,      Purpose::kReferral,   Purpose::kSupportPlanning,
                Purpose::kSupportDelivery, Purpose::kMonitoring, Purpose::kParticipationSupport};
  c.valid_from = kStart - kDay;
  return c;
}

MeetingConvened World::Meeting(const std::string& id, MeetingKind kind,
                               std::optional<MeetingPurpose> purpose, const std::string& chair,
                               std::vector<std::string> member_staff) const {
  MeetingConvened m;
  m.meeting = MeetingId(id);
  m.kind = kind;
  m.purpose = purpose;
  m.held_at = kStart;
  m.chair = StaffId(chair);
  for (auto& s : member_staff) m.members.push_back(MemberOf(s));
  return m;
}

MeetingMember World::MemberOf(const std::string& staff) const {
  return MeetingMember{StaffId(staff), ActorOf(staff).agency};
}

ConfidentialityAcknowledged World::Ack(const std::string& meeting, const World& w,
                                       const std::string& staff) {
  return ConfidentialityAcknowledged{MeetingId(meeting), StaffId(staff), w.ActorOf(staff).agency};
}

MeetingConcluded World::Conclude(const std::string& meeting, bool urgent) const {
  MeetingConcluded c;
  c.meeting = MeetingId(meeting);
  c.subject = state.main_person;
  c.support_direction = "支援方針";
  c.decisions = {"決定事項"};
  c.minutes = "議事録";
  c.urgent_case = urgent;
  return c;
}

DisclosureMade World::Disclose(const std::string& staff, const std::string& subject, KindSet kinds,
                               DisclosureBasis basis, std::vector<Recipient> recipients) const {
  Actor a = ActorOf(staff);
  DisclosureMade d;
  d.subject = PersonId(subject);
  d.discloser_agency = a.agency;
  d.discloser_staff = a.staff;
  d.kinds = kinds;
  d.purpose = Purpose::kSupportDelivery;
  d.basis = std::move(basis);
  d.recipients = std::move(recipients);
  d.content = "提供内容";
  return d;
}

DisclosureBasis World::ByConsent(const std::string& consent) {
  return DisclosureBasis{BasisKind::kConsent, ConsentId(consent), std::nullopt};
}
DisclosureBasis World::ByConsentInMeeting(const std::string& consent, const std::string& meeting) {
  return DisclosureBasis{BasisKind::kConsent, ConsentId(consent), MeetingId(meeting)};
}
DisclosureBasis World::BySupportMeeting(const std::string& meeting) {
  return DisclosureBasis{BasisKind::kSupportMeeting, std::nullopt, MeetingId(meeting)};
}
DisclosureBasis World::ByUrgentCase(const std::string& meeting) {
  return DisclosureBasis{BasisKind::kUrgentCase, std::nullopt, MeetingId(meeting)};
}

Recipient World::ToMember(const std::string& staff) const {
  return Recipient{ActorOf(staff).agency, StaffId(staff)};
}

PlanDrafted World::Draft(const std::string& plan, uint32_t version,
                         std::vector<std::string> role_agencies) const {
  PlanDrafted p;
  p.plan = PlanId(plan);
  p.version = version;
  p.subject = state.main_person;
  p.body.goals = {"目標"};
  p.body.support_direction = "支援の方向性";
  for (auto& a : role_agencies) p.body.roles.push_back(PlanRole{AgencyId(a), "役割", {"タスク"}});
  return p;
}

void World::HoldMultiLayeredMeeting(const std::string& id, MeetingPurpose purpose,
                                    std::vector<std::string> member_staff) {
  Must("st-coord",
       Meeting(id, MeetingKind::kMultiLayeredSupportMeeting, purpose, "st-coord", member_staff));
  for (auto& s : member_staff) Must(s, Ack(id, *this, s));
  Must("st-coord", Conclude(id));
}

}  // namespace kasane::domain::testing

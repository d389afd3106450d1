// The event catalogue: one plain C++ payload struct per event type, the Payload variant, and
// DomainEvent (the metadata the domain needs plus a payload).
//
// Each payload has a stable type string (kType, e.g. "disclosure.made") stored beside the bytes
// in the log envelope, and a Describe(self, visitor) function listing its fields by their Cap'n
// Proto names (domain/events.capnp). The visitor sees three kinds of field:
//   v.Field(name, member)     metadata: ids, kinds, times, enums; readable by auditors.
//   v.Subject(name, person)   a PersonId naming the data subject (本人 or 世帯員) of the personal
//                             fields that follow in this struct and the structs nested in it.
//   v.Personal(name, member)  personal content (names, birth dates, addresses, notes, assessment
//                             content, disclosure content, minutes...) of the current subject.
// The codec (codec.h), the personal-field listing (PersonalFieldsOf) and, later, per-subject
// sealing all walk payloads through Describe, so a field is declared in one place.
// docs/events.md describes every type; a test checks that the two agree.
//
// Thread-safety: plain values.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "domain/ids.h"
#include "domain/kinds.h"
#include "domain/vocabulary.h"

namespace kasane::domain {

// ---------------------------------------------------------------------------------------------
// Parts shared by several payloads.

// Who issued an event: the principal acting (staff member, their agency, the role used).
struct Actor {
  StaffId staff;
  AgencyId agency;
  Role role = Role::kCaseworker;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// 氏名・生年月日・住所: a person's identity. Entirely personal.
struct PersonProfile {
  std::string full_name;    // 氏名
  std::string name_kana;    // ふりがな
  std::string birth_date;   // 生年月日, ISO 8601 date (YYYY-MM-DD)
  std::string address;      // 住所
  std::string description;  // 状況 (e.g. "needs care", "withdrawn 20+ years")
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("fullName", s.full_name);
    v.Field("nameKana", s.name_kana);
    v.Field("birthDate", s.birth_date);
    v.Field("address", s.address);
    v.Field("description", s.description);
  }
  friend bool operator==(const PersonProfile&, const PersonProfile&) = default;
};

// 世帯員: one member of the household and their relation (続柄) to the main person.
struct HouseholdMember {
  PersonId person;
  Relation relation = Relation::kSelf;
  PersonProfile profile;  // personal, of `person`
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("person", s.person);
    v.Field("relation", s.relation);
    v.Personal("profile", s.profile);
  }
  friend bool operator==(const HouseholdMember&, const HouseholdMember&) = default;
};

// The legal basis a disclosure names (rule 2).
struct DisclosureBasis {
  BasisKind kind = BasisKind::kConsent;
  std::optional<ConsentId> consent;  // required for kConsent
  std::optional<MeetingId> meeting;  // required for kSupportMeeting and kUrgentCase; optional for
                                     // kConsent (a disclosure made inside a meeting)
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("kind", s.kind);
    v.Field("consent", s.consent);
    v.Field("meeting", s.meeting);
  }
  friend bool operator==(const DisclosureBasis&, const DisclosureBasis&) = default;
};

// A receiver of a disclosure: an agency, or one staff member of it (meeting members).
struct Recipient {
  AgencyId agency;
  std::optional<StaffId> staff;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("agency", s.agency);
    v.Field("staff", s.staff);
  }
  friend bool operator==(const Recipient&, const Recipient&) = default;
};

// 構成員: a meeting member, a staff member attending for their agency.
struct MeetingMember {
  StaffId staff;
  AgencyId agency;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("staff", s.staff);
    v.Field("agency", s.agency);
  }
  friend bool operator==(const MeetingMember&, const MeetingMember&) = default;
};

// 役割分担: one agency's role and tasks in a plan.
struct PlanRole {
  AgencyId agency;
  std::string role;                // personal, of the plan's subject
  std::vector<std::string> tasks;  // personal, of the plan's subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("agency", s.agency);
    v.Personal("role", s.role);
    v.Personal("tasks", s.tasks);
  }
  friend bool operator==(const PlanRole&, const PlanRole&) = default;
};

// The content of one version of a 支援プラン.
struct PlanBody {
  std::vector<std::string> goals;  // 本人の目標
  std::string support_direction;   // 支援の方向性
  std::vector<PlanRole> roles;     // 役割分担
  UnixNanos monitoring_due = 0;    // モニタリング予定日
  UnixNanos evaluation_due = 0;    // 評価予定日
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Personal("goals", s.goals);
    v.Personal("supportDirection", s.support_direction);
    v.Field("roles", s.roles);
    v.Field("monitoringDue", s.monitoring_due);
    v.Field("evaluationDue", s.evaluation_due);
  }
  friend bool operator==(const PlanBody&, const PlanBody&) = default;
};

#define KASANE_PAYLOAD_(Name, type_string)               \
  static constexpr std::string_view kType = type_string; \
  friend bool operator==(const Name&, const Name&) = default

// ---------------------------------------------------------------------------------------------
// Admin (stream "admin").

// 支援関係機関の登録.
struct AgencyRegistered {
  KASANE_PAYLOAD_(AgencyRegistered, "agency.registered");
  AgencyId agency;
  std::string name;  // the organisation's name (not personal)
  AgencyKind kind = AgencyKind::kOther;
  std::set<Field> fields;
  std::set<ProgrammePart> programme_parts;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("agency", s.agency);
    v.Field("name", s.name);
    v.Field("kind", s.kind);
    v.Field("fields", s.fields);
    v.Field("programmeParts", s.programme_parts);
  }
};

// 職員の登録. Staff are known by id; their names live in the municipality's HR system.
struct StaffRegistered {
  KASANE_PAYLOAD_(StaffRegistered, "staff.registered");
  StaffId staff;
  AgencyId agency;
  std::set<Role> roles;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("staff", s.staff);
    v.Field("agency", s.agency);
    v.Field("roles", s.roles);
  }
};

struct StaffDeactivated {
  KASANE_PAYLOAD_(StaffDeactivated, "staff.deactivated");
  StaffId staff;
  std::string reason;  // administrative (e.g. "transferred"); no personal content
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("staff", s.staff);
    v.Field("reason", s.reason);
  }
};

// ---------------------------------------------------------------------------------------------
// Intake (相談受付) and household (世帯).

struct CaseOpened {
  KASANE_PAYLOAD_(CaseOpened, "case.opened");
  CaseId case_id;
  AgencyId intake_agency;
  IntakeRoute route = IntakeRoute::kWalkIn;
  std::set<Field> fields;
  PersonId main_person;                  // 本人; must be among members with relation self
  std::vector<HouseholdMember> members;  // 世帯員, each with their own personal profile
  std::string summary;                   // 相談内容の要旨: personal, of main_person
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("caseId", s.case_id);
    v.Field("intakeAgency", s.intake_agency);
    v.Field("route", s.route);
    v.Field("fields", s.fields);
    v.Subject("mainPerson", s.main_person);
    v.Field("members", s.members);
    v.Personal("summary", s.summary);
  }
};

struct HouseholdMemberAdded {
  KASANE_PAYLOAD_(HouseholdMemberAdded, "household.member_added");
  HouseholdMember member;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("member", s.member);
  }
};

struct HouseholdMemberRemoved {
  KASANE_PAYLOAD_(HouseholdMemberRemoved, "household.member_removed");
  PersonId person;
  std::string reason;  // personal, of person
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("person", s.person);
    v.Personal("reason", s.reason);
  }
};

// ---------------------------------------------------------------------------------------------
// Consent (本人同意).

struct ConsentRecorded {
  KASANE_PAYLOAD_(ConsentRecorded, "consent.recorded");
  ConsentId consent;
  PersonId subject;
  Grantor grantor = Grantor::kSelf;
  std::optional<Relation> proxy_relation;  // set iff grantor == kProxy
  std::string proxy_name;                  // 代理人氏名: personal, filed under subject
  ConsentForm form = ConsentForm::kWritten;
  std::string form_reference;  // e.g. "相談受付申込票 2024-0012" (a document reference)
  ConsentDecision decision = ConsentDecision::kPermit;
  std::vector<AgencyId> recipients;  // agencies the information may go to
  KindSet kinds;
  std::set<Purpose> purposes;
  UnixNanos valid_from = 0;
  std::optional<UnixNanos> valid_until;  // none: until withdrawn
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("consent", s.consent);
    v.Subject("subject", s.subject);
    v.Field("grantor", s.grantor);
    v.Field("proxyRelation", s.proxy_relation);
    v.Personal("proxyName", s.proxy_name);
    v.Field("form", s.form);
    v.Field("formReference", s.form_reference);
    v.Field("decision", s.decision);
    v.Field("recipients", s.recipients);
    v.Field("kinds", s.kinds);
    v.Field("purposes", s.purposes);
    v.Field("validFrom", s.valid_from);
    v.Field("validUntil", s.valid_until);
  }
};

// Withdrawal takes effect at the event's occurred_at; earlier disclosures stay as they were.
struct ConsentWithdrawn {
  KASANE_PAYLOAD_(ConsentWithdrawn, "consent.withdrawn");
  ConsentId consent;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("consent", s.consent);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// ---------------------------------------------------------------------------------------------
// Referral (つなぎ).

// A referral passing information (kinds_passed non-empty) is a disclosure to to_agency and is
// guarded like one (rules 2-5, usage suspension, erasure).
struct ReferralMade {
  KASANE_PAYLOAD_(ReferralMade, "referral.made");
  ReferralId referral;
  AgencyId from_agency;
  AgencyId to_agency;
  std::optional<ProgrammePart> to_programme;
  HandoffMoment moment = HandoffMoment::kReferralToCoordination;
  PersonId subject;
  std::string reason;  // personal, of subject
  KindSet kinds_passed;
  std::optional<DisclosureBasis> basis;  // required when kinds_passed is non-empty
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("referral", s.referral);
    v.Field("fromAgency", s.from_agency);
    v.Field("toAgency", s.to_agency);
    v.Field("toProgramme", s.to_programme);
    v.Field("moment", s.moment);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
    v.Field("kindsPassed", s.kinds_passed);
    v.Field("basis", s.basis);
  }
};

struct ReferralAccepted {
  KASANE_PAYLOAD_(ReferralAccepted, "referral.accepted");
  ReferralId referral;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("referral", s.referral);
  }
};

struct ReferralDeclined {
  KASANE_PAYLOAD_(ReferralDeclined, "referral.declined");
  ReferralId referral;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("referral", s.referral);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// つなぎもどし: the case goes back to an agency, which becomes (or stays) 主担当.
struct ReferralReturned {
  KASANE_PAYLOAD_(ReferralReturned, "referral.returned");
  ReferralId referral;
  AgencyId to_agency;
  AgencyId lead_agency;  // 主担当
  HandoffMoment moment = HandoffMoment::kReturnToReferrer;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("referral", s.referral);
    v.Field("toAgency", s.to_agency);
    v.Field("leadAgency", s.lead_agency);
    v.Field("moment", s.moment);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

struct LeadAgencyAssigned {
  KASANE_PAYLOAD_(LeadAgencyAssigned, "lead_agency.assigned");
  AgencyId agency;  // 主担当
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("agency", s.agency);
  }
};

// ---------------------------------------------------------------------------------------------
// Assessment (アセスメント).

struct AssessmentRecorded {
  KASANE_PAYLOAD_(AssessmentRecorded, "assessment.recorded");
  PersonId subject;
  KindSet kinds;
  std::string content;  // インテーク・アセスメントシートの内容: personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("subject", s.subject);
    v.Field("kinds", s.kinds);
    v.Personal("content", s.content);
  }
};

// ---------------------------------------------------------------------------------------------
// Meetings (支援会議 / 重層的支援会議).

// Members listed here join at the convening event; each must still acknowledge confidentiality
// (守秘義務の確認) before receiving anything (rule 4).
struct MeetingConvened {
  KASANE_PAYLOAD_(MeetingConvened, "meeting.convened");
  MeetingId meeting;
  MeetingKind kind = MeetingKind::kSupportMeeting;
  std::optional<MeetingPurpose> purpose;  // required for 重層的支援会議, absent for 支援会議
  UnixNanos held_at = 0;
  StaffId chair;
  std::vector<MeetingMember> members;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("meeting", s.meeting);
    v.Field("kind", s.kind);
    v.Field("purpose", s.purpose);
    v.Field("heldAt", s.held_at);
    v.Field("chair", s.chair);
    v.Field("members", s.members);
  }
};

struct ConfidentialityAcknowledged {
  KASANE_PAYLOAD_(ConfidentialityAcknowledged, "meeting.confidentiality_acknowledged");
  MeetingId meeting;
  StaffId staff;
  AgencyId agency;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("meeting", s.meeting);
    v.Field("staff", s.staff);
    v.Field("agency", s.agency);
  }
};

struct MeetingMemberJoined {
  KASANE_PAYLOAD_(MeetingMemberJoined, "meeting.member_joined");
  MeetingId meeting;
  MeetingMember member;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("meeting", s.meeting);
    v.Field("member", s.member);
  }
};

struct MeetingMemberLeft {
  KASANE_PAYLOAD_(MeetingMemberLeft, "meeting.member_left");
  MeetingId meeting;
  StaffId staff;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("meeting", s.meeting);
    v.Field("staff", s.staff);
  }
};

struct MeetingConcluded {
  KASANE_PAYLOAD_(MeetingConcluded, "meeting.concluded");
  MeetingId meeting;
  PersonId subject;
  std::string support_direction;       // 支援方針: personal, of subject
  std::vector<std::string> decisions;  // 決定事項: personal, of subject
  std::string minutes;                 // 議事録: personal, of subject
  bool urgent_case =
      false;  // 支援会議 only: decided that this is an urgent case (緊急性がある事案)
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("meeting", s.meeting);
    v.Subject("subject", s.subject);
    v.Personal("supportDirection", s.support_direction);
    v.Personal("decisions", s.decisions);
    v.Personal("minutes", s.minutes);
    v.Field("urgentCase", s.urgent_case);
  }
};

// ---------------------------------------------------------------------------------------------
// Disclosure (情報提供).

struct DisclosureMade {
  KASANE_PAYLOAD_(DisclosureMade, "disclosure.made");
  PersonId subject;
  AgencyId discloser_agency;
  StaffId discloser_staff;
  KindSet kinds;
  Purpose purpose = Purpose::kSupportDelivery;
  DisclosureBasis basis;
  std::vector<Recipient> recipients;
  std::string content;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("subject", s.subject);
    v.Field("discloserAgency", s.discloser_agency);
    v.Field("discloserStaff", s.discloser_staff);
    v.Field("kinds", s.kinds);
    v.Field("purpose", s.purpose);
    v.Field("basis", s.basis);
    v.Field("recipients", s.recipients);
    v.Personal("content", s.content);
  }
};

// The record of a refused disclosure (rule 2). It carries no content: what was refused is not
// stored. `rule` is the stable rule id (decide.h, kRule...).
struct DisclosureRefused {
  KASANE_PAYLOAD_(DisclosureRefused, "disclosure.refused");
  PersonId subject;
  AgencyId attempted_by_agency;
  StaffId attempted_by_staff;
  KindSet kinds;
  Purpose purpose = Purpose::kSupportDelivery;
  std::optional<DisclosureBasis> basis;
  std::vector<Recipient> recipients;
  std::string rule;
  std::string reason;  // generated from ids and rule names; no personal content
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("subject", s.subject);
    v.Field("attemptedByAgency", s.attempted_by_agency);
    v.Field("attemptedByStaff", s.attempted_by_staff);
    v.Field("kinds", s.kinds);
    v.Field("purpose", s.purpose);
    v.Field("basis", s.basis);
    v.Field("recipients", s.recipients);
    v.Field("rule", s.rule);
    v.Field("reason", s.reason);
  }
};

// ---------------------------------------------------------------------------------------------
// Plan (支援プラン).

// Drafting decides nothing; approval at a 重層的支援会議 does (rule 6). When the command leaves
// the due dates at 0, decide fills them from MunicipalSettings.
struct PlanDrafted {
  KASANE_PAYLOAD_(PlanDrafted, "plan.drafted");
  PlanId plan;
  uint32_t version = 1;
  PersonId subject;
  PlanBody body;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("version", s.version);
    v.Subject("subject", s.subject);
    v.Field("body", s.body);
  }
};

struct PlanApproved {
  KASANE_PAYLOAD_(PlanApproved, "plan.approved");
  PlanId plan;
  uint32_t version = 1;
  MeetingId meeting;  // a concluded 重層的支援会議 for plan_creation
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("version", s.version);
    v.Field("meeting", s.meeting);
  }
};

// プラン変更: a new version, decided at a concluded 重層的支援会議 for plan_change.
struct PlanRevised {
  KASANE_PAYLOAD_(PlanRevised, "plan.revised");
  PlanId plan;
  uint32_t version = 2;
  MeetingId meeting;
  PersonId subject;
  PlanBody body;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("version", s.version);
    v.Field("meeting", s.meeting);
    v.Subject("subject", s.subject);
    v.Field("body", s.body);
  }
};

struct MonitoringRecorded {
  KASANE_PAYLOAD_(MonitoringRecorded, "plan.monitoring_recorded");
  PlanId plan;
  uint32_t version = 1;
  PersonId subject;
  std::string content;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("version", s.version);
    v.Subject("subject", s.subject);
    v.Personal("content", s.content);
  }
};

struct PlanEvaluated {
  KASANE_PAYLOAD_(PlanEvaluated, "plan.evaluated");
  PlanId plan;
  uint32_t version = 1;
  PersonId subject;
  std::string content;  // personal, of subject
  bool goals_met = false;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("version", s.version);
    v.Subject("subject", s.subject);
    v.Personal("content", s.content);
    v.Field("goalsMet", s.goals_met);
  }
};

// 終結, decided at a 重層的支援会議 for termination; accompanying_agency keeps 伴走支援.
struct SupportTerminated {
  KASANE_PAYLOAD_(SupportTerminated, "support.terminated");
  PlanId plan;
  MeetingId meeting;
  AgencyId accompanying_agency;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("meeting", s.meeting);
    v.Field("accompanyingAgency", s.accompanying_agency);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// 中断 (e.g. contact completely lost), decided at a 重層的支援会議 for suspension.
struct SupportSuspended {
  KASANE_PAYLOAD_(SupportSuspended, "support.suspended");
  PlanId plan;
  MeetingId meeting;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Field("meeting", s.meeting);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// Resumption continues the approved plan unchanged (a change needs plan.revised).
struct SupportResumed {
  KASANE_PAYLOAD_(SupportResumed, "support.resumed");
  PlanId plan;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("plan", s.plan);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// ---------------------------------------------------------------------------------------------
// Outreach (アウトリーチ) and participation support (参加支援).

// Allowed before consent (item 4 reaches people who cannot or will not ask).
struct OutreachRecorded {
  KASANE_PAYLOAD_(OutreachRecorded, "outreach.recorded");
  PersonId subject;
  OutreachActivity activity = OutreachActivity::kPreparation;
  std::string content;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("subject", s.subject);
    v.Field("activity", s.activity);
    v.Personal("content", s.content);
  }
};

struct ParticipationMatched {
  KASANE_PAYLOAD_(ParticipationMatched, "participation.matched");
  PersonId subject;
  std::string resource;  // 社会資源 (a place or programme, not a person)
  std::string content;   // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("subject", s.subject);
    v.Field("resource", s.resource);
    v.Personal("content", s.content);
  }
};

struct ParticipationFollowedUp {
  KASANE_PAYLOAD_(ParticipationFollowedUp, "participation.followed_up");
  PersonId subject;
  std::string content;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Subject("subject", s.subject);
    v.Personal("content", s.content);
  }
};

// ---------------------------------------------------------------------------------------------
// Correction (rule 1: nothing is edited; a correction names the event it corrects).

struct CorrectionRecorded {
  KASANE_PAYLOAD_(CorrectionRecorded, "correction.recorded");
  EventId corrects;
  PersonId subject;
  std::string reason;             // personal, of subject
  std::string corrected_content;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("corrects", s.corrects);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
    v.Personal("correctedContent", s.corrected_content);
  }
};

// ---------------------------------------------------------------------------------------------
// The person's rights under the APPI for public bodies (個人情報保護法 第5章).

struct DisclosureRequestReceived {  // 開示請求 (Art. 76)
  KASANE_PAYLOAD_(DisclosureRequestReceived, "rights.disclosure_requested");
  RequestId request;
  PersonId subject;
  std::string details;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Subject("subject", s.subject);
    v.Personal("details", s.details);
  }
};

struct DisclosureRequestDecided {  // 開示決定等
  KASANE_PAYLOAD_(DisclosureRequestDecided, "rights.disclosure_decided");
  RequestId request;
  PersonId subject;
  RequestDecision decision = RequestDecision::kGranted;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Subject("subject", s.subject);
    v.Field("decision", s.decision);
    v.Personal("reason", s.reason);
  }
};

struct CorrectionRequestReceived {  // 訂正請求 (Art. 90)
  KASANE_PAYLOAD_(CorrectionRequestReceived, "rights.correction_requested");
  RequestId request;
  PersonId subject;
  std::optional<EventId> target;
  std::string requested_correction;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Subject("subject", s.subject);
    v.Field("target", s.target);
    v.Personal("requestedCorrection", s.requested_correction);
  }
};

struct CorrectionRequestDecided {
  KASANE_PAYLOAD_(CorrectionRequestDecided, "rights.correction_decided");
  RequestId request;
  PersonId subject;
  RequestDecision decision = RequestDecision::kGranted;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Subject("subject", s.subject);
    v.Field("decision", s.decision);
    v.Personal("reason", s.reason);
  }
};

struct UsageSuspensionRequested {  // 利用停止請求 (Art. 98)
  KASANE_PAYLOAD_(UsageSuspensionRequested, "rights.usage_suspension_requested");
  RequestId request;
  PersonId subject;
  std::string reason;  // personal, of subject
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Subject("subject", s.subject);
    v.Personal("reason", s.reason);
  }
};

// After this, the subject's information may not be disclosed further.
struct UsageSuspensionApplied {
  KASANE_PAYLOAD_(UsageSuspensionApplied, "rights.usage_suspension_applied");
  RequestId request;
  PersonId subject;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("request", s.request);
    v.Field("subject", s.subject);
  }
};

// ---------------------------------------------------------------------------------------------
// Erasure (rule 9) and reading (rule 7).

// The subject's personal content becomes unreadable for everyone (issue 4 destroys their key);
// the events and the log's proofs remain.
struct PersonErased {
  KASANE_PAYLOAD_(PersonErased, "person.erased");
  PersonId subject;
  std::string legal_basis;  // e.g. "保存期間満了" or the provision requiring erasure
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("subject", s.subject);
    v.Field("legalBasis", s.legal_basis);
  }
};

// Who was shown personal content of which case, which kinds, on what basis (the scope reason).
// Written by the API to an access stream, never to a case stream.
struct AccessRecorded {
  KASANE_PAYLOAD_(AccessRecorded, "access.recorded");
  CaseId case_id;
  StaffId staff;
  AgencyId agency;
  Role role = Role::kCaseworker;
  KindSet kinds;
  std::string basis;  // the ScopeDecision reason, e.g. "recording_agency"
  std::vector<EventId> events;
  // How the content left: "" = the HTTP API, to a bearer token of `staff`; otherwise the command
  // that read it in process on `staff`'s behalf (e.g. "kasane export"), run by whoever held the
  // data folder, so an auditor can tell an operator's export from the staff member's own read.
  std::string channel;
  template <typename S, typename V>
  static void Describe(S& s, V& v) {
    v.Field("caseId", s.case_id);
    v.Field("staff", s.staff);
    v.Field("agency", s.agency);
    v.Field("role", s.role);
    v.Field("kinds", s.kinds);
    v.Field("basis", s.basis);
    v.Field("events", s.events);
    v.Field("channel", s.channel);
  }
};

#undef KASANE_PAYLOAD_

// Every event payload. Alternatives are only ever appended.
using Payload = std::variant<
    AgencyRegistered, StaffRegistered, StaffDeactivated, CaseOpened, HouseholdMemberAdded,
    HouseholdMemberRemoved, ConsentRecorded, ConsentWithdrawn, ReferralMade, ReferralAccepted,
    ReferralDeclined, ReferralReturned, LeadAgencyAssigned, AssessmentRecorded, MeetingConvened,
    ConfidentialityAcknowledged, MeetingMemberJoined, MeetingMemberLeft, MeetingConcluded,
    DisclosureMade, DisclosureRefused, PlanDrafted, PlanApproved, PlanRevised, MonitoringRecorded,
    PlanEvaluated, SupportTerminated, SupportSuspended, SupportResumed, OutreachRecorded,
    ParticipationMatched, ParticipationFollowedUp, CorrectionRecorded, DisclosureRequestReceived,
    DisclosureRequestDecided, CorrectionRequestReceived, CorrectionRequestDecided,
    UsageSuspensionRequested, UsageSuspensionApplied, PersonErased, AccessRecorded>;

// An event as the domain sees it: the log envelope's metadata it needs, plus the payload.
struct DomainEvent {
  EventId id;
  UnixNanos occurred_at = 0;  // business time (when it happened)
  UnixNanos recorded_at = 0;  // server time (when it was recorded)
  Actor actor;
  Payload payload;
  friend bool operator==(const DomainEvent&, const DomainEvent&) = default;
};

// The payload's stable type string, e.g. "case.opened".
std::string_view TypeOf(const Payload& p);
// Every type string, in Payload alternative order.
std::vector<std::string_view> AllEventTypes();
// The kinds of information an event's content is about (for scopes and access records).
KindSet KindsOf(const Payload& p);
// The person whose personal content the event mainly carries; none for events without any.
std::optional<PersonId> SubjectOf(const Payload& p);
// True for events of the admin stream (agencies, staff).
bool IsAdminEvent(const Payload& p);

// One personal field: its path of schema names (e.g. "members[1].profile") and whose it is.
struct PersonalField {
  std::string path;
  PersonId subject;
  friend bool operator==(const PersonalField&, const PersonalField&) = default;
};
// Every personal field of a payload instance, in schema order.
std::vector<PersonalField> PersonalFieldsOf(const Payload& p);

}  // namespace kasane::domain

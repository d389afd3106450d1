#include "domain/decide.h"

#include <algorithm>
#include <set>
#include <type_traits>

namespace kasane::domain {
namespace {

Rejection Reject(std::string_view rule, std::string message) {
  return Rejection{std::string(rule), std::move(message)};
}

const std::set<Role> kWriters = {Role::kCaseworker, Role::kCoordinator, Role::kSecretariat};
const std::set<Role> kCoordination = {Role::kCoordinator, Role::kSecretariat};
const std::set<Role> kSecretariatOnly = {Role::kSecretariat};

// Who may issue each case event (docs/events.md "who may issue").
std::set<Role> AllowedRoles(const Payload& p) {
  return std::visit(
      [](const auto& x) -> std::set<Role> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, MeetingConvened>) {
          return x.kind == MeetingKind::kSupportMeeting ? kSecretariatOnly : kCoordination;
        } else if constexpr (std::is_same_v<T, LeadAgencyAssigned> ||
                             std::is_same_v<T, PlanDrafted> || std::is_same_v<T, PlanApproved> ||
                             std::is_same_v<T, PlanRevised> ||
                             std::is_same_v<T, SupportTerminated> ||
                             std::is_same_v<T, SupportSuspended> ||
                             std::is_same_v<T, SupportResumed> ||
                             std::is_same_v<T, MeetingMemberJoined> ||
                             std::is_same_v<T, MeetingMemberLeft> ||
                             std::is_same_v<T, MeetingConcluded>) {
          return kCoordination;
        } else if constexpr (std::is_same_v<T, DisclosureRequestDecided> ||
                             std::is_same_v<T, CorrectionRequestDecided> ||
                             std::is_same_v<T, UsageSuspensionApplied> ||
                             std::is_same_v<T, PersonErased>) {
          return kSecretariatOnly;
        } else {
          return kWriters;
        }
      },
      p);
}

Status CheckId(std::string_view what, const auto& id) { return ValidateId(what, id.value); }

std::string Quote(const auto& id) { return "'" + id.value + "'"; }

// The parts of a disclosure the rules look at (disclosure.made, or referral.made passing
// information).
struct DisclosureAttempt {
  PersonId subject;
  AgencyId discloser_agency;
  StaffId discloser_staff;
  KindSet kinds;
  Purpose purpose = Purpose::kSupportDelivery;
  std::optional<DisclosureBasis> basis;
  std::vector<Recipient> recipients;
};

class Decider {
 public:
  Decider(const CaseState& s, const Command& c, const DecisionContext& ctx)
      : s_(s), c_(c), ctx_(ctx), dir_(ctx.directory) {}

  Result<Decision> Run() {
    if (c_.event_id.IsZero()) return InvalidArgument("command needs a non-zero event id");
    if (c_.occurred_at <= 0) return InvalidArgument("command needs occurred_at");
    if (c_.occurred_at > ctx_.now) return InvalidArgument("occurred_at is later than now");
    const Payload& p = c_.payload;
    if (IsAdminEvent(p)) return InvalidArgument("admin events go to the admin stream");
    if (std::holds_alternative<AccessRecorded>(p)) {
      return InvalidArgument("access records go to an access stream, not a case");
    }
    if (std::holds_alternative<DisclosureRefused>(p)) {
      return InvalidArgument("disclosure.refused is recorded by decide, never commanded");
    }
    if (!std::holds_alternative<CaseOpened>(p) && !s_.opened) {
      return NotFound("case is not opened");
    }
    if (s_.FindEvent(c_.event_id) != nullptr) {
      return AlreadyExists("event " + c_.event_id.ToHex() + " is already recorded in this case");
    }
    if (c_.actor.role == Role::kAuditor || c_.actor.role == Role::kApp) {
      return Refuse(kRuleRole, "an " + std::string(EnumName(c_.actor.role)) +
                                   " principal only reads; it records nothing");
    }
    if (!dir_.IsActiveActor(c_.actor)) {
      return Refuse(kRuleActor, "actor is not an active staff member of agency " +
                                    Quote(c_.actor.agency) + " with role " +
                                    std::string(EnumName(c_.actor.role)));
    }
    if (!AllowedRoles(p).contains(c_.actor.role)) {
      return Refuse(kRuleRole, "role " + std::string(EnumName(c_.actor.role)) + " may not record " +
                                   std::string(TypeOf(p)));
    }
    // Rule 9: nothing new about an erased person (disclosures are refused and recorded below).
    std::optional<PersonId> subject = SubjectOf(p);
    if (subject && s_.erased.contains(*subject) && !PersonalFieldsOf(p).empty() &&
        !std::holds_alternative<DisclosureMade>(p)) {
      return Refuse(kRuleErased, "person " + Quote(*subject) + " has been erased");
    }
    return std::visit([this](const auto& x) { return Handle(x); }, p);
  }

 private:
  // --- helpers ----------------------------------------------------------------------------

  Decision Accept(Payload p) const {
    Decision d;
    d.events.push_back(DomainEvent{c_.event_id, c_.occurred_at, ctx_.now, c_.actor, std::move(p)});
    return d;
  }
  static Decision Refuse(std::string_view rule, std::string message) {
    Decision d;
    d.rejection = Reject(rule, std::move(message));
    return d;
  }
  Status KnownAgency(const AgencyId& a) const {
    KASANE_RETURN_IF_ERROR(CheckId("agency id", a));
    if (dir_.FindAgency(a) == nullptr) return InvalidArgument("unknown agency " + Quote(a));
    return Status::Ok();
  }
  Status KnownStaff(const StaffId& staff, const AgencyId& agency) const {
    KASANE_RETURN_IF_ERROR(CheckId("staff id", staff));
    const StaffInfo* info = dir_.FindStaff(staff);
    if (info == nullptr || info->agency != agency) {
      return InvalidArgument("staff " + Quote(staff) + " is not registered with agency " +
                             Quote(agency));
    }
    return Status::Ok();
  }
  Status KnownMember(const PersonId& p) const {
    KASANE_RETURN_IF_ERROR(CheckId("person id", p));
    if (!s_.IsMember(p)) return InvalidArgument("person " + Quote(p) + " is not in the household");
    return Status::Ok();
  }
  Result<const MeetingState*> KnownMeeting(const MeetingId& id) const {
    KASANE_RETURN_IF_ERROR(CheckId("meeting id", id));
    const MeetingState* m = s_.FindMeeting(id);
    if (m == nullptr) return InvalidArgument("unknown meeting " + Quote(id));
    return m;
  }
  Result<const PlanState*> KnownPlan(const PlanId& id) const {
    KASANE_RETURN_IF_ERROR(CheckId("plan id", id));
    if (!s_.plan || s_.plan->id != id) return InvalidArgument("unknown plan " + Quote(id));
    return &*s_.plan;
  }
  Status ValidBody(const PlanBody& body) const {
    for (const PlanRole& r : body.roles) KASANE_RETURN_IF_ERROR(KnownAgency(r.agency));
    return Status::Ok();
  }
  void FillDueDates(PlanBody& body) const {
    if (body.monitoring_due == 0) {
      body.monitoring_due = AddMonths(c_.occurred_at, ctx_.settings.monitoring_after_months);
    }
    if (body.evaluation_due == 0) {
      body.evaluation_due = AddMonths(c_.occurred_at, ctx_.settings.evaluation_after_months);
    }
  }

  // Rule 6: a plan decision needs a concluded 重層的支援会議 of `purpose` for a case with consent.
  std::optional<Rejection> CheckPlanMeeting(const MeetingId& id, MeetingPurpose purpose) const {
    const std::string what =
        "a concluded multi_layered_support_meeting for " + std::string(EnumName(purpose));
    const MeetingState* m = s_.FindMeeting(id);
    if (m == nullptr)
      return Reject(kRulePlanMeeting, "needs " + what + "; no meeting " + Quote(id));
    if (m->kind != MeetingKind::kMultiLayeredSupportMeeting) {
      return Reject(kRulePlanMeeting,
                    "needs " + what + "; meeting " + Quote(id) + " is a support_meeting");
    }
    if (m->purpose != purpose) {
      return Reject(kRulePlanMeeting,
                    "needs " + what + "; meeting " + Quote(id) + " was held for " +
                        std::string(m->purpose ? EnumName(*m->purpose) : "nothing"));
    }
    if (!m->concluded()) {
      return Reject(kRulePlanMeeting,
                    "needs " + what + "; meeting " + Quote(id) + " has not concluded");
    }
    if (!s_.HasPlanningConsentInForce(s_.main_person, c_.occurred_at)) {
      return Reject(kRulePlanMeeting,
                    "the main person has no consent in force for support_planning");
    }
    return std::nullopt;
  }

  // Rules 2-5, usage suspension and erasure for one disclosure attempt. May fill in the
  // recipients of a meeting disclosure. nullopt: allowed.
  std::optional<Rejection> CheckDisclosure(DisclosureAttempt& a) const {
    if (s_.erased.contains(a.subject)) {
      return Reject(kRuleErased, "person " + Quote(a.subject) + " has been erased");
    }
    if (s_.usage_suspended.contains(a.subject)) {
      return Reject(kRuleUsageSuspension, "usage of person " + Quote(a.subject) +
                                              "'s information is suspended (利用停止)");
    }
    if (!a.basis.has_value()) {
      return Reject(kRuleDisclosureBasis, "a disclosure needs a legal basis");
    }
    const DisclosureBasis& basis = *a.basis;
    if (!ctx_.settings.Accepts(basis.kind)) {
      return Reject(kRuleBasisNotAccepted, ctx_.settings.municipality + " does not accept basis " +
                                               std::string(EnumName(basis.kind)));
    }
    KindSet kinds = a.kinds;
    const AgencyInfo* discloser = dir_.FindAgency(a.discloser_agency);
    if (discloser != nullptr && discloser->kind == AgencyKind::kTaxDivision) {
      kinds.Insert(InformationKind::kTax);  // 地方税法 Art. 22 binds all the tax division holds
    }
    const MeetingState* meeting = nullptr;
    if (basis.meeting.has_value()) {
      meeting = s_.FindMeeting(*basis.meeting);
      if (meeting == nullptr) {
        return Reject(kRuleDisclosureBasis,
                      "no meeting " + Quote(*basis.meeting) + " in this case");
      }
    }
    switch (basis.kind) {
      case BasisKind::kConsent: {
        if (!basis.consent.has_value()) {
          return Reject(kRuleDisclosureBasis, "basis consent names no consent id");
        }
        const ConsentState* consent = s_.FindConsent(*basis.consent);
        if (consent == nullptr) {
          return Reject(kRuleDisclosureBasis, "no consent " + Quote(*basis.consent) + " on record");
        }
        if (meeting != nullptr) {
          if (meeting->concluded()) {
            return Reject(kRuleMeetingScope, "meeting " + Quote(meeting->id) + " has concluded");
          }
          // First settle who receives (rule 4), then check the consent covers all of them.
          if (auto r = CheckMeetingRecipients(*meeting, a)) return r;
        }
        return CheckConsent(*consent, a, kinds);
      }
      case BasisKind::kSupportMeeting: {
        if (meeting == nullptr) return Reject(kRuleDisclosureBasis, "basis names no meeting");
        if (meeting->kind != MeetingKind::kSupportMeeting) {
          return Reject(kRuleDisclosureBasis,
                        "meeting " + Quote(meeting->id) + " is not a support_meeting (Art. 106-6)");
        }
        if (meeting->concluded()) {
          return Reject(kRuleMeetingScope, "meeting " + Quote(meeting->id) + " has concluded");
        }
        if (auto r = CheckMeetingRecipients(*meeting, a)) return r;
        return CheckTaxOutsideConsent(a, kinds);
      }
      case BasisKind::kUrgentCase: {
        if (meeting == nullptr) return Reject(kRuleDisclosureBasis, "basis names no meeting");
        if (meeting->kind != MeetingKind::kSupportMeeting || !meeting->concluded() ||
            !meeting->urgent_case) {
          return Reject(kRuleDisclosureBasis,
                        "meeting " + Quote(meeting->id) +
                            " is not a concluded support_meeting that decided an urgent case");
        }
        if (auto r = CheckUrgentRecipients(*meeting, a)) return r;
        return CheckTaxOutsideConsent(a, kinds);
      }
    }
    return Reject(kRuleDisclosureBasis, "unknown basis");
  }

  // Rule 3 (and rule 5 when the missing kind is tax).
  std::optional<Rejection> CheckConsent(const ConsentState& c, const DisclosureAttempt& a,
                                        const KindSet& kinds) const {
    const std::string id = Quote(c.consent.consent);
    if (c.consent.subject != a.subject) {
      return Reject(kRuleConsentScope, "consent " + id + " is not the subject's consent");
    }
    if (c.consent.decision != ConsentDecision::kPermit) {
      return Reject(kRuleConsentScope, "consent " + id + " refuses sharing");
    }
    if (c.withdrawn_at.has_value() && c_.occurred_at >= *c.withdrawn_at) {
      return Reject(kRuleConsentScope, "consent " + id + " was withdrawn");
    }
    if (!c.InForceAt(c_.occurred_at)) {
      return Reject(kRuleConsentScope, "consent " + id + " is not in force at that moment");
    }
    KindSet missing = kinds.Minus(c.consent.kinds);
    if (missing.Contains(InformationKind::kTax)) {
      return Reject(kRuleTaxConsent, "consent " + id + " does not name tax");
    }
    if (!missing.empty()) {
      return Reject(kRuleConsentScope, "consent " + id + " does not cover " + missing.ToString());
    }
    if (!c.consent.purposes.contains(a.purpose)) {
      return Reject(kRuleConsentScope, "consent " + id + " does not cover purpose " +
                                           std::string(EnumName(a.purpose)));
    }
    for (const Recipient& r : a.recipients) {
      if (!c.NamesAgency(r.agency)) {
        return Reject(kRuleConsentScope,
                      "consent " + id + " does not name recipient " + Quote(r.agency));
      }
    }
    return std::nullopt;
  }

  // Rule 5 under a meeting basis: tax needs a consent in force naming tax and the recipients.
  std::optional<Rejection> CheckTaxOutsideConsent(const DisclosureAttempt& a,
                                                  const KindSet& kinds) const {
    if (!kinds.Contains(InformationKind::kTax)) return std::nullopt;
    std::vector<AgencyId> agencies;
    for (const Recipient& r : a.recipients) agencies.push_back(r.agency);
    if (s_.ConsentCovering(a.subject, c_.occurred_at, agencies,
                           KindSet::Of({InformationKind::kTax}), std::nullopt) == nullptr) {
      return Reject(kRuleTaxConsent,
                    "tax information needs the person's consent naming tax, even in a "
                    "support_meeting (地方税法 Art. 22)");
    }
    return std::nullopt;
  }

  // Rule 4: discloser and recipients are present members who acknowledged confidentiality
  // before this disclosure. Empty recipients become every such member but the discloser.
  std::optional<Rejection> CheckMeetingRecipients(const MeetingState& m,
                                                  DisclosureAttempt& a) const {
    const uint64_t seq = s_.version + 1;
    const MemberState* self = m.FindMember(a.discloser_staff);
    if (self == nullptr || !self->EligibleFor(seq)) {
      return Reject(kRuleMeetingScope, "the discloser is not a member of meeting " + Quote(m.id) +
                                           " who acknowledged confidentiality");
    }
    if (a.recipients.empty()) {
      for (const MemberState& ms : m.members) {
        if (ms.member.staff != a.discloser_staff && ms.EligibleFor(seq)) {
          a.recipients.push_back(Recipient{ms.member.agency, ms.member.staff});
        }
      }
      if (a.recipients.empty()) {
        return Reject(kRuleMeetingScope, "no other member of meeting " + Quote(m.id) +
                                             " has acknowledged confidentiality");
      }
      return std::nullopt;
    }
    for (const Recipient& r : a.recipients) {
      if (!r.staff.has_value()) {
        return Reject(kRuleMeetingScope,
                      "a meeting disclosure goes to named members, not to "
                      "agency " +
                          Quote(r.agency));
      }
      const MemberState* ms = m.FindMember(*r.staff);
      if (ms == nullptr || ms->member.agency != r.agency) {
        return Reject(kRuleMeetingScope,
                      Quote(*r.staff) + " is not a member of meeting " + Quote(m.id));
      }
      if (!ms->EligibleFor(seq)) {
        return Reject(kRuleMeetingScope, Quote(*r.staff) +
                                             " has not acknowledged confidentiality in meeting " +
                                             Quote(m.id) + " (or has left)");
      }
    }
    return std::nullopt;
  }

  // Urgent case: recipients are agencies (or staff) that took part in the deciding meeting and
  // acknowledged confidentiality there.
  std::optional<Rejection> CheckUrgentRecipients(const MeetingState& m,
                                                 DisclosureAttempt& a) const {
    auto acknowledged = [&](const Recipient& r) {
      for (const MemberState& ms : m.members) {
        if (!ms.acknowledged_seq.has_value() || ms.member.agency != r.agency) continue;
        if (!r.staff.has_value() || ms.member.staff == *r.staff) return true;
      }
      return false;
    };
    if (a.recipients.empty()) {
      return Reject(kRuleMeetingScope, "an urgent-case disclosure names its recipients");
    }
    for (const Recipient& r : a.recipients) {
      if (!acknowledged(r)) {
        return Reject(kRuleMeetingScope, Quote(r.agency) +
                                             " did not take part, under confidentiality, in "
                                             "meeting " +
                                             Quote(m.id));
      }
    }
    return std::nullopt;
  }

  Status ValidAttempt(const DisclosureAttempt& a) const {
    KASANE_RETURN_IF_ERROR(KnownMember(a.subject));
    if (a.discloser_agency != c_.actor.agency || a.discloser_staff != c_.actor.staff) {
      return InvalidArgument("the discloser must be the acting staff member and agency");
    }
    if (a.kinds.empty()) return InvalidArgument("a disclosure names the kinds of information");
    for (const Recipient& r : a.recipients) {
      KASANE_RETURN_IF_ERROR(KnownAgency(r.agency));
      if (r.staff) KASANE_RETURN_IF_ERROR(KnownStaff(*r.staff, r.agency));
    }
    if (a.basis) {
      if (a.basis->consent) KASANE_RETURN_IF_ERROR(CheckId("consent id", *a.basis->consent));
      if (a.basis->meeting) KASANE_RETURN_IF_ERROR(CheckId("meeting id", *a.basis->meeting));
    }
    return Status::Ok();
  }

  Decision RefusedDisclosure(const DisclosureAttempt& a, Rejection r) const {
    DisclosureRefused refused;
    refused.subject = a.subject;
    refused.attempted_by_agency = a.discloser_agency;
    refused.attempted_by_staff = a.discloser_staff;
    refused.kinds = a.kinds;
    refused.purpose = a.purpose;
    refused.basis = a.basis;
    refused.recipients = a.recipients;
    refused.rule = r.rule;
    refused.reason = r.message;
    Decision d = Accept(std::move(refused));
    d.rejection = std::move(r);
    return d;
  }

  // --- handlers ---------------------------------------------------------------------------

  Result<Decision> Handle(const CaseOpened& x) const {
    if (s_.opened) return Refuse(kRuleImmutable, "the case is already opened");
    KASANE_RETURN_IF_ERROR(CheckId("case id", x.case_id));
    KASANE_RETURN_IF_ERROR(KnownAgency(x.intake_agency));
    if (x.intake_agency != c_.actor.agency) {
      return InvalidArgument("the intake agency is the acting agency");
    }
    KASANE_RETURN_IF_ERROR(CheckId("main person id", x.main_person));
    std::set<PersonId> seen;
    bool main_is_self = false;
    for (const HouseholdMember& m : x.members) {
      KASANE_RETURN_IF_ERROR(CheckId("person id", m.person));
      if (!seen.insert(m.person).second) return InvalidArgument("a household member is repeated");
      if (m.person == x.main_person) main_is_self = m.relation == Relation::kSelf;
    }
    if (!main_is_self) {
      return InvalidArgument("the main person must be a household member with relation self");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const HouseholdMemberAdded& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("person id", x.member.person));
    if (s_.IsMember(x.member.person)) {
      return Refuse(kRuleState, "person " + Quote(x.member.person) + " is already a member");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const HouseholdMemberRemoved& x) const {
    KASANE_RETURN_IF_ERROR(KnownMember(x.person));
    if (x.person == s_.main_person) return Refuse(kRuleState, "the main person stays in the case");
    return Accept(x);
  }
  Result<Decision> Handle(const ConsentRecorded& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("consent id", x.consent));
    KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
    if (s_.FindConsent(x.consent) != nullptr) {
      return Refuse(kRuleImmutable, "consent " + Quote(x.consent) +
                                        " is already recorded; record a new consent instead");
    }
    if ((x.grantor == Grantor::kProxy) != x.proxy_relation.has_value()) {
      return InvalidArgument("a proxy consent names the proxy's relation, a self consent none");
    }
    for (const AgencyId& a : x.recipients) KASANE_RETURN_IF_ERROR(KnownAgency(a));
    if (x.decision == ConsentDecision::kPermit &&
        (x.recipients.empty() || x.kinds.empty() || x.purposes.empty())) {
      return InvalidArgument("a permitting consent names recipients, kinds and purposes");
    }
    if (x.valid_from <= 0) return InvalidArgument("a consent has a valid_from date");
    if (x.valid_until.has_value() && *x.valid_until <= x.valid_from) {
      return InvalidArgument("valid_until must be after valid_from");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const ConsentWithdrawn& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("consent id", x.consent));
    const ConsentState* c = s_.FindConsent(x.consent);
    if (c == nullptr) return InvalidArgument("unknown consent " + Quote(x.consent));
    if (c->consent.subject != x.subject) return InvalidArgument("consent subject mismatch");
    if (c->withdrawn_at.has_value()) return Refuse(kRuleState, "consent is already withdrawn");
    return Accept(x);
  }
  Result<Decision> Handle(const ReferralMade& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("referral id", x.referral));
    KASANE_RETURN_IF_ERROR(KnownAgency(x.to_agency));
    if (x.from_agency != c_.actor.agency) return InvalidArgument("a referral is from the actor");
    if (s_.referrals.contains(x.referral)) {
      return Refuse(kRuleImmutable, "referral " + Quote(x.referral) + " already exists");
    }
    if (x.kinds_passed.empty()) {
      KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
      ReferralMade out = x;
      out.basis.reset();
      return Accept(std::move(out));
    }
    DisclosureAttempt a{x.subject,
                        x.from_agency,
                        c_.actor.staff,
                        x.kinds_passed,
                        Purpose::kReferral,
                        x.basis,
                        {Recipient{x.to_agency, std::nullopt}}};
    KASANE_RETURN_IF_ERROR(ValidAttempt(a));
    if (auto r = CheckDisclosure(a)) return RefusedDisclosure(a, std::move(*r));
    return Accept(x);
  }
  Result<Decision> Handle(const ReferralAccepted& x) const { return Answer(x.referral); }
  Result<Decision> Handle(const ReferralDeclined& x) const { return Answer(x.referral); }
  Result<Decision> Answer(const ReferralId& id) const {
    auto it = s_.referrals.find(id);
    if (it == s_.referrals.end()) return InvalidArgument("unknown referral " + Quote(id));
    if (it->second.to_agency != c_.actor.agency) {
      return Refuse(kRuleRole, "only the receiving agency answers a referral");
    }
    if (it->second.status != ReferralStatus::kPending) {
      return Refuse(kRuleState, "referral " + Quote(id) + " was already answered");
    }
    return Accept(c_.payload);
  }
  Result<Decision> Handle(const ReferralReturned& x) const {
    auto it = s_.referrals.find(x.referral);
    if (it == s_.referrals.end()) return InvalidArgument("unknown referral " + Quote(x.referral));
    KASANE_RETURN_IF_ERROR(KnownAgency(x.to_agency));
    KASANE_RETURN_IF_ERROR(KnownAgency(x.lead_agency));
    if (x.moment != HandoffMoment::kReturnToReferrer &&
        x.moment != HandoffMoment::kReturnAfterCoordination) {
      return InvalidArgument("a return (つなぎもどし) is moment 3 or 5");
    }
    if (it->second.status != ReferralStatus::kAccepted) {
      return Refuse(kRuleState, "only an accepted referral is returned");
    }
    if (it->second.to_agency != c_.actor.agency) {
      return Refuse(kRuleRole, "only the agency that accepted the referral returns it");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const LeadAgencyAssigned& x) const {
    KASANE_RETURN_IF_ERROR(KnownAgency(x.agency));
    return Accept(x);
  }
  Result<Decision> Handle(const AssessmentRecorded& x) const {
    KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
    if (x.kinds.empty()) return InvalidArgument("an assessment names its kinds of information");
    return Accept(x);
  }
  Result<Decision> Handle(const MeetingConvened& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("meeting id", x.meeting));
    if (s_.FindMeeting(x.meeting) != nullptr) {
      return Refuse(kRuleImmutable, "meeting " + Quote(x.meeting) + " already exists");
    }
    if ((x.kind == MeetingKind::kMultiLayeredSupportMeeting) != x.purpose.has_value()) {
      return InvalidArgument(
          "a multi_layered_support_meeting has a purpose; a support_meeting has none");
    }
    KASANE_RETURN_IF_ERROR(CheckId("chair", x.chair));
    if (dir_.FindStaff(x.chair) == nullptr) return InvalidArgument("unknown chair");
    std::set<StaffId> seen;
    for (const MeetingMember& m : x.members) {
      KASANE_RETURN_IF_ERROR(KnownStaff(m.staff, m.agency));
      if (!seen.insert(m.staff).second) return InvalidArgument("a member is repeated");
    }
    if (x.kind == MeetingKind::kMultiLayeredSupportMeeting &&
        !s_.HasPlanningConsentInForce(s_.main_person, c_.occurred_at)) {
      return Refuse(kRuleMeetingConsent,
                    "a multi_layered_support_meeting is held only for a case with consent in "
                    "force; use a support_meeting (Art. 106-6) otherwise");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const ConfidentialityAcknowledged& x) const {
    KASANE_ASSIGN_OR_RETURN(const MeetingState* m, KnownMeeting(x.meeting));
    if (x.staff != c_.actor.staff || x.agency != c_.actor.agency) {
      return Refuse(kRuleRole, "members acknowledge confidentiality themselves");
    }
    if (m->concluded()) return Refuse(kRuleState, "the meeting has concluded");
    const MemberState* ms = m->FindMember(x.staff);
    if (ms == nullptr || ms->left_seq.has_value()) {
      return Refuse(kRuleMeetingScope, Quote(x.staff) + " is not a member of the meeting");
    }
    if (ms->acknowledged_seq.has_value()) return Refuse(kRuleState, "already acknowledged");
    return Accept(x);
  }
  Result<Decision> Handle(const MeetingMemberJoined& x) const {
    KASANE_ASSIGN_OR_RETURN(const MeetingState* m, KnownMeeting(x.meeting));
    KASANE_RETURN_IF_ERROR(KnownStaff(x.member.staff, x.member.agency));
    if (m->concluded()) return Refuse(kRuleState, "the meeting has concluded");
    const MemberState* ms = m->FindMember(x.member.staff);
    if (ms != nullptr && !ms->left_seq.has_value()) {
      return Refuse(kRuleState, Quote(x.member.staff) + " is already a member");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const MeetingMemberLeft& x) const {
    KASANE_ASSIGN_OR_RETURN(const MeetingState* m, KnownMeeting(x.meeting));
    const MemberState* ms = m->FindMember(x.staff);
    if (ms == nullptr || ms->left_seq.has_value()) {
      return Refuse(kRuleState, Quote(x.staff) + " is not a present member");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const MeetingConcluded& x) const {
    KASANE_ASSIGN_OR_RETURN(const MeetingState* m, KnownMeeting(x.meeting));
    KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
    if (x.urgent_case && m->kind != MeetingKind::kSupportMeeting) {
      return InvalidArgument("only a support_meeting decides an urgent case");
    }
    if (m->concluded()) return Refuse(kRuleState, "the meeting has already concluded");
    return Accept(x);
  }
  Result<Decision> Handle(const DisclosureMade& x) const {
    DisclosureAttempt a{x.subject, x.discloser_agency, x.discloser_staff, x.kinds, x.purpose,
                        x.basis,   x.recipients};
    KASANE_RETURN_IF_ERROR(ValidAttempt(a));
    const bool in_meeting = x.basis.meeting.has_value() && x.basis.kind != BasisKind::kUrgentCase;
    if (a.recipients.empty() && !in_meeting) {
      return InvalidArgument("a disclosure outside a meeting names its recipients");
    }
    if (auto r = CheckDisclosure(a)) return RefusedDisclosure(a, std::move(*r));
    DisclosureMade out = x;
    out.recipients = a.recipients;
    return Accept(std::move(out));
  }
  Result<Decision> Handle(const PlanDrafted& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("plan id", x.plan));
    KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
    KASANE_RETURN_IF_ERROR(ValidBody(x.body));
    const bool fresh = !s_.plan || s_.plan->status == PlanStatus::kTerminated;
    if (fresh) {
      if (s_.plan && s_.plan->id == x.plan) {
        return Refuse(kRuleImmutable, "a terminated plan's id is not reused");
      }
      if (x.version != 1) return Refuse(kRuleState, "a new plan starts at version 1");
    } else {
      if (s_.plan->id != x.plan) return Refuse(kRuleState, "the case already has a plan");
      if (s_.plan->status != PlanStatus::kDrafted) {
        return Refuse(kRuleState, "an approved plan changes only by plan.revised");
      }
      if (x.version != s_.plan->version + 1) {
        return Refuse(kRuleState, "a redraft has the next version number");
      }
    }
    PlanDrafted out = x;
    FillDueDates(out.body);
    return Accept(std::move(out));
  }
  Result<Decision> Handle(const PlanApproved& x) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(x.plan));
    KASANE_RETURN_IF_ERROR(CheckId("meeting id", x.meeting));
    if (p->status != PlanStatus::kDrafted || p->version != x.version) {
      return Refuse(kRuleState, "only the latest drafted version is approved");
    }
    if (auto r = CheckPlanMeeting(x.meeting, MeetingPurpose::kPlanCreation)) return Refuse(*r);
    return Accept(x);
  }
  Result<Decision> Handle(const PlanRevised& x) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(x.plan));
    KASANE_RETURN_IF_ERROR(CheckId("meeting id", x.meeting));
    KASANE_RETURN_IF_ERROR(KnownMember(x.subject));
    KASANE_RETURN_IF_ERROR(ValidBody(x.body));
    if (p->status != PlanStatus::kApproved)
      return Refuse(kRuleState, "only a running plan changes");
    if (x.version != p->version + 1) return Refuse(kRuleState, "a revision is the next version");
    if (auto r = CheckPlanMeeting(x.meeting, MeetingPurpose::kPlanChange)) return Refuse(*r);
    PlanRevised out = x;
    FillDueDates(out.body);
    return Accept(std::move(out));
  }
  Result<Decision> Handle(const MonitoringRecorded& x) const { return Running(x.plan, x.version); }
  Result<Decision> Handle(const PlanEvaluated& x) const { return Running(x.plan, x.version); }
  Result<Decision> Running(const PlanId& id, uint32_t version) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(id));
    KASANE_RETURN_IF_ERROR(KnownMember(*SubjectOf(c_.payload)));
    if (p->status != PlanStatus::kApproved || p->approved_version != version) {
      return Refuse(kRuleState, "monitoring and evaluation concern the running approved version");
    }
    return Accept(c_.payload);
  }
  Result<Decision> Handle(const SupportTerminated& x) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(x.plan));
    KASANE_RETURN_IF_ERROR(KnownAgency(x.accompanying_agency));
    if (p->status != PlanStatus::kApproved && p->status != PlanStatus::kSuspended) {
      return Refuse(kRuleState, "only an approved or suspended plan is terminated");
    }
    if (auto r = CheckPlanMeeting(x.meeting, MeetingPurpose::kTermination)) return Refuse(*r);
    return Accept(x);
  }
  Result<Decision> Handle(const SupportSuspended& x) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(x.plan));
    if (p->status != PlanStatus::kApproved) return Refuse(kRuleState, "only a running plan stops");
    if (auto r = CheckPlanMeeting(x.meeting, MeetingPurpose::kSuspension)) return Refuse(*r);
    return Accept(x);
  }
  Result<Decision> Handle(const SupportResumed& x) const {
    KASANE_ASSIGN_OR_RETURN(const PlanState* p, KnownPlan(x.plan));
    if (p->status != PlanStatus::kSuspended) return Refuse(kRuleState, "the plan is not suspended");
    return Accept(x);
  }
  Result<Decision> Handle(const OutreachRecorded& x) const { return Plain(x.subject); }
  Result<Decision> Handle(const ParticipationMatched& x) const { return Plain(x.subject); }
  Result<Decision> Handle(const ParticipationFollowedUp& x) const { return Plain(x.subject); }
  Result<Decision> Plain(const PersonId& subject) const {
    KASANE_RETURN_IF_ERROR(KnownMember(subject));
    return Accept(c_.payload);
  }
  Result<Decision> Handle(const CorrectionRecorded& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("person id", x.subject));
    if (s_.FindEvent(x.corrects) == nullptr) {
      return Refuse(kRuleImmutable, "a correction names an event of this case; " +
                                        x.corrects.ToHex() + " is not one");
    }
    return Accept(x);
  }
  Result<Decision> Handle(const DisclosureRequestReceived& x) const {
    return NewRequest(x.request, x.subject);
  }
  Result<Decision> Handle(const CorrectionRequestReceived& x) const {
    if (x.target && s_.FindEvent(*x.target) == nullptr) {
      return InvalidArgument("the correction request names an unknown event");
    }
    return NewRequest(x.request, x.subject);
  }
  Result<Decision> Handle(const UsageSuspensionRequested& x) const {
    return NewRequest(x.request, x.subject);
  }
  Result<Decision> NewRequest(const RequestId& id, const PersonId& subject) const {
    KASANE_RETURN_IF_ERROR(CheckId("request id", id));
    KASANE_RETURN_IF_ERROR(CheckId("person id", subject));
    if (s_.requests.contains(id)) {
      return Refuse(kRuleImmutable, "request " + Quote(id) + " already exists");
    }
    return Accept(c_.payload);
  }
  Result<Decision> Handle(const DisclosureRequestDecided& x) const {
    return DecideRequest(x.request, x.subject, DisclosureRequestReceived::kType,
                         RequestStatus::kReceived);
  }
  Result<Decision> Handle(const CorrectionRequestDecided& x) const {
    return DecideRequest(x.request, x.subject, CorrectionRequestReceived::kType,
                         RequestStatus::kReceived);
  }
  Result<Decision> Handle(const UsageSuspensionApplied& x) const {
    return DecideRequest(x.request, x.subject, UsageSuspensionRequested::kType,
                         RequestStatus::kReceived);
  }
  Result<Decision> DecideRequest(const RequestId& id, const PersonId& subject,
                                 std::string_view type, RequestStatus needed) const {
    auto it = s_.requests.find(id);
    if (it == s_.requests.end() || it->second.type != type) {
      return InvalidArgument("no " + std::string(type) + " request " + Quote(id));
    }
    if (it->second.subject != subject) return InvalidArgument("request subject mismatch");
    if (it->second.status != needed) return Refuse(kRuleState, "the request is already decided");
    return Accept(c_.payload);
  }
  Result<Decision> Handle(const PersonErased& x) const {
    KASANE_RETURN_IF_ERROR(CheckId("person id", x.subject));
    if (s_.erased.contains(x.subject)) return Refuse(kRuleState, "already erased");
    // Only a person this case holds content about: keys are per person across the whole log,
    // so erasing an id typed wrong would shred another case's person.
    bool known = s_.IsMember(x.subject) || s_.main_person == x.subject;
    for (const auto& [id, facts] : s_.events) {
      if (known) break;
      known = facts.subject == x.subject;
    }
    if (!known)
      return InvalidArgument("person " + Quote(x.subject) + " is not a person of this case");
    if (x.legal_basis.empty()) return InvalidArgument("an erasure names its legal basis");
    return Accept(x);
  }
  // Rejected before dispatch (Run); present so the visit is exhaustive.
  Result<Decision> Handle(const AgencyRegistered&) const { return InvalidArgument("admin event"); }
  Result<Decision> Handle(const StaffRegistered&) const { return InvalidArgument("admin event"); }
  Result<Decision> Handle(const StaffDeactivated&) const { return InvalidArgument("admin event"); }
  Result<Decision> Handle(const DisclosureRefused&) const { return InvalidArgument("refusal"); }
  Result<Decision> Handle(const AccessRecorded&) const { return InvalidArgument("access"); }

  static Decision Refuse(Rejection r) {
    Decision d;
    d.rejection = std::move(r);
    return d;
  }

  const CaseState& s_;
  const Command& c_;
  const DecisionContext& ctx_;
  const Directory& dir_;
};

}  // namespace

Result<Decision> Decide(const CaseState& state, const Command& command,
                        const DecisionContext& context) {
  return Decider(state, command, context).Run();
}

Result<Decision> DecideAdmin(const Directory& directory, const Command& command,
                             const DecisionContext& context) {
  const Payload& p = command.payload;
  if (!IsAdminEvent(p)) return InvalidArgument("not an admin event");
  if (command.event_id.IsZero()) return InvalidArgument("command needs a non-zero event id");
  if (command.occurred_at <= 0 || command.occurred_at > context.now) {
    return InvalidArgument("occurred_at must be set and not later than now");
  }
  Decision d;
  if (directory.HasActiveSecretariat() &&
      (command.actor.role != Role::kSecretariat || !directory.IsActiveActor(command.actor))) {
    d.rejection = Reject(kRuleRole, "only active secretariat staff maintain the directory");
    return d;
  }
  if (const auto* a = std::get_if<AgencyRegistered>(&p)) {
    KASANE_RETURN_IF_ERROR(CheckId("agency id", a->agency));
    if (a->name.empty()) return InvalidArgument("an agency has a name");
    if (directory.FindAgency(a->agency) != nullptr) {
      d.rejection = Reject(kRuleImmutable, "agency " + Quote(a->agency) + " is registered");
      return d;
    }
  } else if (const auto* s = std::get_if<StaffRegistered>(&p)) {
    KASANE_RETURN_IF_ERROR(CheckId("staff id", s->staff));
    if (directory.FindAgency(s->agency) == nullptr) return InvalidArgument("unknown agency");
    if (s->roles.empty()) return InvalidArgument("staff have at least one role");
    if (s->roles.contains(Role::kApp)) return InvalidArgument("apps are not staff");
    if (directory.FindStaff(s->staff) != nullptr) {
      d.rejection = Reject(kRuleImmutable, "staff " + Quote(s->staff) + " is registered");
      return d;
    }
  } else if (const auto* x = std::get_if<StaffDeactivated>(&p)) {
    const StaffInfo* info = directory.FindStaff(x->staff);
    if (info == nullptr) return InvalidArgument("unknown staff");
    if (!info->active) {
      d.rejection = Reject(kRuleState, "staff is already deactivated");
      return d;
    }
  }
  d.events.push_back(
      DomainEvent{command.event_id, command.occurred_at, context.now, command.actor, p});
  return d;
}

Status RejectionStatus(const Rejection& r) {
  std::string message = r.rule + ": " + r.message;
  if (r.rule == kRuleActor || r.rule == kRuleRole) return PermissionDenied(std::move(message));
  return FailedPrecondition(std::move(message));
}

}  // namespace kasane::domain

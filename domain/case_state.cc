#include "domain/case_state.h"

#include <algorithm>
#include <type_traits>

namespace kasane::domain {

bool ConsentState::InForceAt(UnixNanos t) const {
  if (consent.decision != ConsentDecision::kPermit) return false;
  if (t < consent.valid_from) return false;
  if (consent.valid_until.has_value() && t >= *consent.valid_until) return false;
  if (withdrawn_at.has_value() && t >= *withdrawn_at) return false;
  return true;
}

bool ConsentState::NamesAgency(const AgencyId& a) const {
  return std::find(consent.recipients.begin(), consent.recipients.end(), a) !=
         consent.recipients.end();
}

bool MemberState::EligibleFor(uint64_t seq) const {
  if (joined_seq >= seq) return false;
  if (!acknowledged_seq.has_value() || *acknowledged_seq >= seq) return false;
  if (left_seq.has_value() && *left_seq < seq) return false;
  return true;
}

const MemberState* MeetingState::FindMember(const StaffId& staff) const {
  for (const MemberState& m : members) {
    if (m.member.staff == staff) return &m;
  }
  return nullptr;
}

bool PlanState::HasRole(const AgencyId& a) const {
  return std::find(role_agencies.begin(), role_agencies.end(), a) != role_agencies.end();
}

const ConsentState* CaseState::FindConsent(const ConsentId& id) const {
  auto it = consents.find(id);
  return it == consents.end() ? nullptr : &it->second;
}

const MeetingState* CaseState::FindMeeting(const MeetingId& id) const {
  auto it = meetings.find(id);
  return it == meetings.end() ? nullptr : &it->second;
}

const EventFacts* CaseState::FindEvent(const EventId& id) const {
  auto it = events.find(id);
  return it == events.end() ? nullptr : &it->second;
}

const DisclosureState* CaseState::FindDisclosure(const EventId& id) const {
  for (const DisclosureState& d : disclosures) {
    if (d.event == id) return &d;
  }
  return nullptr;
}

const ConsentState* CaseState::ConsentCovering(const PersonId& subject, UnixNanos t,
                                               const std::vector<AgencyId>& agencies,
                                               const KindSet& kinds,
                                               std::optional<Purpose> purpose) const {
  for (const auto& entry : consents) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const ConsentState& c = entry.second;
    if (c.consent.subject != subject || !c.InForceAt(t)) continue;
    if (!c.consent.kinds.ContainsAll(kinds)) continue;
    if (purpose.has_value() && !c.consent.purposes.contains(*purpose)) continue;
    bool all_named = std::all_of(agencies.begin(), agencies.end(),
                                 [&](const AgencyId& a) { return c.NamesAgency(a); });
    if (all_named) return &c;
  }
  return nullptr;
}

bool CaseState::HasPlanningConsentInForce(const PersonId& subject, UnixNanos t) const {
  return ConsentCovering(subject, t, {}, KindSet(), Purpose::kSupportPlanning) != nullptr;
}

namespace {

std::vector<AgencyId> RoleAgencies(const PlanBody& body) {
  std::vector<AgencyId> out;
  for (const PlanRole& r : body.roles) out.push_back(r.agency);
  return out;
}

MeetingState* MutableMeeting(CaseState& s, const MeetingId& id) {
  auto it = s.meetings.find(id);
  return it == s.meetings.end() ? nullptr : &it->second;
}

MemberState* MutableMember(MeetingState& m, const StaffId& staff) {
  for (MemberState& x : m.members) {
    if (x.member.staff == staff) return &x;
  }
  return nullptr;
}

class Applier {
 public:
  Applier(CaseState& s, const DomainEvent& e, uint64_t seq) : s_(s), e_(e), seq_(seq) {}

  void operator()(const CaseOpened& x) {
    s_.case_id = x.case_id;
    s_.opened = true;
    s_.intake_agency = x.intake_agency;
    s_.main_person = x.main_person;
    s_.fields = x.fields;
    for (const HouseholdMember& m : x.members) s_.household[m.person] = m.relation;
  }
  void operator()(const HouseholdMemberAdded& x) {
    s_.household[x.member.person] = x.member.relation;
  }
  void operator()(const HouseholdMemberRemoved& x) { s_.household.erase(x.person); }
  void operator()(const ConsentRecorded& x) { s_.consents[x.consent] = ConsentState{x, {}}; }
  void operator()(const ConsentWithdrawn& x) {
    auto it = s_.consents.find(x.consent);
    if (it != s_.consents.end() && !it->second.withdrawn_at) {
      it->second.withdrawn_at = e_.occurred_at;
    }
  }
  void operator()(const ReferralMade& x) {
    s_.referrals[x.referral] =
        ReferralState{x.referral, x.from_agency, x.to_agency, x.moment, ReferralStatus::kPending};
    if (!x.kinds_passed.empty() && x.basis.has_value()) {
      s_.disclosures.push_back(DisclosureState{e_.id,
                                               seq_,
                                               e_.occurred_at,
                                               x.subject,
                                               x.from_agency,
                                               x.kinds_passed,
                                               *x.basis,
                                               {Recipient{x.to_agency, std::nullopt}}});
    }
  }
  void operator()(const ReferralAccepted& x) { SetReferral(x.referral, ReferralStatus::kAccepted); }
  void operator()(const ReferralDeclined& x) { SetReferral(x.referral, ReferralStatus::kDeclined); }
  void operator()(const ReferralReturned& x) {
    SetReferral(x.referral, ReferralStatus::kReturned);
    s_.lead_agency = x.lead_agency;
  }
  void operator()(const LeadAgencyAssigned& x) { s_.lead_agency = x.agency; }
  void operator()(const AssessmentRecorded&) { ++s_.assessments; }
  void operator()(const MeetingConvened& x) {
    MeetingState m;
    m.id = x.meeting;
    m.kind = x.kind;
    m.purpose = x.purpose;
    m.chair = x.chair;
    m.held_at = x.held_at;
    m.convened_seq = seq_;
    for (const MeetingMember& mm : x.members) m.members.push_back(MemberState{mm, seq_, {}, {}});
    s_.meetings[x.meeting] = std::move(m);
  }
  void operator()(const ConfidentialityAcknowledged& x) {
    if (MeetingState* m = MutableMeeting(s_, x.meeting)) {
      if (MemberState* mm = MutableMember(*m, x.staff)) {
        if (!mm->acknowledged_seq) mm->acknowledged_seq = seq_;
      }
    }
  }
  void operator()(const MeetingMemberJoined& x) {
    if (MeetingState* m = MutableMeeting(s_, x.meeting)) {
      if (MemberState* mm = MutableMember(*m, x.member.staff)) {
        // Rejoining after leaving: a new membership, needing a new acknowledgement.
        *mm = MemberState{x.member, seq_, {}, {}};
      } else {
        m->members.push_back(MemberState{x.member, seq_, {}, {}});
      }
    }
  }
  void operator()(const MeetingMemberLeft& x) {
    if (MeetingState* m = MutableMeeting(s_, x.meeting)) {
      if (MemberState* mm = MutableMember(*m, x.staff)) {
        if (!mm->left_seq) mm->left_seq = seq_;
      }
    }
  }
  void operator()(const MeetingConcluded& x) {
    if (MeetingState* m = MutableMeeting(s_, x.meeting)) {
      if (!m->concluded_seq) m->concluded_seq = seq_;
      m->urgent_case = x.urgent_case;
    }
  }
  void operator()(const DisclosureMade& x) {
    s_.disclosures.push_back(DisclosureState{e_.id, seq_, e_.occurred_at, x.subject,
                                             x.discloser_agency, x.kinds, x.basis, x.recipients});
  }
  void operator()(const DisclosureRefused& x) {
    s_.refusals.push_back(RefusalState{e_.id, seq_, x.subject, x.attempted_by_agency, x.rule});
  }
  void operator()(const PlanDrafted& x) {
    PlanState p = s_.plan.value_or(PlanState{});
    p.id = x.plan;
    p.version = x.version;
    p.status = PlanStatus::kDrafted;
    p.draft_role_agencies = RoleAgencies(x.body);
    p.monitoring_due = x.body.monitoring_due;
    p.evaluation_due = x.body.evaluation_due;
    s_.plan = std::move(p);
  }
  void operator()(const PlanApproved& x) {
    if (!s_.plan || s_.plan->id != x.plan) return;
    s_.plan->approved_version = x.version;
    s_.plan->status = PlanStatus::kApproved;
    s_.plan->role_agencies = s_.plan->draft_role_agencies;
  }
  void operator()(const PlanRevised& x) {
    if (!s_.plan || s_.plan->id != x.plan) return;
    s_.plan->version = x.version;
    s_.plan->approved_version = x.version;
    s_.plan->status = PlanStatus::kApproved;
    s_.plan->draft_role_agencies = RoleAgencies(x.body);
    s_.plan->role_agencies = s_.plan->draft_role_agencies;
    s_.plan->monitoring_due = x.body.monitoring_due;
    s_.plan->evaluation_due = x.body.evaluation_due;
  }
  void operator()(const MonitoringRecorded& x) {
    if (s_.plan && s_.plan->id == x.plan) ++s_.plan->monitorings;
  }
  void operator()(const PlanEvaluated& x) {
    if (s_.plan && s_.plan->id == x.plan) ++s_.plan->evaluations;
  }
  void operator()(const SupportTerminated& x) {
    if (!s_.plan || s_.plan->id != x.plan) return;
    s_.plan->status = PlanStatus::kTerminated;
    s_.plan->accompanying_agency = x.accompanying_agency;
  }
  void operator()(const SupportSuspended& x) {
    if (s_.plan && s_.plan->id == x.plan) s_.plan->status = PlanStatus::kSuspended;
  }
  void operator()(const SupportResumed& x) {
    if (s_.plan && s_.plan->id == x.plan) s_.plan->status = PlanStatus::kApproved;
  }
  void operator()(const OutreachRecorded&) { ++s_.outreach_activities; }
  void operator()(const ParticipationMatched&) { ++s_.participation_records; }
  void operator()(const ParticipationFollowedUp&) { ++s_.participation_records; }
  void operator()(const CorrectionRecorded& x) {
    s_.corrections.push_back(CorrectionState{e_.id, x.corrects, seq_});
  }
  void operator()(const DisclosureRequestReceived& x) { NewRequest(x.request, x.kType, x.subject); }
  void operator()(const DisclosureRequestDecided& x) {
    SetRequest(x.request, RequestStatus::kDecided);
  }
  void operator()(const CorrectionRequestReceived& x) { NewRequest(x.request, x.kType, x.subject); }
  void operator()(const CorrectionRequestDecided& x) {
    SetRequest(x.request, RequestStatus::kDecided);
  }
  void operator()(const UsageSuspensionRequested& x) { NewRequest(x.request, x.kType, x.subject); }
  void operator()(const UsageSuspensionApplied& x) {
    SetRequest(x.request, RequestStatus::kApplied);
    s_.usage_suspended.insert(x.subject);
  }
  void operator()(const PersonErased& x) { s_.erased.insert(x.subject); }
  // Admin events and access records do not change a case.
  void operator()(const AgencyRegistered&) {}
  void operator()(const StaffRegistered&) {}
  void operator()(const StaffDeactivated&) {}
  void operator()(const AccessRecorded&) {}

 private:
  void SetReferral(const ReferralId& id, ReferralStatus st) {
    auto it = s_.referrals.find(id);
    if (it != s_.referrals.end()) it->second.status = st;
  }
  void NewRequest(const RequestId& id, std::string_view type, const PersonId& subject) {
    s_.requests[id] = RequestState{id, std::string(type), subject, RequestStatus::kReceived};
  }
  void SetRequest(const RequestId& id, RequestStatus st) {
    auto it = s_.requests.find(id);
    if (it != s_.requests.end()) it->second.status = st;
  }

  CaseState& s_;
  const DomainEvent& e_;
  uint64_t seq_;
};

}  // namespace

CaseState Evolve(CaseState state, const DomainEvent& event) {
  const uint64_t seq = ++state.version;
  state.events[event.id] = EventFacts{seq, std::string(TypeOf(event.payload)), event.actor.agency,
                                      SubjectOf(event.payload)};
  std::visit(Applier(state, event, seq), event.payload);
  return state;
}

CaseState Replay(std::span<const DomainEvent> events) {
  CaseState s;
  for (const DomainEvent& e : events) s = Evolve(std::move(s), e);
  return s;
}

}  // namespace kasane::domain

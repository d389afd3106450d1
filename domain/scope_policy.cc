#include "domain/scope_policy.h"

#include <algorithm>
#include <limits>

namespace kasane::domain {
namespace {

ScopeDecision Decision(ScopeLevel level, std::string_view reason) {
  return ScopeDecision{level, std::string(reason)};
}

bool InMeeting(const DisclosureBasis& b) {
  return b.meeting.has_value() && b.kind != BasisKind::kUrgentCase;
}

// Rule 4 for one disclosure (disclosure.made or an information-passing referral).
std::optional<ScopeDecision> AsRecipient(const Principal& p, const CaseState& s,
                                         const DisclosureState& d) {
  if (InMeeting(d.basis)) {
    const MeetingState* m = s.FindMeeting(*d.basis.meeting);
    if (m == nullptr) return std::nullopt;
    const bool listed = std::any_of(d.recipients.begin(), d.recipients.end(), [&](const auto& r) {
      return r.staff.has_value() && *r.staff == p.staff && r.agency == p.agency;
    });
    const MemberState* ms = m->FindMember(p.staff);
    if (listed && ms != nullptr && ms->EligibleFor(d.seq)) {
      return Decision(ScopeLevel::kFull, kReasonMeetingMember);
    }
    return std::nullopt;
  }
  for (const Recipient& r : d.recipients) {
    if (r.agency == p.agency && (!r.staff.has_value() || *r.staff == p.staff)) {
      return Decision(ScopeLevel::kFull, kReasonDisclosureRecipient);
    }
  }
  return std::nullopt;
}

// Minutes go to members who acknowledged before anything was disclosed in the meeting.
bool MayReadMinutes(const Principal& p, const CaseState& s, const MeetingId& id) {
  const MeetingState* m = s.FindMeeting(id);
  if (m == nullptr) return false;
  const MemberState* ms = m->FindMember(p.staff);
  if (ms == nullptr || ms->member.agency != p.agency || !ms->acknowledged_seq) return false;
  uint64_t first = m->concluded_seq.value_or(std::numeric_limits<uint64_t>::max());
  for (const DisclosureState& d : s.disclosures) {
    if (d.basis.meeting == id && InMeeting(d.basis)) first = std::min(first, d.seq);
  }
  return ms->EligibleFor(first);
}

// Rule 4: content a 支援会議 shared (Art. 106-6, without consent): a disclosure (or referral)
// whose basis names a support_meeting, or the minutes of one.
bool SharedInSupportMeeting(const CaseState& s, const DomainEvent& event) {
  auto support_meeting = [&](const MeetingId& id) {
    const MeetingState* m = s.FindMeeting(id);
    return m != nullptr && m->kind == MeetingKind::kSupportMeeting;
  };
  if (const DisclosureState* d = s.FindDisclosure(event.id)) {
    return d->basis.meeting.has_value() && support_meeting(*d->basis.meeting);
  }
  if (const auto* c = std::get_if<MeetingConcluded>(&event.payload)) {
    return support_meeting(c->meeting);
  }
  return false;
}

bool HasPlanRelation(const Principal& p, const CaseState& s) {
  if (!s.plan || s.plan->approved_version == 0) return false;
  if (s.plan->status == PlanStatus::kTerminated) {
    return s.plan->accompanying_agency == p.agency;
  }
  return s.plan->HasRole(p.agency);
}

}  // namespace

ScopeDecision Evaluate(const Principal& principal, const CaseState& state, const DomainEvent& event,
                       UnixNanos at) {
  const std::optional<PersonId> subject = SubjectOf(event.payload);
  const KindSet kinds = KindsOf(event.payload);
  if (subject && state.erased.contains(*subject)) {
    return principal.role == Role::kAuditor ? Decision(ScopeLevel::kMetadataOnly, kReasonErased)
                                            : Decision(ScopeLevel::kNothing, kReasonErased);
  }
  if (principal.role == Role::kAuditor) return Decision(ScopeLevel::kMetadataOnly, kReasonAuditor);
  if (principal.role == Role::kApp) {
    if (!principal.app_scope) return Decision(ScopeLevel::kNothing, kReasonOutOfAppScope);
    const AppScope& scope = *principal.app_scope;
    const bool case_ok = scope.cases.empty() || scope.cases.contains(state.case_id);
    if (!case_ok || !scope.kinds.ContainsAll(kinds)) {
      return Decision(ScopeLevel::kNothing, kReasonOutOfAppScope);
    }
    if (scope.content && SharedInSupportMeeting(state, event)) {
      return Decision(ScopeLevel::kMetadataOnly, kReasonSupportMeeting);
    }
    return Decision(scope.content ? ScopeLevel::kFull : ScopeLevel::kMetadataOnly, kReasonAppScope);
  }
  if (!principal.agency.empty() && event.actor.agency == principal.agency) {
    return Decision(ScopeLevel::kFull, kReasonRecordingAgency);
  }
  if (const DisclosureState* d = state.FindDisclosure(event.id)) {
    if (auto r = AsRecipient(principal, state, *d)) return *r;
  }
  if (const auto* c = std::get_if<MeetingConcluded>(&event.payload)) {
    if (MayReadMinutes(principal, state, c->meeting)) {
      return Decision(ScopeLevel::kFull, kReasonMeetingMember);
    }
  }
  if (HasPlanRelation(principal, state)) {
    const PersonId whose = subject.value_or(state.main_person);
    if (state.ConsentCovering(whose, at, {principal.agency}, kinds, std::nullopt) != nullptr) {
      return Decision(ScopeLevel::kFull, kReasonPlanRole);
    }
  }
  if (principal.role == Role::kSecretariat) {
    return Decision(ScopeLevel::kMetadataOnly, kReasonSecretariat);
  }
  return Decision(ScopeLevel::kNothing, kReasonNoRelation);
}

bool ShowsField(const Principal& principal, const CaseState& state, const DomainEvent& event,
                const ScopeDecision& decision, const PersonalField& field, UnixNanos at) {
  if (decision.level != ScopeLevel::kFull) return false;
  if (state.erased.contains(field.subject)) return false;
  if (decision.reason != kReasonPlanRole) return true;
  const PersonId whose = SubjectOf(event.payload).value_or(state.main_person);
  if (field.subject.value.empty() || field.subject == whose) return true;
  const KindSet kinds = field.path.ends_with("profile") ? KindSet::Of({InformationKind::kIdentity})
                                                        : KindsOf(event.payload);
  return state.ConsentCovering(field.subject, at, {principal.agency}, kinds, std::nullopt) !=
         nullptr;
}

std::optional<AccessRecorded> AccessRecordFor(const Principal& principal, const CaseState& state,
                                              std::span<const DomainEvent> shown, UnixNanos at) {
  AccessRecorded record;
  record.case_id = state.case_id;
  record.staff = principal.staff;
  record.agency = principal.agency;
  record.role = principal.role;
  std::set<std::string> reasons;
  for (const DomainEvent& e : shown) {
    ScopeDecision d = Evaluate(principal, state, e, at);
    if (d.level != ScopeLevel::kFull) continue;
    record.events.push_back(e.id);
    record.kinds.InsertAll(KindsOf(e.payload));
    reasons.insert(d.reason);
  }
  if (record.events.empty()) return std::nullopt;
  for (const std::string& r : reasons) {
    if (!record.basis.empty()) record.basis += ",";
    record.basis += r;
  }
  return record;
}

}  // namespace kasane::domain

// CaseState: what the domain knows about one case (stream "case-<id>"), folded from its events
// by Evolve. It holds the structure the rules need (who is in the household, which consents
// exist and when they were withdrawn, meetings with their members' join / acknowledge / leave
// positions, disclosures and their recipients, the plan's status and role agencies, suspended
// and erased persons). It holds no personal content: names, notes, minutes stay in the events.
//
// Order inside a case is the event's sequence number (1 for case.opened, then +1 per event), not
// its timestamp: "acknowledged before receiving" and "joined after a disclosure" (rule 4) compare
// sequence numbers, so two events in the same nanosecond still have an order.
//
// Evolve is pure and total: an event is a fact, so it never fails; events that do not concern a
// case (admin, access records) only advance the sequence.
//
// Thread-safety: plain values.
//
//   CaseState s;
//   for (const DomainEvent& e : stream) s = Evolve(std::move(s), e);
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "domain/events.h"
#include "domain/ids.h"
#include "domain/kinds.h"

namespace kasane::domain {

struct ConsentState {
  ConsentRecorded consent;
  std::optional<UnixNanos> withdrawn_at;
  // Permit, inside [valid_from, valid_until), and not withdrawn at or before `t`.
  bool InForceAt(UnixNanos t) const;
  bool NamesAgency(const AgencyId& a) const;
  friend bool operator==(const ConsentState&, const ConsentState&) = default;
};

struct MemberState {
  MeetingMember member;
  uint64_t joined_seq = 0;
  std::optional<uint64_t> acknowledged_seq;
  std::optional<uint64_t> left_seq;
  // A member may receive what is disclosed at sequence `seq` iff they joined and acknowledged
  // confidentiality strictly before it and had not left by then.
  bool EligibleFor(uint64_t seq) const;
  friend bool operator==(const MemberState&, const MemberState&) = default;
};

struct MeetingState {
  MeetingId id;
  MeetingKind kind = MeetingKind::kSupportMeeting;
  std::optional<MeetingPurpose> purpose;
  StaffId chair;
  UnixNanos held_at = 0;
  std::vector<MemberState> members;
  uint64_t convened_seq = 0;
  std::optional<uint64_t> concluded_seq;
  bool urgent_case = false;

  bool concluded() const { return concluded_seq.has_value(); }
  // nullptr when `staff` never joined.
  const MemberState* FindMember(const StaffId& staff) const;
  friend bool operator==(const MeetingState&, const MeetingState&) = default;
};

struct DisclosureState {
  EventId event;
  uint64_t seq = 0;
  UnixNanos occurred_at = 0;
  PersonId subject;
  AgencyId discloser_agency;
  KindSet kinds;
  DisclosureBasis basis;
  std::vector<Recipient> recipients;
  friend bool operator==(const DisclosureState&, const DisclosureState&) = default;
};

struct RefusalState {
  EventId event;
  uint64_t seq = 0;
  PersonId subject;
  AgencyId attempted_by_agency;
  std::string rule;
  friend bool operator==(const RefusalState&, const RefusalState&) = default;
};

enum class ReferralStatus : uint8_t { kPending, kAccepted, kDeclined, kReturned };

struct ReferralState {
  ReferralId id;
  AgencyId from_agency;
  AgencyId to_agency;
  HandoffMoment moment = HandoffMoment::kReferralToCoordination;
  ReferralStatus status = ReferralStatus::kPending;
  friend bool operator==(const ReferralState&, const ReferralState&) = default;
};

enum class PlanStatus : uint8_t { kDrafted, kApproved, kSuspended, kTerminated };

struct PlanState {
  PlanId id;
  uint32_t version = 0;           // latest drafted or revised version
  uint32_t approved_version = 0;  // 0: never approved
  PlanStatus status = PlanStatus::kDrafted;
  std::vector<AgencyId> role_agencies;        // of the approved version (役割分担)
  std::vector<AgencyId> draft_role_agencies;  // of the latest draft
  UnixNanos monitoring_due = 0;
  UnixNanos evaluation_due = 0;
  uint32_t monitorings = 0;
  uint32_t evaluations = 0;
  std::optional<AgencyId> accompanying_agency;  // 伴走支援, after 終結
  bool HasRole(const AgencyId& a) const;
  friend bool operator==(const PlanState&, const PlanState&) = default;
};

// What the domain remembers of every event in the case (for corrections and the scope policy).
struct EventFacts {
  uint64_t seq = 0;
  std::string type;
  AgencyId recording_agency;
  std::optional<PersonId> subject;
  friend bool operator==(const EventFacts&, const EventFacts&) = default;
};

struct CorrectionState {
  EventId event;
  EventId corrects;
  uint64_t seq = 0;
  friend bool operator==(const CorrectionState&, const CorrectionState&) = default;
};

enum class RequestStatus : uint8_t { kReceived, kDecided, kApplied };

struct RequestState {
  RequestId id;
  std::string type;  // the type string of the request event
  PersonId subject;
  RequestStatus status = RequestStatus::kReceived;
  friend bool operator==(const RequestState&, const RequestState&) = default;
};

struct CaseState {
  CaseId case_id;
  bool opened = false;
  uint64_t version = 0;  // events applied == sequence number of the last one
  AgencyId intake_agency;
  std::optional<AgencyId> lead_agency;  // 主担当
  PersonId main_person;
  std::map<PersonId, Relation> household;  // current members
  std::set<Field> fields;
  std::map<ConsentId, ConsentState> consents;
  std::map<ReferralId, ReferralState> referrals;
  std::map<MeetingId, MeetingState> meetings;
  std::vector<DisclosureState> disclosures;
  std::vector<RefusalState> refusals;
  std::optional<PlanState> plan;
  std::map<EventId, EventFacts> events;
  std::vector<CorrectionState> corrections;
  std::map<RequestId, RequestState> requests;
  std::set<PersonId> usage_suspended;  // 利用停止 applied
  std::set<PersonId> erased;           // rule 9
  uint32_t assessments = 0;
  uint32_t outreach_activities = 0;
  uint32_t participation_records = 0;

  bool IsMember(const PersonId& p) const { return household.contains(p); }
  const ConsentState* FindConsent(const ConsentId& id) const;
  const MeetingState* FindMeeting(const MeetingId& id) const;
  const EventFacts* FindEvent(const EventId& id) const;
  const DisclosureState* FindDisclosure(const EventId& id) const;
  // A consent of `subject` in force at `t` that names every agency in `agencies`, every kind in
  // `kinds` and, if given, `purpose`; nullptr when there is none.
  const ConsentState* ConsentCovering(const PersonId& subject, UnixNanos t,
                                      const std::vector<AgencyId>& agencies, const KindSet& kinds,
                                      std::optional<Purpose> purpose) const;
  // A consent of `subject` in force at `t` with purpose support_planning (rule 6).
  bool HasPlanningConsentInForce(const PersonId& subject, UnixNanos t) const;

  friend bool operator==(const CaseState&, const CaseState&) = default;
};

// Applies one event to the state and returns the new state.
CaseState Evolve(CaseState state, const DomainEvent& event);
// Folds `events` from an empty state.
CaseState Replay(std::span<const DomainEvent> events);

}  // namespace kasane::domain

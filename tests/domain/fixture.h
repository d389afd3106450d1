// Test fixture for kasane::domain: a municipality with registered agencies and staff (built
// through DecideAdmin and EvolveDirectory), one case, and helpers that run commands through
// Decide and fold the resulting events into the state with Evolve, as the API will.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "domain/case_state.h"
#include "domain/decide.h"
#include "domain/directory.h"
#include "domain/events.h"
#include "domain/scope_policy.h"
#include "domain/settings.h"

namespace kasane::domain::testing {

inline constexpr UnixNanos kSecond = 1'000'000'000;
inline constexpr UnixNanos kDay = 86'400 * kSecond;
// 2024-01-15 00:00 JST.
inline constexpr UnixNanos kStart = 1'705'244'400 * kSecond;

inline KindSet Kinds(std::initializer_list<InformationKind> k) { return KindSet::Of(k); }

struct StaffSpec {
  const char* staff;
  const char* agency;
  Role role;
};

// The disclosure.made command a recorded disclosure.refused was the refusal of, with `content`
// as the attempted content (a refusal records no content): what a client sent.
inline DisclosureMade AttemptBehind(const DisclosureRefused& refused, std::string content) {
  DisclosureMade attempt;
  attempt.subject = refused.subject;
  attempt.discloser_agency = refused.attempted_by_agency;
  attempt.discloser_staff = refused.attempted_by_staff;
  attempt.kinds = refused.kinds;
  attempt.purpose = refused.purpose;
  if (refused.basis) attempt.basis = *refused.basis;
  attempt.recipients = refused.recipients;
  attempt.content = std::move(content);
  return attempt;
}

class World {
 public:
  // Agencies (id, kind) and their staff; see the constructor.
  World();

  Actor ActorOf(const std::string& staff) const;
  Principal PrincipalOf(const std::string& staff) const;
  static AgencyId Agency(const std::string& id) { return AgencyId(id); }
  static StaffId Staff(const std::string& id) { return StaffId(id); }
  static PersonId Person(const std::string& id) { return PersonId(id); }

  // Decides `payload` as `staff` at the current time; folds any resulting events into state
  // and log. Returns the decision (or the Status of a malformed command).
  Result<Decision> Try(const std::string& staff, Payload payload);
  // Like Try, and fails the test unless the command is accepted. Returns the recorded event.
  DomainEvent Must(const std::string& staff, Payload payload);
  // Like Try, and fails the test unless the command is refused by `rule`.
  Decision MustRefuse(const std::string& staff, Payload payload, std::string_view rule);

  void AdvanceDays(int days) { now += days * kDay; }
  ScopeDecision See(const std::string& staff, const DomainEvent& e) const {
    return Evaluate(PrincipalOf(staff), state, e, now);
  }

  // --- builders for common payloads --------------------------------------------------------
  // Opens case "c-1" at `intake_staff`'s agency with the given members (first = main person).
  DomainEvent OpenCase(const std::string& intake_staff,
                       std::vector<std::pair<std::string, Relation>> members);
  // A permitting self consent of `subject` for `recipients`, `kinds`, all purposes, from now.
  static ConsentRecorded ConsentFor(const std::string& id, const std::string& subject,
                                    std::vector<std::string> recipients, KindSet kinds);
  MeetingConvened Meeting(const std::string& id, MeetingKind kind,
                          std::optional<MeetingPurpose> purpose, const std::string& chair,
                          std::vector<std::string> member_staff) const;
  MeetingMember MemberOf(const std::string& staff) const;
  static ConfidentialityAcknowledged Ack(const std::string& meeting, const World& w,
                                         const std::string& staff);
  MeetingConcluded Conclude(const std::string& meeting, bool urgent = false) const;
  DisclosureMade Disclose(const std::string& staff, const std::string& subject, KindSet kinds,
                          DisclosureBasis basis, std::vector<Recipient> recipients = {}) const;
  static DisclosureBasis ByConsent(const std::string& consent);
  static DisclosureBasis ByConsentInMeeting(const std::string& consent, const std::string& meeting);
  static DisclosureBasis BySupportMeeting(const std::string& meeting);
  static DisclosureBasis ByUrgentCase(const std::string& meeting);
  static Recipient To(const std::string& agency) { return Recipient{AgencyId(agency), {}}; }
  Recipient ToMember(const std::string& staff) const;
  // A plan drafted by the coordinator with roles for `role_agencies` (due dates left to decide).
  PlanDrafted Draft(const std::string& plan, uint32_t version,
                    std::vector<std::string> role_agencies) const;
  // Convenes, acknowledges (all members) and concludes a 重層的支援会議 for `purpose`.
  void HoldMultiLayeredMeeting(const std::string& id, MeetingPurpose purpose,
                               std::vector<std::string> member_staff);

  Directory directory;
  CaseState state;
  MunicipalSettings settings = DefaultSettings();
  UnixNanos now = kStart;
  std::vector<DomainEvent> log;
  uint64_t next_event = 1;
};

}  // namespace kasane::domain::testing

// The scope policy (DOMAIN.md rule 8, need to know): one pure function deciding how much of one
// event a principal may see: its full content, its metadata only (who, when, what kind, which
// basis), or nothing. The API (views, the change feed) and the projections all call Evaluate;
// there is no second policy.
//
// Evaluate, in order:
//   1. erased (rule 9): the event's subject was erased -> nothing for everyone, except that an
//      auditor keeps metadata_only (the record that something happened remains);
//   2. auditor -> metadata_only;
//   3. app -> what its AppScope grants: the case and every kind of the event in scope ->
//      full (or metadata_only for a metadata-only scope); otherwise nothing. Except what a
//      支援会議 shared (a disclosure whose basis names a support_meeting, its minutes): that goes
//      to the meeting's members only (rule 4), and an app is no member -> metadata_only;
//   4. staff (caseworker, coordinator, secretariat), through their agency's relation to it:
//      recording agency (the event's actor agency)                      -> full;
//      recipient of a disclosure outside a meeting (by agency)           -> full;
//      meeting member for a meeting disclosure: joined and acknowledged confidentiality before
//        it and not left (a late joiner gets nothing disclosed earlier)   -> full;
//      meeting member for the minutes (meeting.concluded) who acknowledged before the meeting's
//        first disclosure                                                -> full;
//      role in the approved plan (or the 伴走支援 agency after 終結) with a consent of the
//        subject in force at `at` naming the agency and every kind of the event -> full;
//      otherwise: secretariat -> metadata_only (it runs the meetings); others -> nothing.
// Reasons are stable strings (kReason...), recorded in access records (rule 7).
//
// Thread-safety: pure functions over values.
//
//   ScopeDecision d = Evaluate(principal, state, event, clock.Now());
//   if (d.level == ScopeLevel::kFull) { show(event); record_access(d.reason); }
#pragma once

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "domain/case_state.h"
#include "domain/events.h"
#include "domain/ids.h"
#include "domain/kinds.h"

namespace kasane::domain {

// What a read-only consumer app may see.
struct AppScope {
  std::set<CaseId> cases;  // empty: every case
  KindSet kinds;           // the kinds it may see
  bool content = false;    // false: metadata only (e.g. statistics for 事業評価)
  friend bool operator==(const AppScope&, const AppScope&) = default;
};

// Who is asking (resolved by the API from a bearer token).
struct Principal {
  StaffId staff;  // empty for apps
  AgencyId agency;
  Role role = Role::kCaseworker;
  std::optional<AppScope> app_scope;  // required for Role::kApp
  friend bool operator==(const Principal&, const Principal&) = default;
};

enum class ScopeLevel : uint8_t { kFull, kMetadataOnly, kNothing };
template <>
struct EnumTraits<ScopeLevel> {
  static constexpr std::string_view kWhat = "scope level";
  static constexpr std::array<std::pair<ScopeLevel, std::string_view>, 3> kNames{{
      {ScopeLevel::kFull, "full"},
      {ScopeLevel::kMetadataOnly, "metadata_only"},
      {ScopeLevel::kNothing, "nothing"},
  }};
};

inline constexpr std::string_view kReasonErased = "erased";
inline constexpr std::string_view kReasonAuditor = "auditor";
inline constexpr std::string_view kReasonAppScope = "app_scope";
inline constexpr std::string_view kReasonOutOfAppScope = "out_of_app_scope";
inline constexpr std::string_view kReasonRecordingAgency = "recording_agency";
inline constexpr std::string_view kReasonDisclosureRecipient = "disclosure_recipient";
inline constexpr std::string_view kReasonMeetingMember = "meeting_member";
inline constexpr std::string_view kReasonPlanRole = "plan_role";
inline constexpr std::string_view kReasonSecretariat = "secretariat";
inline constexpr std::string_view kReasonNoRelation = "no_relation";
inline constexpr std::string_view kReasonSupportMeeting = "support_meeting";

struct ScopeDecision {
  ScopeLevel level = ScopeLevel::kNothing;
  std::string reason;
  friend bool operator==(const ScopeDecision&, const ScopeDecision&) = default;
};

// How much of `event` (an event of the case whose state is `state`, already folded into it)
// `principal` may see at time `at` (the read's clock value, for consent in force).
ScopeDecision Evaluate(const Principal& principal, const CaseState& state, const DomainEvent& event,
                       UnixNanos at);

// Rule 3 inside an event about several people: case.opened holds each household member's
// profile, sealed as that member's own (docs/events.md). Whether `principal` may see the
// personal field `field` of `event`, which Evaluate (at `at`) answered with `decision`. A plan
// role reads under consent, and a consent speaks only for its own subject: a field of another
// person than the event's subject is shown through a plan role only under a consent of that
// person in force at `at` naming the agency and the field's kinds (a profile: identity; any
// other field: the event's kinds). Every other reason to show an event in full (the recording
// agency, a recipient, a meeting member, an app's scope) covers all of it. An erased person's
// field: false for everyone (rule 9).
bool ShowsField(const Principal& principal, const CaseState& state, const DomainEvent& event,
                const ScopeDecision& decision, const PersonalField& field, UnixNanos at);

// Rule 7: the access record for showing `shown` to `principal`, or nullopt when none of them is
// shown in full (nothing personal was shown). The record lists the fully shown events, the
// union of their kinds and their reasons (comma-separated, sorted).
std::optional<AccessRecorded> AccessRecordFor(const Principal& principal, const CaseState& state,
                                              std::span<const DomainEvent> shown, UnixNanos at);

}  // namespace kasane::domain

// decide: the command rules. Given a case's state and a command (a request to record one event),
// either accepts it (the event to append), or refuses it naming the rule (a Rejection).
//
// The 守秘義務 rules of DOMAIN.md ("The rules the software enforces") live here:
//   rule 1 (immutable)  nothing is edited; a correction must name an event of this case;
//   rule 2              a disclosure needs a legal basis on record; a refused disclosure is itself
//                       recorded: the Decision then carries a disclosure.refused event AND the
//                       Rejection, so the caller appends the refusal and answers 403/422;
//   rule 3              consent in force at that moment, covering recipients, kinds and purpose;
//   rule 4              support-meeting disclosures reach only members who acknowledged
//                       confidentiality before it (late joiners get nothing earlier);
//   rule 5              tax information only under consent naming `tax`, even in a 支援会議;
//   rule 6              plan approval / change / termination / suspension only through a concluded
//                       重層的支援会議 of the matching purpose, for a case with consent in force;
//   usage suspension    (利用停止) no further disclosure of a suspended person's information;
//   rule 9              no disclosure of an erased person's information.
// Rules 7 (reading recorded) and 8 (need to know) live in scope_policy.h.
//
// decide is pure: time comes in through the command (occurred_at) and the context (now), the
// directory and the municipal settings through the context. It never reads a clock.
//
// Failures come in two kinds. A Status (Result error) means the command is malformed or aimed
// at the wrong place (InvalidArgument: bad ids, missing fields, a payload that no command may
// carry such as disclosure.refused or access.recorded; NotFound: the case is not opened). A
// Rejection means a domain rule refused a well-formed command.
//
// Thread-safety: pure functions over values.
//
//   KASANE_ASSIGN_OR_RETURN(Decision d, Decide(state, command, context));
//   append(d.events);                       // may hold a disclosure.refused
//   if (d.rejection) return RejectionStatus(*d.rejection);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "domain/case_state.h"
#include "domain/directory.h"
#include "domain/events.h"
#include "domain/settings.h"

namespace kasane::domain {

// Stable rule identifiers carried by Rejection::rule and DisclosureRefused::rule.
inline constexpr std::string_view kRuleImmutable = "immutable";                  // rule 1
inline constexpr std::string_view kRuleDisclosureBasis = "disclosure_basis";     // rule 2
inline constexpr std::string_view kRuleBasisNotAccepted = "basis_not_accepted";  // settings
inline constexpr std::string_view kRuleConsentScope = "consent_scope";           // rule 3
inline constexpr std::string_view kRuleMeetingScope = "meeting_scope";           // rule 4
inline constexpr std::string_view kRuleTaxConsent = "tax_consent";               // rule 5
inline constexpr std::string_view kRulePlanMeeting = "plan_meeting";             // rule 6
inline constexpr std::string_view kRuleMeetingConsent =
    "meeting_consent";  // 重層的支援会議 needs consent
inline constexpr std::string_view kRuleUsageSuspension = "usage_suspension";  // 利用停止
inline constexpr std::string_view kRuleErased = "erased";                     // rule 9
inline constexpr std::string_view kRuleActor = "actor";  // not an active registered staff member
inline constexpr std::string_view kRuleRole = "role";    // the role may not issue this event
inline constexpr std::string_view kRuleState = "state";  // lifecycle (e.g. plan not drafted)

// A request to record one event: its id (client-supplied, for idempotency), who asks, when it
// happened (business time), and the event's payload as the caller wants it recorded.
struct Command {
  EventId event_id;
  Actor actor;
  UnixNanos occurred_at = 0;
  Payload payload;
  friend bool operator==(const Command&, const Command&) = default;
};

// What decide needs besides the state. `directory` must outlive the call.
struct DecisionContext {
  UnixNanos now = 0;  // the API's clock value; occurred_at may not be later than this
  const Directory& directory;
  MunicipalSettings settings;
};

// A rule's refusal: the rule id (kRule...) and a message without personal content.
struct Rejection {
  std::string rule;
  std::string message;
  friend bool operator==(const Rejection&, const Rejection&) = default;
};

// The outcome of an accepted or refused command. Accepted: one event, no rejection. Refused:
// a rejection, and for disclosures (disclosure.made, referral.made passing information) one
// disclosure.refused event that must be appended. Other refusals carry no event.
struct Decision {
  std::vector<DomainEvent> events;
  std::optional<Rejection> rejection;
  bool accepted() const { return !rejection.has_value(); }
  friend bool operator==(const Decision&, const Decision&) = default;
};

// Decides a case command. Success: a Decision (accepted or refused by a rule). Failure:
// InvalidArgument for a malformed command or one that cannot go to a case stream; NotFound when
// the case is not opened (for any command but case.opened).
Result<Decision> Decide(const CaseState& state, const Command& command,
                        const DecisionContext& context);

// Decides an admin command (agency.registered, staff.registered, staff.deactivated) against the
// directory. Only secretariat staff may issue them, except while no active secretariat staff
// exists (bootstrap: `kasane init` registers the first agency and secretariat). Failure:
// InvalidArgument for malformed or non-admin commands.
Result<Decision> DecideAdmin(const Directory& directory, const Command& command,
                             const DecisionContext& context);

// The Status an API answers for a rejection: PermissionDenied for actor/role rules,
// FailedPrecondition for every other rule. The message starts with the rule id.
Status RejectionStatus(const Rejection& rejection);

}  // namespace kasane::domain

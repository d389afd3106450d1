// Identifiers of the domain: value types naming cases, people, agencies, staff, consents,
// meetings, referrals, plans, rights requests, and events.
//
// Every identifier except EventId is an opaque ASCII token chosen by the caller (the API mints
// them from its id generator). Identifiers never carry personal content: ValidateId() admits only
// [A-Za-z0-9._-], 1..64 characters, so a name (which is Japanese text in practice) cannot be
// smuggled into one. EventId is the log's 16-byte idempotency key.
//
// Thread-safety: plain values; safe to copy between threads, not to mutate concurrently.
//
//   CaseId c("c-0001");
//   KASANE_RETURN_IF_ERROR(ValidateId(c.value));
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kasane::domain {

// A typed string identifier. Tag makes CaseId and PersonId different types.
template <typename Tag>
struct Id {
  Id() = default;
  explicit Id(std::string v) : value(std::move(v)) {}

  bool empty() const { return value.empty(); }

  friend bool operator==(const Id&, const Id&) = default;
  friend auto operator<=>(const Id&, const Id&) = default;

  std::string value;
};

struct CaseIdTag {};
struct PersonIdTag {};
struct AgencyIdTag {};
struct StaffIdTag {};
struct ConsentIdTag {};
struct MeetingIdTag {};
struct ReferralIdTag {};
struct PlanIdTag {};
struct RequestIdTag {};

using CaseId = Id<CaseIdTag>;          // a case (ケース); its stream is "case-<id>"
using PersonId = Id<PersonIdTag>;      // a data subject: 本人 or a household member (世帯員)
using AgencyId = Id<AgencyIdTag>;      // a support agency (支援関係機関)
using StaffId = Id<StaffIdTag>;        // a staff member (職員) of one agency
using ConsentId = Id<ConsentIdTag>;    // one recorded consent (本人同意)
using MeetingId = Id<MeetingIdTag>;    // one 支援会議 or 重層的支援会議
using ReferralId = Id<ReferralIdTag>;  // one referral (つなぎ)
using PlanId = Id<PlanIdTag>;          // a support plan (支援プラン); versions share the id
using RequestId = Id<RequestIdTag>;  // an APPI rights request (開示請求, 訂正請求, 利用停止請求)

template <typename T>
inline constexpr bool kIsId = false;
template <typename Tag>
inline constexpr bool kIsId<Id<Tag>> = true;

// Returns OK if `value` is a well-formed identifier ([A-Za-z0-9._-], 1..64 characters);
// InvalidArgument naming `what` otherwise.
Status ValidateId(std::string_view what, std::string_view value);

// The log's event identifier: 16 bytes, supplied by the client for idempotency.
struct EventId {
  std::array<uint8_t, 16> bytes{};

  bool IsZero() const;
  // 32 lowercase hex digits.
  std::string ToHex() const;
  // Parses 32 hex digits; InvalidArgument otherwise.
  static Result<EventId> FromHex(std::string_view hex);
  // A deterministic id for tests and fixtures: n in the last 8 bytes, big-endian.
  static EventId FromNumber(uint64_t n);

  friend bool operator==(const EventId&, const EventId&) = default;
  friend auto operator<=>(const EventId&, const EventId&) = default;
};

}  // namespace kasane::domain

#include "domain/events.h"

#include <type_traits>

#include "domain/internal/describe.h"

namespace kasane::domain {
namespace {

using K = InformationKind;

template <typename... T>
std::vector<std::string_view> TypesOf(std::variant<T...>*) {
  return {T::kType...};
}

template <typename T>
concept HasSubjectField = requires(const T& t) {
  { t.subject } -> std::convertible_to<PersonId>;
};

}  // namespace

std::string_view TypeOf(const Payload& p) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::kType; }, p);
}

std::vector<std::string_view> AllEventTypes() { return TypesOf(static_cast<Payload*>(nullptr)); }

KindSet KindsOf(const Payload& p) {
  return std::visit(
      [](const auto& x) -> KindSet {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CaseOpened>) {
          return KindSet::Of({K::kIdentity, K::kHousehold, K::kNotes});
        } else if constexpr (std::is_same_v<T, HouseholdMemberAdded>) {
          return KindSet::Of({K::kIdentity, K::kHousehold});
        } else if constexpr (std::is_same_v<T, HouseholdMemberRemoved>) {
          return KindSet::Of({K::kHousehold});
        } else if constexpr (std::is_same_v<T, ConsentRecorded> ||
                             std::is_same_v<T, ConsentWithdrawn>) {
          return KindSet::Of({K::kIdentity});
        } else if constexpr (std::is_same_v<T, ReferralMade>) {
          KindSet k = x.kinds_passed;
          k.Insert(K::kNotes);
          return k;
        } else if constexpr (std::is_same_v<T, ReferralDeclined> ||
                             std::is_same_v<T, ReferralReturned>) {
          return KindSet::Of({K::kNotes});
        } else if constexpr (std::is_same_v<T, AssessmentRecorded>) {
          KindSet k = x.kinds;
          k.Insert(K::kAssessment);
          return k;
        } else if constexpr (std::is_same_v<T, MeetingConcluded>) {
          return KindSet::Of({K::kNotes});
        } else if constexpr (std::is_same_v<T, DisclosureMade>) {
          return x.kinds;
        } else if constexpr (std::is_same_v<T, PlanDrafted> || std::is_same_v<T, PlanRevised> ||
                             std::is_same_v<T, MonitoringRecorded> ||
                             std::is_same_v<T, PlanEvaluated> ||
                             std::is_same_v<T, SupportTerminated> ||
                             std::is_same_v<T, SupportSuspended> ||
                             std::is_same_v<T, SupportResumed>) {
          return KindSet::Of({K::kPlan});
        } else if constexpr (std::is_same_v<T, OutreachRecorded> ||
                             std::is_same_v<T, ParticipationFollowedUp> ||
                             std::is_same_v<T, CorrectionRecorded>) {
          return KindSet::Of({K::kNotes});
        } else if constexpr (std::is_same_v<T, ParticipationMatched>) {
          return KindSet::Of({K::kEmployment, K::kNotes});
        } else if constexpr (std::is_same_v<T, DisclosureRequestReceived> ||
                             std::is_same_v<T, DisclosureRequestDecided> ||
                             std::is_same_v<T, CorrectionRequestReceived> ||
                             std::is_same_v<T, CorrectionRequestDecided> ||
                             std::is_same_v<T, UsageSuspensionRequested>) {
          return KindSet::Of({K::kIdentity});
        } else {
          return KindSet();  // metadata-only events
        }
      },
      p);
}

std::optional<PersonId> SubjectOf(const Payload& p) {
  return std::visit(
      [](const auto& x) -> std::optional<PersonId> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, CaseOpened>) {
          return x.main_person;
        } else if constexpr (std::is_same_v<T, HouseholdMemberAdded>) {
          return x.member.person;
        } else if constexpr (std::is_same_v<T, HouseholdMemberRemoved>) {
          return x.person;
        } else if constexpr (HasSubjectField<T>) {
          return x.subject;
        } else {
          return std::nullopt;
        }
      },
      p);
}

bool IsAdminEvent(const Payload& p) {
  return std::holds_alternative<AgencyRegistered>(p) ||
         std::holds_alternative<StaffRegistered>(p) || std::holds_alternative<StaffDeactivated>(p);
}

std::vector<PersonalField> PersonalFieldsOf(const Payload& p) {
  std::vector<PersonalField> out;
  auto collect = [&](std::string path, const PersonId& subject, const auto&) {
    out.push_back({std::move(path), subject});
    return true;
  };
  internal::PersonalWalk<PersonId, decltype(collect)> walk(collect);
  std::visit([&](const auto& x) { walk.Top(x); }, p);
  return out;
}

}  // namespace kasane::domain

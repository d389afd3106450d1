// Identifiers, kinds of information, enumerations and municipal settings.
#include "domain/vocabulary.h"

#include <gtest/gtest.h>

#include <set>

#include "domain/ids.h"
#include "domain/kinds.h"
#include "domain/settings.h"
#include "tests/domain/fixture.h"

namespace kasane::domain {
namespace {

using K = InformationKind;

TEST(KindsTest, EveryKindOfDomainMdHasItsStableIdentifier) {
  const std::vector<std::string_view> expected = {
      "identity", "household",  "health",    "disability", "care",       "child_welfare", "finance",
      "tax",      "employment", "education", "housing",    "assessment", "plan",          "notes"};
  std::vector<std::string_view> names;
  for (K k : AllKinds()) names.push_back(KindName(k));
  EXPECT_EQ(names, expected);
  for (std::string_view n : expected) {
    Result<K> k = ParseKind(n);
    ASSERT_TRUE(k.ok()) << n;
    EXPECT_EQ(KindName(*k), n);
  }
}

TEST(KindsTest, UnknownKindIsRefused) {
  Result<K> k = ParseKind("Tax");
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
}

TEST(KindsTest, KindSetContainsAndMinus) {
  KindSet consent = KindSet::Of({K::kHealth, K::kCare});
  EXPECT_TRUE(consent.ContainsAll(KindSet::Of({K::kCare})));
  EXPECT_FALSE(consent.ContainsAll(KindSet::Of({K::kCare, K::kTax})));
  EXPECT_EQ(KindSet::Of({K::kCare, K::kTax}).Minus(consent), KindSet::Of({K::kTax}));
  EXPECT_EQ(KindSet::Of({K::kTax, K::kHealth}).ToString(), "health,tax");
  EXPECT_EQ(KindSet::All().size(), 14u);
  EXPECT_TRUE(KindSet().empty());
}

template <typename E>
void ExpectUniqueRoundTrip() {
  std::set<std::string_view> names;
  for (const auto& [value, name] : EnumTraits<E>::kNames) {
    EXPECT_TRUE(names.insert(name).second) << name;
    Result<E> back = ParseEnum<E>(name);
    ASSERT_TRUE(back.ok()) << name;
    EXPECT_EQ(*back, value);
  }
  EXPECT_FALSE(ParseEnum<E>("no_such_value").ok());
}

TEST(VocabularyTest, EveryEnumerationHasUniqueParsableIdentifiers) {
  ExpectUniqueRoundTrip<Role>();
  ExpectUniqueRoundTrip<Field>();
  ExpectUniqueRoundTrip<AgencyKind>();
  ExpectUniqueRoundTrip<ProgrammePart>();
  ExpectUniqueRoundTrip<IntakeRoute>();
  ExpectUniqueRoundTrip<Relation>();
  ExpectUniqueRoundTrip<HandoffMoment>();
  ExpectUniqueRoundTrip<MeetingKind>();
  ExpectUniqueRoundTrip<MeetingPurpose>();
  ExpectUniqueRoundTrip<BasisKind>();
  ExpectUniqueRoundTrip<ConsentForm>();
  ExpectUniqueRoundTrip<Grantor>();
  ExpectUniqueRoundTrip<ConsentDecision>();
  ExpectUniqueRoundTrip<Purpose>();
  ExpectUniqueRoundTrip<OutreachActivity>();
  ExpectUniqueRoundTrip<RequestDecision>();
  ExpectUniqueRoundTrip<InformationKind>();
}

TEST(IdsTest, IdentifiersAdmitOnlyOpaqueAsciiTokens) {
  EXPECT_TRUE(ValidateId("case id", "c-2024.0001_a").ok());
  EXPECT_FALSE(ValidateId("case id", "").ok());
  EXPECT_FALSE(ValidateId("case id", std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateId("person id", "山田太郎").ok());
  EXPECT_FALSE(ValidateId("person id", "yamada taro").ok());
}

TEST(IdsTest, EventIdHexRoundTrip) {
  EventId id = EventId::FromNumber(0x0102030405060708);
  EXPECT_EQ(id.ToHex(), "00000000000000000102030405060708");
  Result<EventId> back = EventId::FromHex(id.ToHex());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, id);
  EXPECT_FALSE(EventId::FromHex("xyz").ok());
  EXPECT_FALSE(EventId::FromHex(std::string(32, 'g')).ok());
  EXPECT_TRUE(EventId().IsZero());
  EXPECT_FALSE(id.IsZero());
  EXPECT_LT(EventId::FromNumber(1), EventId::FromNumber(2));
}

// ---------------------------------------------------------------------------------------------
// Municipal settings.

TEST(SettingsTest, DefaultsAreNagaisMonitoringAtThreeAndEvaluationAtSixMonths) {
  MunicipalSettings s = DefaultSettings();
  EXPECT_EQ(s.municipality, "長井市");
  EXPECT_EQ(s.monitoring_after_months, 3);
  EXPECT_EQ(s.evaluation_after_months, 6);
  EXPECT_TRUE(s.Accepts(BasisKind::kConsent));
  EXPECT_TRUE(s.Accepts(BasisKind::kSupportMeeting));
  EXPECT_TRUE(s.Accepts(BasisKind::kUrgentCase));
}

TEST(SettingsTest, AddMonthsCountsOnTheJapaneseCalendar) {
  constexpr UnixNanos kS = 1'000'000'000;
  // 2024-01-15 00:00 JST (= 2024-01-14 15:00 UTC) + 3 months = 2024-04-15 00:00 JST.
  EXPECT_EQ(AddMonths(1'705'244'400 * kS, 3), 1'713'106'800 * kS);
  // 2024-01-31 12:00 JST + 1 month = 2024-02-29 12:00 JST (leap year, clamped).
  EXPECT_EQ(AddMonths(1'706'670'000 * kS, 1), 1'709'175'600 * kS);
  // 2024-08-31 10:00 JST + 6 months = 2025-02-28 10:00 JST.
  EXPECT_EQ(AddMonths(1'725'066'000 * kS, 6), 1'740'704'400 * kS);
  EXPECT_EQ(AddMonths(1'725'066'000 * kS, 0), 1'725'066'000 * kS);
}

TEST(SettingsTest, PlanDueDatesComeFromTheSettingsAndChangingThemChangesNoPastEvent) {
  testing::World w;
  w.OpenCase("st-cm", {{"p-1", Relation::kSelf}});
  DomainEvent first = w.Must("st-coord", w.Draft("pl-1", 1, {"ag-hospital"}));
  const PlanBody& body = std::get<PlanDrafted>(first.payload).body;
  EXPECT_EQ(body.monitoring_due, AddMonths(first.occurred_at, 3));
  EXPECT_EQ(body.evaluation_due, AddMonths(first.occurred_at, 6));
  const CaseState before = w.state;

  w.settings.monitoring_after_months = 1;
  w.settings.evaluation_after_months = 2;
  // The recorded event and the state folded from it are unchanged by the new settings...
  EXPECT_EQ(Replay(w.log), before);
  EXPECT_EQ(w.state.plan->monitoring_due, AddMonths(first.occurred_at, 3));
  // ...while the next draft uses them.
  DomainEvent second = w.Must("st-coord", w.Draft("pl-1", 2, {"ag-hospital"}));
  EXPECT_EQ(std::get<PlanDrafted>(second.payload).body.monitoring_due,
            AddMonths(second.occurred_at, 1));
  // A due date the coordinator sets explicitly is kept.
  PlanDrafted explicit_due = w.Draft("pl-1", 3, {"ag-hospital"});
  explicit_due.body.monitoring_due = w.now + 5 * testing::kDay;
  DomainEvent third = w.Must("st-coord", explicit_due);
  EXPECT_EQ(std::get<PlanDrafted>(third.payload).body.monitoring_due,
            explicit_due.body.monitoring_due);
}

TEST(EventsTest, PersonalFieldsAreListedWithTheirSubjects) {
  CaseOpened o;
  o.main_person = PersonId("p-main");
  o.members = {HouseholdMember{PersonId("p-main"), Relation::kSelf, {}},
               HouseholdMember{PersonId("p-son"), Relation::kChild, {}}};
  std::vector<PersonalField> fields = PersonalFieldsOf(o);
  std::vector<PersonalField> expected = {{"members[0].profile", PersonId("p-main")},
                                         {"members[1].profile", PersonId("p-son")},
                                         {"summary", PersonId("p-main")}};
  EXPECT_EQ(fields, expected);
  PlanDrafted p;
  p.subject = PersonId("p-main");
  p.body.roles = {PlanRole{AgencyId("ag-1"), "役割", {}}};
  std::vector<PersonalField> plan = PersonalFieldsOf(p);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[2].path, "body.roles[0].role");
  EXPECT_EQ(plan[2].subject, PersonId("p-main"));
  EXPECT_TRUE(PersonalFieldsOf(DisclosureRefused{}).empty());
  EXPECT_TRUE(PersonalFieldsOf(AccessRecorded{}).empty());
}

}  // namespace
}  // namespace kasane::domain

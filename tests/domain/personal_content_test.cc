// Personal slots: the walk reaches exactly the fields PersonalFieldsOf names, and each value's
// plaintext encoding round-trips (domain/personal_content.h, docs/sealing.md).
#include "domain/personal_content.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/domain/payload_samples.h"

namespace kasane::domain {
namespace {

using testing::MarkedSample;
using testing::MarkedSamples;
using namespace std::string_literals;

std::vector<PersonalField> SlotsOf(Payload& p) {
  std::vector<PersonalField> out;
  Status s = ForEachPersonalSlot(p, [&](PersonalSlot& slot) {
    out.push_back({slot.path(), slot.subject()});
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

bool AllPersonalBlank(Payload& p) {
  bool blank = true;
  Status s = ForEachPersonalSlot(p, [&](PersonalSlot& slot) {
    blank = blank && slot.empty();
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok());
  return blank;
}

TEST(PersonalContentTest, SlotsAreExactlyThePersonalFieldsOfEveryType) {
  size_t with_personal = 0;
  for (MarkedSample& sample : MarkedSamples("slots")) {
    SCOPED_TRACE(std::string(TypeOf(sample.payload)));
    const std::vector<PersonalField> expected = PersonalFieldsOf(sample.payload);
    EXPECT_EQ(SlotsOf(sample.payload), expected);
    with_personal += expected.empty() ? 0 : 1;
    EXPECT_EQ(expected.empty(), sample.markers.empty());
  }
  EXPECT_GT(with_personal, 20u);  // the catalogue is mostly about people
}

TEST(PersonalContentTest, MultiPersonEventsNameEachMembersOwnSubject) {
  CaseOpened o;
  o.main_person = PersonId("p-main");
  o.summary = "s";
  o.members = {HouseholdMember{PersonId("p-main"), Relation::kSelf, {"a", "", "", "", ""}},
               HouseholdMember{PersonId("p-other"), Relation::kChild, {"b", "", "", "", ""}}};
  Payload p = o;
  const std::vector<PersonalField> expected = {{"members[0].profile", PersonId("p-main")},
                                               {"members[1].profile", PersonId("p-other")},
                                               {"summary", PersonId("p-main")}};
  EXPECT_EQ(SlotsOf(p), expected);
}

TEST(PersonalContentTest, TakeBlanksEveryFieldAndSetPutsItBack) {
  for (MarkedSample& sample : MarkedSamples("take")) {
    SCOPED_TRACE(std::string(TypeOf(sample.payload)));
    const Payload original = sample.payload;
    Payload p = sample.payload;
    std::vector<std::pair<std::string, std::string>> taken;
    ASSERT_TRUE(ForEachPersonalSlot(p, [&](PersonalSlot& slot) {
                  EXPECT_FALSE(slot.empty()) << slot.path();
                  EXPECT_EQ(slot.Encode(), slot.Encode());
                  std::string encoded = slot.Encode();
                  std::string took = slot.Take();
                  EXPECT_EQ(took, encoded) << slot.path();
                  EXPECT_TRUE(slot.empty()) << slot.path();
                  taken.emplace_back(slot.path(), std::move(took));
                  return Status::Ok();
                }).ok());
    EXPECT_TRUE(AllPersonalBlank(p));
    EXPECT_EQ(taken.size(), PersonalFieldsOf(original).size());
    if (!taken.empty()) {
      EXPECT_FALSE(p == original);
    }

    size_t i = 0;
    ASSERT_TRUE(ForEachPersonalSlot(p, [&](PersonalSlot& slot) {
                  EXPECT_EQ(slot.path(), taken[i].first);
                  return slot.Set(taken[i++].second);
                }).ok());
    EXPECT_TRUE(p == original);
  }
}

TEST(PersonalContentTest, TextIsItsOwnUtf8Bytes) {
  Payload p = AssessmentRecorded{PersonId("p-1"), {}, "アセスメント内容"};
  ASSERT_TRUE(ForEachPersonalSlot(p, [](PersonalSlot& slot) {
                EXPECT_EQ(slot.Encode(), "アセスメント内容");
                return Status::Ok();
              }).ok());
}

TEST(PersonalContentTest, ListsAndStructsAreFramedWithLengths) {
  MeetingConcluded m;
  m.subject = PersonId("p-1");
  m.decisions = {"ab", "", std::string(200, 'x')};
  HouseholdMemberAdded h;
  h.member.person = PersonId("p-2");
  h.member.profile.full_name = "N";
  std::map<std::string, std::string> encoded;
  Payload pm = m;
  Payload ph = h;
  auto collect = [&](PersonalSlot& slot) {
    encoded[slot.path()] = slot.Encode();
    return Status::Ok();
  };
  ASSERT_TRUE(ForEachPersonalSlot(pm, collect).ok());
  ASSERT_TRUE(ForEachPersonalSlot(ph, collect).ok());
  // 200 = 0xc8: LEB128 0xc8 0x01.
  EXPECT_EQ(encoded["decisions"],
            "\x02"
            "ab"
            "\x00"
            "\xc8\x01"s +
                std::string(200, 'x'));
  EXPECT_EQ(encoded["member.profile"],
            "\x08"
            "fullName"
            "\x01"
            "N"
            "\x08"
            "nameKana"
            "\x00"
            "\x09"
            "birthDate"
            "\x00"
            "\x07"
            "address"
            "\x00"
            "\x0b"
            "description"
            "\x00"s);
  EXPECT_EQ(encoded["minutes"], "");
}

// Sets the only personal field of `p` at `path` from `plaintext`.
Status SetField(Payload& p, const std::string& path, std::string_view plaintext) {
  return ForEachPersonalSlot(p, [&](PersonalSlot& slot) {
    return slot.path() == path ? slot.Set(plaintext) : Status::Ok();
  });
}

TEST(PersonalContentTest, MalformedPlaintextIsDataLossAndLeavesTheFieldBlank) {
  MeetingConcluded m;
  m.decisions = {"kept?"};
  Payload p = m;
  for (const std::string& bad : {"\x05"
                                 "ab"s,
                                 "\x80"s, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s}) {
    Status s = SetField(p, "decisions", bad);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss);
    EXPECT_TRUE(std::get<MeetingConcluded>(p).decisions.empty());
  }
  Payload h = HouseholdMemberAdded{};
  // A name frame without its value frame; a field given twice.
  EXPECT_EQ(SetField(h, "member.profile",
                     "\x08"
                     "fullName"s)
                .code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(SetField(h, "member.profile",
                     "\x08"
                     "fullName"
                     "\x01"
                     "A"
                     "\x08"
                     "fullName"
                     "\x01"
                     "B"s)
                .code(),
            StatusCode::kDataLoss);
  EXPECT_TRUE(std::get<HouseholdMemberAdded>(h).member.profile == PersonProfile{});
}

TEST(PersonalContentTest, StructFieldsMatchByNameSkippingUnknownOnes) {
  Payload h = HouseholdMemberAdded{};
  // A newer writer's field ("pronouns") is skipped; fields absent from the bytes stay default.
  ASSERT_TRUE(SetField(h, "member.profile",
                       "\x07"
                       "address"
                       "\x01"
                       "A"
                       "\x08"
                       "pronouns"
                       "\x01"
                       "x"
                       "\x08"
                       "fullName"
                       "\x01"
                       "F"s)
                  .ok());
  const PersonProfile& got = std::get<HouseholdMemberAdded>(h).member.profile;
  EXPECT_EQ(got, (PersonProfile{"F", "", "", "A", ""}));
}

TEST(PersonalContentTest, WalkStopsAtTheFirstError) {
  for (MarkedSample& sample : MarkedSamples("stop")) {
    if (std::holds_alternative<CaseOpened>(sample.payload)) {
      int calls = 0;
      Status s = ForEachPersonalSlot(sample.payload, [&](PersonalSlot&) {
        ++calls;
        return Internal("stop");
      });
      EXPECT_EQ(s, Internal("stop"));
      EXPECT_EQ(calls, 1);
    }
  }
}

}  // namespace
}  // namespace kasane::domain

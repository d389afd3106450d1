// docs/events.md and docs/glossary.md must match the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "domain/events.h"
#include "domain/kinds.h"
#include "domain/scope_policy.h"
#include "domain/vocabulary.h"

namespace kasane::domain {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::string(KASANE_SOURCE_DIR) + "/docs/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The part of `doc` from the heading line `heading` to the next heading of level 2 or 3.
std::string Section(const std::string& doc, const std::string& heading) {
  size_t start = doc.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  size_t end = doc.find("\n##", start + heading.size() + 1);
  return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

enum class Marker { kField, kSubject, kPersonal };

// The top-level fields of one struct, in Describe order.
class FieldLister {
 public:
  template <typename T>
  void Field(std::string_view name, T&) {
    fields.emplace_back(std::string(name), Marker::kField);
  }
  template <typename T>
  void Subject(std::string_view name, T&) {
    fields.emplace_back(std::string(name), Marker::kSubject);
  }
  template <typename T>
  void Personal(std::string_view name, T&) {
    fields.emplace_back(std::string(name), Marker::kPersonal);
  }
  std::vector<std::pair<std::string, Marker>> fields;
};

template <typename T>
void ExpectDocumented(const std::string& doc, const std::string& heading) {
  SCOPED_TRACE(heading);
  const std::string section = Section(doc, heading);
  ASSERT_FALSE(section.empty()) << "no section " << heading;
  T value{};
  FieldLister lister;
  T::Describe(value, lister);
  size_t rows = 0;
  for (size_t p = section.find("\n| `"); p != std::string::npos; p = section.find("\n| `", p + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, lister.fields.size()) << "field rows";
  for (const auto& [name, marker] : lister.fields) {
    size_t at = section.find("\n| `" + name + "` |");
    ASSERT_NE(at, std::string::npos) << "field " << name << " is not documented";
    std::string row = section.substr(at + 1, section.find('\n', at + 1) - at - 1);
    EXPECT_EQ(row.find("**personal**") != std::string::npos, marker == Marker::kPersonal) << row;
    EXPECT_EQ(row.find("data subject") != std::string::npos, marker == Marker::kSubject) << row;
  }
}

template <typename... T>
void ExpectAllDocumented(const std::string& doc, std::variant<T...>*) {
  (ExpectDocumented<T>(doc, "### `" + std::string(T::kType) + "`"), ...);
}

TEST(DocsTest, EventsMdDocumentsEveryEventFieldAndPersonalField) {
  const std::string doc = ReadDoc("events.md");
  ASSERT_FALSE(doc.empty()) << "docs/events.md is missing";
  ExpectAllDocumented(doc, static_cast<Payload*>(nullptr));
  ExpectDocumented<PersonProfile>(doc, "### PersonProfile");
  ExpectDocumented<HouseholdMember>(doc, "### HouseholdMember");
  ExpectDocumented<DisclosureBasis>(doc, "### DisclosureBasis");
  ExpectDocumented<Recipient>(doc, "### Recipient");
  ExpectDocumented<MeetingMember>(doc, "### MeetingMember");
  ExpectDocumented<PlanRole>(doc, "### PlanRole");
  ExpectDocumented<PlanBody>(doc, "### PlanBody");
  size_t sections = 0;
  for (size_t p = doc.find("\n### `"); p != std::string::npos; p = doc.find("\n### `", p + 1)) {
    ++sections;
  }
  EXPECT_EQ(sections, AllEventTypes().size()) << "a documented event type no longer exists";
}

template <typename E>
void ExpectInGlossary(const std::string& glossary) {
  for (const auto& [value, name] : EnumTraits<E>::kNames) {
    EXPECT_NE(glossary.find("`" + std::string(name) + "`"), std::string::npos)
        << EnumTraits<E>::kWhat << " " << name << " is not in docs/glossary.md";
  }
}

TEST(DocsTest, GlossaryNamesEveryStoredIdentifier) {
  const std::string g = ReadDoc("glossary.md");
  ASSERT_FALSE(g.empty()) << "docs/glossary.md is missing";
  ExpectInGlossary<InformationKind>(g);
  ExpectInGlossary<Role>(g);
  ExpectInGlossary<Field>(g);
  ExpectInGlossary<AgencyKind>(g);
  ExpectInGlossary<ProgrammePart>(g);
  ExpectInGlossary<IntakeRoute>(g);
  ExpectInGlossary<Relation>(g);
  ExpectInGlossary<HandoffMoment>(g);
  ExpectInGlossary<MeetingKind>(g);
  ExpectInGlossary<MeetingPurpose>(g);
  ExpectInGlossary<BasisKind>(g);
  ExpectInGlossary<ConsentForm>(g);
  ExpectInGlossary<Grantor>(g);
  ExpectInGlossary<ConsentDecision>(g);
  ExpectInGlossary<Purpose>(g);
  ExpectInGlossary<OutreachActivity>(g);
  ExpectInGlossary<RequestDecision>(g);
  ExpectInGlossary<ScopeLevel>(g);
}

}  // namespace
}  // namespace kasane::domain

// The demo dataset tools/demo/demo.jsonl (docs/import.md, "The demo") is generated from the
// three worked examples of DOMAIN.md (tests/domain/worked_examples.h) on the World fixture
// (tests/domain/fixture.h): this test builds it and checks that it equals the committed file, so
// the dataset cannot drift from the stories. Regenerate it after a change to the stories:
//
//   KASANE_WRITE_DEMO=1 <build>/tests/tools/demo_dataset_test
//
// The file is the import format (tools/importer.h): first the directory (the World's agencies
// with names of the fictional Kasane City, and its staff, bootstrapped by the secretariat
// st-sec), then each story as its own case. The World writes every story into case "c-1" with
// the same person ids; here each story's ids are renamed to its own (c-8050, p-8050-son, ...)
// and its people get fictional profiles. Event ids are the World's (each story starts its own
// range, World::next_event) under a fixed demo prefix, so they are stable and distinct. A
// disclosure.refused of a story becomes the disclosure.made it refused, with "expectRefusal"
// (as tests/api/api_fixture.h ReplayStory does).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "api/server.h"
#include "domain/enum_names.h"
#include "tests/api/api_fixture.h"
#include "tests/domain/fixture.h"
#include "tests/domain/worked_examples.h"
#include "tests/eventstore/test_util.h"
#include "tools/importer.h"

namespace kasane::tools {
namespace {

using domain::testing::World;
using nlohmann::json;
using nlohmann::ordered_json;

constexpr char kPath[] = "/tools/demo/demo.jsonl";
constexpr char kRegenerate[] =
    "regenerate it: KASANE_WRITE_DEMO=1 <build>/tests/tools/demo_dataset_test";

// "ksn-demo" in ASCII: the first 8 bytes of every demo event id.
domain::EventId DemoId(uint64_t n) {
  domain::EventId id = domain::EventId::FromNumber(n);
  const char prefix[] = "ksn-demo";
  for (int i = 0; i < 8; ++i) id.bytes[i] = static_cast<uint8_t>(prefix[i]);
  return id;
}

// The agencies' names in the fictional Kasane City (the World's ids and kinds).
const std::map<std::string, std::string> kAgencyNames = {
    {"ag-fukushi", "かさね市 福祉部 福祉政策課 (Kasane City Welfare Policy Division)"},
    {"ag-takikan", "かさね市社会福祉協議会 多機関協働事業 (multi-agency coordination)"},
    {"ag-kyotaku", "かさね東 居宅介護支援事業所 (care management office)"},
    {"ag-houkatsu", "かさね市 東部地域包括支援センター (community general support center)"},
    {"ag-hospital", "かさね市立病院 地域医療連携室 (city hospital, liaison office)"},
    {"ag-homehelp", "ひまわり訪問介護事業所 (home-help provider)"},
    {"ag-outreach", "かさね市社会福祉協議会 アウトリーチ支援 (outreach support)"},
    {"ag-sanka", "かさね市社会福祉協議会 参加支援 (participation support)"},
    {"ag-tax", "かさね市 総務部 税務課 (Kasane City Tax Division)"},
    {"ag-water", "かさね市 上下水道局 料金課 (Kasane City Waterworks)"},
    {"ag-minsei", "かさね市 東町地区 民生委員 (welfare commissioner)"},
    {"ag-school", "かさね市立 第二中学校 (Kasane City No. 2 Junior High School)"},
    {"ag-hellowork", "ハローワークかさね (public employment security office)"},
    {"ag-jiritsu", "かさね市 自立相談支援センター (self-reliance support)"},
    {"ag-shougai", "かさね市 基幹相談支援センター (disability consultation)"},
    {"ag-kodomo", "かさね市 こども家庭センター (child and family center)"},
    {"ag-audit", "かさね市 監査委員事務局 (Kasane City Audit Office)"},
};

struct Story {
  std::string title;
  uint64_t first_event;
  std::map<std::string, std::string> ids;        // World id -> the story's id
  std::map<std::string, json> profiles;          // the story's person id -> profile
  std::map<std::string, std::string> free_text;  // exact free-text values to replace
  std::string summary;                           // case.opened summary
};

json Profile(const char* name, const char* kana, const char* born, const char* address,
             const char* description) {
  return json{{"fullName", name},
              {"nameKana", kana},
              {"birthDate", born},
              {"address", address},
              {"description", description}};
}

// Replaces every string value equal to a key of `ids` (ids are never free text).
void Rename(json& j, const Story& s) {
  if (j.is_string()) {
    const std::string& v = j.get_ref<const std::string&>();
    if (auto it = s.ids.find(v); it != s.ids.end()) {
      j = it->second;
    } else if (auto t = s.free_text.find(v); t != s.free_text.end()) {
      j = t->second;
    } else if (const size_t space = v.rfind(' '); space != std::string::npos) {
      // A free text naming an id at its end ("相談受付申込票 cn-father").
      if (auto id = s.ids.find(v.substr(space + 1)); id != s.ids.end()) {
        j = v.substr(0, space + 1) + id->second;
      }
    }
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) Rename(v, s);
  }
}

std::string RenamePath(const std::string& path, const Story& s) {
  std::string out;
  std::stringstream in(path);
  std::string seg;
  bool first = true;
  while (std::getline(in, seg, '/')) {
    if (!first) out += "/";
    first = false;
    auto it = s.ids.find(seg);
    out += it == s.ids.end() ? seg : it->second;
  }
  return out;
}

ordered_json Line(const domain::Actor& as, const std::string& path, const json& body,
                  const std::string& expect_refusal = "") {
  ordered_json line;
  line["as"] = ordered_json{{"staff", as.staff.value},
                            {"agency", as.agency.value},
                            {"role", std::string(domain::EnumName(as.role))}};
  line["path"] = path;
  line["body"] = ordered_json::parse(body.dump());
  if (!expect_refusal.empty()) line["expectRefusal"] = expect_refusal;
  return line;
}

// The directory: agency.registered and staff.registered, bootstrapped by st-sec (the first
// agency and the secretariat itself first, as DecideAdmin allows while no secretariat exists).
void WriteDirectory(std::string& out) {
  World w;
  const domain::Actor boot = w.ActorOf("st-sec");
  uint64_t n = 1;
  auto agency = [&](const domain::AgencyInfo& a) {
    json body{{"agency", a.id.value},
              {"name", kAgencyNames.at(a.id.value)},
              {"kind", std::string(domain::EnumName(a.kind))},
              {"fields", json::array()},
              {"programmeParts", json::array()},
              {"eventId", DemoId(n++).ToHex()},
              {"occurredAt", domain::testing::kStart - domain::testing::kDay}};
    out += Line(boot, "/v1/agencies", body).dump() + "\n";
  };
  auto staff = [&](const domain::StaffInfo& s) {
    json roles = json::array();
    for (domain::Role r : s.roles) roles.push_back(std::string(domain::EnumName(r)));
    json body{{"staff", s.id.value},
              {"agency", s.agency.value},
              {"roles", roles},
              {"eventId", DemoId(n++).ToHex()},
              {"occurredAt", domain::testing::kStart - domain::testing::kDay}};
    out += Line(boot, "/v1/staff", body).dump() + "\n";
  };
  const auto& dir = w.directory;
  out +=
      "# The directory of Kasane City (かさね市): agencies (支援関係機関) and staff, registered "
      "by the secretariat st-sec (bootstrap: its own agency and itself first).\n";
  agency(dir.agencies.at(domain::AgencyId("ag-fukushi")));
  staff(dir.staff.at(domain::StaffId("st-sec")));
  for (const auto& [id, a] : dir.agencies) {
    if (id.value != "ag-fukushi") agency(a);
  }
  for (const auto& [id, s] : dir.staff) {
    if (id.value != "st-sec") staff(s);
  }
}

// One story: `build` runs it on a fresh World; every event of its log becomes a line.
template <typename Build>
void WriteStory(std::string& out, const Story& s, Build build) {
  World w;
  w.next_event = s.first_event;
  build(w);
  out += "\n# " + s.title + "\n";
  for (const domain::DomainEvent& e : w.log) {
    domain::DomainEvent cmd = e;
    std::string expect;
    if (auto* refused = std::get_if<domain::DisclosureRefused>(&e.payload)) {
      cmd.payload = domain::testing::AttemptBehind(*refused, "提供しようとした内容 (refused)");
      expect = refused->rule;
    }
    const std::string path = api::testing::ApiWorld::PathFor(cmd, "c-1");
    ASSERT_FALSE(path.empty()) << domain::TypeOf(cmd.payload);
    json body = api::testing::ApiWorld::BodyFor(cmd);
    uint64_t n = 0;
    for (int i = 8; i < 16; ++i) n = (n << 8) | cmd.id.bytes[i];
    body["eventId"] = DemoId(n).ToHex();
    Rename(body, s);
    if (body.contains("caseId") && body.contains("members")) {  // case.opened
      body["summary"] = s.summary;
      for (json& m : body["members"]) m["profile"] = s.profiles.at(m["person"].get<std::string>());
    }
    out += Line(e.actor, RenamePath(path, s), body, expect).dump() + "\n";
  }
}

const Story k8050 = {
    "Story 1: the 8050 household (c-8050). The father (79) needs care and must go to hospital; "
    "his son (51) has been withdrawn for over 20 years. Referral, plan, outreach, participation "
    "support, monitoring, evaluation, termination with 伴走支援.",
    1'000'001,
    {{"c-1", "c-8050"},
     {"p-father", "p-8050-father"},
     {"p-son", "p-8050-son"},
     {"cn-father", "cn-8050-father"},
     {"cn-son", "cn-8050-son"},
     {"r-1", "r-8050-1"},
     {"pl-1", "pl-8050-1"},
     {"m-plan", "m-8050-plan"},
     {"m-end", "m-8050-end"}},
    {{"p-8050-father", Profile("重田 勝", "しげた まさる", "1944-09-10", "かさね市東町一丁目2番3号",
                               "要介護2、近く入院の予定")},
     {"p-8050-son", Profile("重田 浩二", "しげた こうじ", "1972-05-20", "かさね市東町一丁目2番3号",
                            "20年以上ひきこもりの状態")}},
    {},
    "父の入院が決まり、同居の息子の今後の生活が心配 (ケアマネジャーからの相談)"};

const Story kYonin = {
    "Story 2: the four-person household (c-yonin). The daughter (14) stopped going to school; "
    "her father (47) lost his job, her mother (45) has arrears, her brother (22) may have a "
    "disability. Each person's consent names only the agencies their part of the plan needs.",
    2'000'001,
    {{"c-1", "c-yonin"},
     {"p-daughter", "p-yonin-daughter"},
     {"p-father", "p-yonin-father"},
     {"p-mother", "p-yonin-mother"},
     {"p-son", "p-yonin-son"},
     {"cn-d", "cn-yonin-daughter"},
     {"cn-f", "cn-yonin-father"},
     {"cn-m", "cn-yonin-mother"},
     {"cn-s", "cn-yonin-son"},
     {"r-1", "r-yonin-1"},
     {"pl-1", "pl-yonin-1"},
     {"m-plan", "m-yonin-plan"},
     {"m-change", "m-yonin-change"}},
    {{"p-yonin-daughter", Profile("川村 美咲", "かわむら みさき", "2009-06-01",
                                  "かさね市西町四丁目5番6号", "中学2年、不登校が続いている")},
     {"p-yonin-father",
      Profile("川村 誠", "かわむら まこと", "1976-08-15", "かさね市西町四丁目5番6号", "失業中")},
     {"p-yonin-mother", Profile("川村 由美", "かわむら ゆみ", "1978-03-03",
                                "かさね市西町四丁目5番6号", "家計が苦しく滞納がある")},
     {"p-yonin-son", Profile("川村 翔太", "かわむら しょうた", "2001-11-11",
                             "かさね市西町四丁目5番6号", "障がいの疑い、就労に不安")}},
    {{"母 氏名", "川村 由美"}},
    "娘の不登校について学校から相談 (世帯全体に複合的な課題)"};

const Story kShienkaigi = {
    "Story 3: the 支援会議 (c-shienkaigi). The welfare commissioner and the water utility worry "
    "about a resident who refuses contact. Without consent only a 支援会議 may share; the tax "
    "division's attempt to bring tax arrears is refused (tax_consent); a hospital worker who "
    "joins late sees only what is shared after joining.",
    3'000'001,
    {{"c-1", "c-shienkaigi"}, {"p-x", "p-shienkaigi-resident"}, {"m-1", "m-shienkaigi-1"}},
    {{"p-shienkaigi-resident",
      Profile("大野 清", "おおの きよし", "1950-02-02", "かさね市南町七丁目8番9号",
              "一人暮らし、支援を拒否、水道料金の滞納")}},
    {},
    "民生委員と水道局から、連絡を拒む一人暮らしの方についての心配"};

std::string DemoDataset() {
  std::string out =
      "# The kasane demo dataset (docs/import.md, \"The demo\"): the three worked examples of "
      "DOMAIN.md in the fictional Kasane City (かさね市).\n"
      "# Generated by tests/tools/demo_dataset_test.cc from tests/domain/worked_examples.cc; do "
      "not edit (" +
      std::string(kRegenerate) + ").\n";
  WriteDirectory(out);
  WriteStory(out, k8050, [](World& w) { domain::testing::Build8050Household(w); });
  WriteStory(out, kYonin, [](World& w) { domain::testing::BuildFourPersonHousehold(w); });
  WriteStory(out, kShienkaigi, [](World& w) { domain::testing::BuildSupportMeetingTaxRefusal(w); });
  return out;
}

TEST(DemoDataset, EqualsTheCommittedFile) {
  const std::string generated = DemoDataset();
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::string file = std::string(KASANE_SOURCE_DIR) + kPath;
  if (const char* w = std::getenv("KASANE_WRITE_DEMO"); w != nullptr && std::string(w) == "1") {
    std::ofstream(file, std::ios::binary) << generated;
  }
  std::ifstream in(file, std::ios::binary);
  ASSERT_TRUE(in.good()) << "tools/demo/demo.jsonl is missing; " << kRegenerate;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == generated) << "tools/demo/demo.jsonl is stale; " << kRegenerate;
}

// Every id of the stories was renamed: no line names a World id of case "c-1".
TEST(DemoDataset, EachStoryHasItsOwnIds) {
  const std::string data = DemoDataset();
  const std::regex world_id(
      "[\" ](c-1|p-father|p-son|p-mother|p-daughter|p-x|cn-[a-z]+|r-1|pl-1|m-plan|m-end|m-change|"
      "m-1)\"");
  EXPECT_FALSE(std::regex_search(data, world_id));
  for (const char* c : {"\"c-8050\"", "\"c-yonin\"", "\"c-shienkaigi\""}) {
    EXPECT_NE(data.find(c), std::string::npos) << c;
  }
  EXPECT_EQ(data.find("氏名"), std::string::npos) << "every person has a fictional profile";
}

// The dataset imports into an empty folder: every line is accepted or refused as expected, and a
// second import writes nothing.
TEST(DemoDataset, ImportsCleanlyAndTwiceWritesNothing) {
  const std::string data = DemoDataset();
  eventstore::testing::TempDir dir;
  api::ServerOptions options;
  options.data_dir = dir.Sub("data");
  options.threads = 1;
  auto server = api::ApiServer::Open(options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::istringstream first(data);
  auto s1 = ImportJsonLines(**server, first, {});
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  ASSERT_FALSE(s1->stop.has_value()) << s1->stop->message;
  EXPECT_GT(s1->written, 100u);
  // The refused disclosures: 8050 1, four people 2, 支援会議 1.
  EXPECT_EQ(s1->refused_as_expected, 4u);
  EXPECT_EQ(s1->replayed, 0u);
  const uint64_t size = (*server)->log().Size();
  std::istringstream second(data);
  auto s2 = ImportJsonLines(**server, second, {});
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  ASSERT_FALSE(s2->stop.has_value()) << s2->stop->message;
  EXPECT_EQ(s2->written, 0u);
  EXPECT_EQ(s2->refused_as_expected, 0u);
  EXPECT_EQ(s2->replayed, s1->lines);
  EXPECT_EQ((*server)->log().Size(), size);
}

}  // namespace
}  // namespace kasane::tools

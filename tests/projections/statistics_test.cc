// Statistics for 事業評価: every section counted on the worked examples and on a constructed set
// of cases with known fields, agencies, months and days from intake to the first plan.
#include "projections/statistics.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/domain/worked_examples.h"
#include "tests/projections/views_fixture.h"

namespace kasane::projections {
namespace {

using domain::testing::kDay;
using domain::testing::Kinds;
using domain::testing::kSecond;
using domain::testing::kStart;
using domain::testing::World;
using nlohmann::json;
using testing::Cases;
using testing::LogWorld;
using testing::Must;
using K = domain::InformationKind;

json StatisticsOf(LogWorld& lw) {
  auto engine = lw.OpenEngine();
  Status s = engine->CatchUp();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return Must(Statistics(Must(engine->Reader(kStatisticsName))));
}

TEST(StatisticsTest, TheWorkedExamplesCounted) {
  LogWorld lw;
  Cases cases(lw);
  domain::testing::Build8050Household(cases.Add("c-8050"));
  domain::testing::BuildFourPersonHousehold(cases.Add("c-four"));
  domain::testing::BuildSupportMeetingTaxRefusal(cases.Add("c-shien"));
  cases.Sync();
  const json stats = StatisticsOf(lw);

  const json& c = stats["consultations"];
  EXPECT_EQ(c["total"], 3);
  EXPECT_EQ(
      c["byField"],
      (json{
          {"elderly_care", 3}, {"disability", 0}, {"children", 0}, {"poverty", 0}, {"other", 0}}));
  EXPECT_EQ(c["byMonth"], (json{{"2024-01", 3}}));
  EXPECT_EQ(c["byAgency"], (json{{"ag-kyotaku", 1}, {"ag-school", 1}, {"ag-houkatsu", 1}}));

  const json& r = stats["referrals"];
  EXPECT_EQ(r["made"], 2);
  EXPECT_EQ(r["byMoment"]["referral_to_coordination"], 2);
  EXPECT_EQ(r["accepted"], 2);
  EXPECT_EQ(r["declined"], 0);
  EXPECT_EQ(r["returned"], 0);

  EXPECT_EQ(stats["plans"], (json{{"drafted", 2},
                                  {"approved", 2},
                                  {"revised", 1},
                                  {"monitored", 1},
                                  {"evaluated", 1},
                                  {"terminated", 1},
                                  {"suspended", 0},
                                  {"resumed", 0}}));
  // 8050: m-plan and m-end; four people: m-plan and m-change; seed 001: the 支援会議 m-1.
  EXPECT_EQ(stats["meetings"]["support_meeting"], 1);
  EXPECT_EQ(stats["meetings"]["multi_layered_support_meeting"], 4);
  EXPECT_EQ(
      stats["meetings"]["multiLayeredByPurpose"],
      (json{{"plan_creation", 2}, {"plan_change", 1}, {"termination", 1}, {"suspension", 0}}));
  // Under consent: 8050's referral, discharge outlook and the son's employment; the four-person
  // household's referral and three disclosures. In the 支援会議: three.
  EXPECT_EQ(stats["disclosures"]["total"], 10);
  EXPECT_EQ(stats["disclosures"]["byBasis"],
            (json{{"consent", 7}, {"support_meeting", 3}, {"urgent_case", 0}}));
  EXPECT_EQ(stats["disclosures"]["referralsByBasis"]["consent"], 2);
  EXPECT_EQ(stats["refusals"],
            (json{{"total", 4}, {"byRule", {{"consent_scope", 3}, {"tax_consent", 1}}}}));
  // Both plans were approved on the day of intake.
  EXPECT_EQ(stats["intakeToFirstPlan"]["cases"], 2);
  EXPECT_EQ(stats["intakeToFirstPlan"]["medianDays"], 0);
  EXPECT_EQ(stats["intakeToFirstPlan"]["p90Days"], 0);
}

struct Intake {
  const char* case_id;
  const char* staff;
  std::set<domain::Field> fields;
  UnixNanos at;
  int plan_after_days;  // -1: no plan
};

// Opens the case at `in.at` and, when asked, approves a plan `plan_after_days` later.
void Build(World& w, const Intake& in) {
  w.now = in.at;
  domain::CaseOpened o;
  o.case_id = domain::CaseId("c-1");
  o.intake_agency = w.ActorOf(in.staff).agency;
  o.route = domain::IntakeRoute::kWalkIn;
  o.fields = in.fields;
  o.main_person = domain::PersonId("p-main");
  o.members = {domain::HouseholdMember{
      domain::PersonId("p-main"), domain::Relation::kSelf, {"氏名", "", "", "", ""}}};
  o.summary = "相談内容";
  w.Must(in.staff, o);
  if (in.plan_after_days < 0) return;
  w.Must(in.staff, World::ConsentFor("cn-1", "p-main", {"ag-takikan", "ag-kyotaku"},
                                     Kinds({K::kIdentity, K::kPlan})));
  w.AdvanceDays(in.plan_after_days);
  w.Must("st-coord", w.Draft("pl-1", 1, {"ag-kyotaku"}));
  w.HoldMultiLayeredMeeting("m-plan", domain::MeetingPurpose::kPlanCreation, {"st-cm"});
  w.Must("st-coord", domain::PlanApproved{domain::PlanId("pl-1"), 1, domain::MeetingId("m-plan")});
}

TEST(StatisticsTest, ConstructedCasesByFieldMonthAgencyAndDaysToThePlan) {
  // kStart is 2024-01-15 00:00 JST; kStart + 17 days is 2024-02-01 00:00 JST (2024-01-31 in
  // UTC), so c-f and c-g fall in different months one second apart.
  using F = domain::Field;
  const Intake intakes[] = {
      {"c-a", "st-houkatsu", {F::kElderlyCare}, kStart, 3},
      {"c-b", "st-shougai", {F::kDisability, F::kPoverty}, kStart + kDay, 10},
      {"c-c", "st-jiritsu", {F::kPoverty}, kStart + 20 * kDay, 10},
      {"c-d", "st-kodomo", {F::kChildren}, kStart + 50 * kDay, 20},
      {"c-e", "st-houkatsu", {F::kElderlyCare, F::kDisability}, kStart + 2 * kDay, 45},
      {"c-f", "st-jiritsu", {F::kPoverty}, kStart + 17 * kDay - kSecond, -1},
      {"c-g", "st-jiritsu", {F::kPoverty}, kStart + 17 * kDay, -1},
  };
  LogWorld lw;
  Cases cases(lw);
  for (const Intake& in : intakes) Build(cases.Add(in.case_id), in);

  // c-a: a referral declined; c-c: one accepted and handed back (つなぎもどし); c-d: suspended.
  World& a = cases.world(0);
  a.Must("st-houkatsu", domain::ReferralMade{domain::ReferralId("r-1"),
                                             domain::AgencyId("ag-houkatsu"),
                                             domain::AgencyId("ag-takikan"),
                                             std::nullopt,
                                             domain::HandoffMoment::kReferralToCoordination,
                                             domain::PersonId("p-main"),
                                             "理由",
                                             {},
                                             std::nullopt});
  a.Must("st-coord",
         domain::ReferralDeclined{domain::ReferralId("r-1"), domain::PersonId("p-main"), "理由"});
  World& c = cases.world(2);
  c.Must("st-jiritsu", domain::ReferralMade{domain::ReferralId("r-1"),
                                            domain::AgencyId("ag-jiritsu"),
                                            domain::AgencyId("ag-takikan"),
                                            std::nullopt,
                                            domain::HandoffMoment::kCollaborationDuringPlan,
                                            domain::PersonId("p-main"),
                                            "理由",
                                            {},
                                            std::nullopt});
  c.Must("st-coord", domain::ReferralAccepted{domain::ReferralId("r-1")});
  c.Must("st-coord", domain::ReferralReturned{
                         domain::ReferralId("r-1"), domain::AgencyId("ag-jiritsu"),
                         domain::AgencyId("ag-jiritsu"), domain::HandoffMoment::kReturnToReferrer,
                         domain::PersonId("p-main"), "理由"});
  World& d = cases.world(3);
  d.HoldMultiLayeredMeeting("m-stop", domain::MeetingPurpose::kSuspension, {"st-cm"});
  d.Must("st-coord", domain::SupportSuspended{domain::PlanId("pl-1"), domain::MeetingId("m-stop"),
                                              domain::PersonId("p-main"), "連絡途絶"});
  cases.Sync();
  const json stats = StatisticsOf(lw);

  const json& con = stats["consultations"];
  EXPECT_EQ(con["total"], 7);
  EXPECT_EQ(con["byMonth"], (json{{"2024-01", 4}, {"2024-02", 2}, {"2024-03", 1}}));
  EXPECT_EQ(
      con["byField"],
      (json{
          {"elderly_care", 2}, {"disability", 2}, {"children", 1}, {"poverty", 4}, {"other", 0}}));
  EXPECT_EQ(con["byAgency"],
            (json{{"ag-houkatsu", 2}, {"ag-shougai", 1}, {"ag-jiritsu", 3}, {"ag-kodomo", 1}}));
  // One row per month, field and agency; a case with two fields is in two rows.
  EXPECT_EQ(con["rows"].size(), 7u);
  EXPECT_EQ(
      con["rows"][0],
      (json{
          {"month", "2024-01"}, {"field", "disability"}, {"agency", "ag-houkatsu"}, {"count", 1}}));

  const json& r = stats["referrals"];
  EXPECT_EQ(r["made"], 2);
  EXPECT_EQ(r["byMoment"]["referral_to_coordination"], 1);
  EXPECT_EQ(r["byMoment"]["collaboration_during_plan"], 1);
  EXPECT_EQ(r["accepted"], 1);
  EXPECT_EQ(r["declined"], 1);
  EXPECT_EQ(r["returned"], 1);
  EXPECT_EQ(r["returnsByMoment"]["return_to_referrer"], 1);

  EXPECT_EQ(stats["plans"]["approved"], 5);
  EXPECT_EQ(stats["plans"]["suspended"], 1);
  EXPECT_EQ(stats["meetings"]["multiLayeredByPurpose"]["plan_creation"], 5);
  EXPECT_EQ(stats["meetings"]["multiLayeredByPurpose"]["suspension"], 1);
  EXPECT_EQ(stats["disclosures"]["total"], 0);  // these referrals passed no information

  // Days from intake to the first approved plan: 3, 10, 10, 20, 45.
  const json& days = stats["intakeToFirstPlan"];
  EXPECT_EQ(days["cases"], 5);
  EXPECT_EQ(days["medianDays"], 10);
  EXPECT_EQ(days["p90Days"], 45);
  EXPECT_EQ(days["histogram"], (json::array({{{"days", 3}, {"count", 1}},
                                             {{"days", 10}, {"count", 2}},
                                             {{"days", 20}, {"count", 1}},
                                             {{"days", 45}, {"count", 1}}})));

  const std::string csv = StatisticsCsv(stats);
  EXPECT_TRUE(
      csv.starts_with("\xEF\xBB\xBF"
                      "section,item,value\r\n"));
  EXPECT_NE(csv.find("\r\nconsultations,total,7\r\n"), std::string::npos);
  EXPECT_NE(csv.find("\r\nintakeToFirstPlan,p90Days,45\r\n"), std::string::npos);
}

TEST(StatisticsTest, MedianAndP90OfAHistogram) {
  EXPECT_EQ(HistogramMedian({}), nullptr);
  EXPECT_EQ(HistogramP90({}), nullptr);
  EXPECT_EQ(HistogramMedian({{7, 1}}), 7);
  EXPECT_EQ(HistogramP90({{7, 1}}), 7);
  EXPECT_EQ(HistogramMedian({{2, 1}, {5, 1}}), 3.5);
  EXPECT_EQ(HistogramMedian({{2, 1}, {4, 1}}), 3);
  std::map<uint64_t, uint64_t> one_to_ten;
  for (uint64_t d = 1; d <= 10; ++d) one_to_ten[d] = 1;
  EXPECT_EQ(HistogramMedian(one_to_ten), 5.5);
  EXPECT_EQ(HistogramP90(one_to_ten), 9);
  one_to_ten[11] = 1;  // 11 values: the 10th (ceil(9.9)) is the 90th percentile
  EXPECT_EQ(HistogramP90(one_to_ten), 10);
  EXPECT_EQ(HistogramMedian(one_to_ten), 6);
}

}  // namespace
}  // namespace kasane::projections

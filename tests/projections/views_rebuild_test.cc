// The registers, monitoring due and statistics obey the projection rules (projection.h): a
// rebuild writes exactly the bytes of an incremental build, whatever the chunking, and nothing
// personal reaches a view.
#include <gtest/gtest.h>

#include <functional>
#include <type_traits>

#include "domain/internal/describe.h"
#include "projections/access_register.h"
#include "projections/consent_register.h"
#include "projections/disclosure_register.h"
#include "projections/monitoring_due.h"
#include "projections/statistics.h"
#include "tests/domain/worked_examples.h"
#include "tests/projections/views_fixture.h"

namespace kasane::projections {
namespace {

using domain::testing::World;
using testing::Cases;
using testing::DumpOf;
using testing::LogWorld;
using testing::Must;

const std::string_view kViews[] = {kConsentRegisterName, kDisclosureRegisterName,
                                   kAccessRegisterName, kMonitoringDueName, kStatisticsName};

// The three worked examples in three cases, a withdrawal, a suspension and access records.
struct Stories {
  explicit Stories(LogWorld& lw) : cases(lw) {
    the8050 = domain::testing::Build8050Household(cases.Add("c-8050"));
    four = domain::testing::BuildFourPersonHousehold(cases.Add("c-four"));
    domain::testing::BuildSupportMeetingTaxRefusal(cases.Add("c-shien"));
    World& f = cases.world(1);
    f.Must("st-jiritsu", domain::ConsentWithdrawn{domain::ConsentId("cn-m"),
                                                  domain::PersonId("p-mother"), "撤回"});
    f.HoldMultiLayeredMeeting("m-stop", domain::MeetingPurpose::kSuspension, {"st-shougai"});
    f.Must("st-coord", domain::SupportSuspended{domain::PlanId("pl-1"), domain::MeetingId("m-stop"),
                                                domain::PersonId("p-daughter"), "連絡途絶"});
  }
  Cases cases;
  domain::testing::The8050Household the8050;
  domain::testing::TheFourPersonHousehold four;
};

// Appends three access records, calling `each` after each one.
void AppendAccesses(
    LogWorld& lw, Stories& s, const std::function<void()>& each = [] {}) {
  testing::AppendAccess(lw, s.cases.world(0), "st-helper", {s.the8050.discharge});
  each();
  testing::AppendAccess(lw, s.cases.world(0), "st-cm", {s.the8050.drafted});
  each();
  testing::AppendAccess(lw, s.cases.world(1), "st-hw", {s.four.father_work}, "access-2");
  each();
}

TEST(ViewsRebuildTest, RebuildWritesTheBytesOfAnIncrementalBuildOneEventAtATime) {
  LogWorld lw;
  Stories stories(lw);
  EngineOptions one;
  one.chunk_events = 1;
  auto engine = lw.OpenEngine(one);
  // Appended one by one, each caught up at once: every event is its own chunk.
  auto catch_up = [&] { ASSERT_TRUE(engine->CatchUp().ok()); };
  stories.cases.SyncEach(catch_up);
  AppendAccesses(lw, stories, catch_up);

  // The same log in one go with the default chunking, in another views folder.
  auto whole = lw.OpenEngine({}, lw.dir.Sub("views-whole"));
  ASSERT_TRUE(whole->CatchUp().ok());

  for (std::string_view name : kViews) {
    SCOPED_TRACE(std::string(name));
    const auto incremental = DumpOf(*engine, name);
    EXPECT_FALSE(incremental.empty());
    ASSERT_TRUE(engine->Rebuild(name).ok());
    EXPECT_EQ(DumpOf(*engine, name), incremental);
    EXPECT_EQ(DumpOf(*whole, name), incremental);
  }
}

// Sets every personal text of a payload to a unique marker (metadata untouched), through the
// payloads' own Describe walk; an empty personal list gets one marked element.
class Marker {
 public:
  explicit Marker(std::vector<std::string>* markers) : markers_(markers) {}

  template <typename T>
  void Field(std::string_view, T& v) {
    Walk(v);
  }
  template <typename T>
  void Subject(std::string_view, T&) {}
  template <typename T>
  void Personal(std::string_view, T& v) {
    ++personal_;
    Walk(v);
    --personal_;
  }

 private:
  template <typename T>
  void Walk(T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (personal_ > 0) {
        v = "MARKER-" + std::to_string(markers_->size()) + "-PERSONAL";
        markers_->push_back(v);
      }
    } else if constexpr (domain::internal::kIsVector<T>) {
      if constexpr (std::is_same_v<typename T::value_type, std::string>) {
        if (personal_ > 0 && v.empty()) v.emplace_back();
      }
      for (auto& e : v) Walk(e);
    } else if constexpr (domain::internal::kIsOptional<T>) {
      if (v.has_value()) Walk(*v);
    } else if constexpr (domain::internal::Describable<T>) {
      T::Describe(v, *this);
    }
  }

  std::vector<std::string>* markers_;
  int personal_ = 0;
};

TEST(ViewsRebuildTest, NoPersonalContentReachesAnyView) {
  LogWorld lw;
  Stories stories(lw);
  std::vector<std::string> markers;
  for (size_t i = 0; i < 3; ++i) {
    for (domain::DomainEvent& e : stories.cases.world(i).log) {
      std::visit(
          [&](auto& p) {
            Marker m(&markers);
            std::remove_cvref_t<decltype(p)>::Describe(p, m);
          },
          e.payload);
    }
  }
  ASSERT_GT(markers.size(), 50u);
  stories.cases.Sync();
  AppendAccesses(lw, stories);

  // The markers are in the log (sealed): a reader with the keys gets them back.
  const domain::DomainEvent& consent = stories.cases.world(1).log.at(1);
  ASSERT_EQ(domain::TypeOf(consent.payload), "consent.recorded");
  const DecodedEvent decoded =
      Must(FromLogEvent(Must(lw.log->ReadById(eventstore::EventId{consent.id.bytes})), *lw.log));
  EXPECT_TRUE(
      std::get<domain::ConsentRecorded>(decoded.event.payload).proxy_name.starts_with("MARKER-"));

  auto engine = lw.OpenEngine();
  ASSERT_TRUE(engine->CatchUp().ok());
  for (std::string_view name : kViews) {
    SCOPED_TRACE(std::string(name));
    const auto dump = DumpOf(*engine, name);
    EXPECT_FALSE(dump.empty());
    for (const auto& [key, value] : dump) {
      EXPECT_EQ(key.find("MARKER-"), std::string::npos) << key;
      EXPECT_EQ(value.find("MARKER-"), std::string::npos) << key;
      EXPECT_EQ(value.find("PERSONAL"), std::string::npos) << key;
    }
  }
}

}  // namespace
}  // namespace kasane::projections

// Test fixture for kasane::projections: a domain World (tests/domain/fixture.h) whose events are
// written to a real EventLog in a temporary folder, as the API will write them, and a
// ProjectionEngine over that log.
//
//   LogWorld lw;
//   lw.w.OpenCase("st-cm", {{"p-father", Relation::kSelf}});
//   lw.Sync();                       // appends every new event of lw.w.log to "case-c-1"
//   auto engine = lw.OpenEngine();
//   ASSERT_TRUE(engine->CatchUp().ok());
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "eventstore/event_log.h"
#include "projections/engine.h"
#include "projections/event_codec.h"
#include "tests/domain/fixture.h"
#include "tests/eventstore/test_util.h"

namespace kasane::projections::testing {

class LogWorld {
 public:
  LogWorld() : clock_(domain::testing::kStart) { Reopen(); }

  // Appends the events of w.log not yet in the log, one Append each, to "case-<case id>", with
  // the log's clock set to each event's occurred time (so recorded-at follows the story).
  // Returns the position of the last event appended.
  uint64_t Sync(const std::string& case_id = "c-1") {
    uint64_t last = 0;
    for (; synced_ < w.log.size(); ++synced_) {
      const domain::DomainEvent& e = w.log[synced_];
      clock_.Set(e.occurred_at);
      Result<eventstore::NewEvent> ne = ToLogEvent(e, *log);
      EXPECT_TRUE(ne.ok()) << ne.status().ToString();
      if (!ne.ok()) return last;
      auto r = log->Append("case-" + case_id, eventstore::ExpectedVersion::Any(), {*ne});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) last = r->first_position;
    }
    return last;
  }

  // A fresh engine over the log, its views in `views` (default: <dir>/views).
  std::unique_ptr<ProjectionEngine> OpenEngine(EngineOptions options = {},
                                               const std::string& views = "") {
    auto engine =
        ProjectionEngine::Open(*log, views.empty() ? dir.Sub("views") : views, std::move(options));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  // Closes and reopens the log (engines over it must be gone).
  void Reopen() {
    log.reset();
    eventstore::EventLogOptions options;
    options.dir = dir.Sub("data");
    options.clock = &clock_;
    auto opened = eventstore::EventLog::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) log = std::move(opened).value();
  }

  FakeClock& clock() { return clock_; }

  eventstore::testing::TempDir dir;
  domain::testing::World w;
  std::unique_ptr<eventstore::EventLog> log;

 private:
  FakeClock clock_;
  size_t synced_ = 0;
};

}  // namespace kasane::projections::testing

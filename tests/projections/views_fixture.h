// Test helpers for the registers, monitoring due and statistics (tests/projections/fixture.h
// writes one World to one case stream; these write several stories, each in its own World, to
// their own case streams of one log, and append access records).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/scope_policy.h"
#include "projections/encoding.h"
#include "tests/projections/fixture.h"

namespace kasane::projections::testing {

// Several cases in one log: each case is a World of its own (event ids from its own range), and
// Sync writes every case's new events to "case-<id>", case by case in the order they were added.
class Cases {
 public:
  explicit Cases(LogWorld& lw) : lw_(&lw) {}

  // A new World for case `case_id` (its payloads still say "c-1"; the stream names the case).
  domain::testing::World& Add(const std::string& case_id) {
    auto entry = std::make_unique<Entry>();
    entry->case_id = case_id;
    entry->world.next_event = 1'000'000 * (entries_.size() + 1);
    entries_.push_back(std::move(entry));
    return entries_.back()->world;
  }

  // Appends the new events of every case, one Append each (LogWorld::Sync).
  void Sync() {
    for (auto& entry : entries_) {
      for (; entry->synced < entry->world.log.size(); ++entry->synced) {
        lw_->w.log.push_back(entry->world.log[entry->synced]);
      }
      lw_->Sync(entry->case_id);
    }
  }

  // Calls `each` after appending each event (in the order Sync appends them).
  void SyncEach(const std::function<void()>& each) {
    for (auto& entry : entries_) {
      for (; entry->synced < entry->world.log.size(); ++entry->synced) {
        lw_->w.log.push_back(entry->world.log[entry->synced]);
        lw_->Sync(entry->case_id);
        each();
      }
    }
  }

  domain::testing::World& world(size_t i) { return entries_.at(i)->world; }

 private:
  struct Entry {
    std::string case_id;
    domain::testing::World world;
    size_t synced = 0;
  };
  LogWorld* lw_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Appends the access record for `staff` being shown `shown` of `w`'s case (AccessRecordFor) to
// `stream`, as the API will; returns its position. Fails the test when nothing would be recorded.
inline uint64_t AppendAccess(LogWorld& lw, domain::testing::World& w, const std::string& staff,
                             std::vector<domain::DomainEvent> shown,
                             const std::string& stream = "access-1") {
  std::optional<domain::AccessRecorded> record =
      domain::AccessRecordFor(w.PrincipalOf(staff), w.state, shown, w.now);
  EXPECT_TRUE(record.has_value()) << staff << " was shown nothing in full";
  if (!record.has_value()) return 0;
  domain::DomainEvent e;
  e.id = domain::EventId::FromNumber(w.next_event++);
  e.occurred_at = w.now;
  e.actor = w.ActorOf(staff);
  e.payload = *record;
  w.now += domain::testing::kSecond;
  lw.clock().Set(e.occurred_at);
  Result<eventstore::NewEvent> ne = ToLogEvent(e, *lw.log);
  EXPECT_TRUE(ne.ok()) << ne.status().ToString();
  if (!ne.ok()) return 0;
  auto r = lw.log->Append(stream, eventstore::ExpectedVersion::Any(), {*ne});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->first_position : 0;
}

// Every (key, value) of projection `name`'s active generation.
inline std::vector<std::pair<std::string, std::string>> DumpOf(const ProjectionEngine& engine,
                                                               std::string_view name) {
  Result<ViewReader> reader = engine.Reader(name);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  const uint32_t generation = reader->generation();
  auto dump = engine.store().Dump(generation);
  EXPECT_TRUE(dump.ok()) << dump.status().ToString();
  return dump.ok() ? std::move(dump).value() : std::vector<std::pair<std::string, std::string>>{};
}

// Unwraps a Result in a test; an error ends the test (an exception GoogleTest reports).
template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return std::move(r).value();
}

}  // namespace kasane::projections::testing

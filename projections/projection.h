// Projection: one read model fed from the log (docs/projections.md).
//
// The engine (projections/engine.h) feeds every projection every event in position order, none
// skipped, starting at the projection's checkpoint. A projection writes its state only through
// the `Changes` it is given; the engine commits a chunk's changes together with the new
// checkpoint in one batch, so state and checkpoint never disagree, and a crash makes the
// projection re-apply the whole uncommitted chunk (never half of it).
//
// Rules every projection follows:
//   - Deterministic: the bytes written depend only on the events, never on chunk boundaries,
//     the clock, or what happened to be cached. A rebuild therefore writes exactly the bytes an
//     incremental build wrote (tested).
//   - Nothing personal: events arrive with every personal field blank (DecodeWithoutContent);
//     views keep positions of the events that hold personal content and resolve it through the
//     log at read time, so erasure (a destroyed key) reaches every view.
//   - An event it cannot apply is an error returned from Apply, with the reason (no personal
//     content in it). The engine then stops that projection at that position.
//
// Thread-safety: the engine calls a projection from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "domain/case_state.h"
#include "domain/events.h"
#include "eventstore/event.h"
#include "projections/view_store.h"

namespace kasane::projections {

// One event as projections see it.
struct ProjectedEvent {
  const domain::DomainEvent& event;  // personal fields blank; recorded_at is the log's
  eventstore::Position position;
  const std::string& stream;
  eventstore::Version version;  // in its stream
  // For events of a case stream ("case-<id>"): the case's state after this event (Evolve);
  // null for every other stream.
  const domain::CaseState* case_state;
};

class Projection {
 public:
  virtual ~Projection() = default;
  // Stable name, used in keys, metrics and `kasane rebuild --projection`.
  virtual std::string_view Name() const = 0;
  // Bumped whenever what the projection writes changes; a stored generation of another version
  // is rebuilt from position 0.
  virtual uint32_t SchemaVersion() const = 0;
  // Applies one event; every write goes to `changes`.
  virtual Status Apply(const ProjectedEvent& e, Changes& changes) = 0;
  // Called once per chunk before its changes are committed: write what was kept in memory.
  virtual Status Flush(Changes& changes) {
    (void)changes;
    return Status::Ok();
  }
  // The chunk was abandoned (an Apply or Flush failed): forget what was kept in memory for it.
  virtual void Discard() {}
};

// Names of every projection, in the order the engine runs them.
std::vector<std::string> ProjectionNames();
// A fresh instance of the projection `name`; nullptr for an unknown name.
std::unique_ptr<Projection> MakeProjection(std::string_view name);

}  // namespace kasane::projections

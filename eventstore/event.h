// The values of the event log: ids, expected versions, the event a caller appends and the event
// the log returns. All are small copyable values, compared by value.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace kasane::eventstore {

// Global position: the event's index in the log and its Merkle leaf index, from 0, no gaps.
using Position = uint64_t;
// Version of an event within its stream, from 0.
using Version = uint64_t;

// A 16-byte identifier (event ids, causation and correlation ids). Printed as a UUID.
struct EventId {
  std::array<uint8_t, 16> bytes{};

  // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" or 32 hex digits; InvalidArgument otherwise.
  static Result<EventId> Parse(std::string_view text);
  // Lower-case UUID form.
  std::string ToString() const;
  bool IsZero() const;

  friend auto operator<=>(const EventId&, const EventId&) = default;
};

struct Actor {
  std::string staff;
  std::string agency;
  std::string role;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// A personal part of a payload sealed for one data subject. The store carries it opaquely.
struct SealedPart {
  std::string subject;
  std::string path;
  std::string nonce;
  std::string ciphertext;
  friend bool operator==(const SealedPart&, const SealedPart&) = default;
};

// What a caller appends. The log assigns stream version, position and recorded-at.
struct NewEvent {
  EventId id;
  std::string type;  // 1..128 bytes
  // Business time. 0 means "not given": the log records recorded-at in its place, and a retry
  // that leaves it unset matches whatever was recorded.
  UnixNanos occurred_at = 0;
  Actor actor;
  std::optional<EventId> causation_id;
  std::optional<EventId> correlation_id;
  std::string payload;  // opaque bytes
  std::vector<SealedPart> sealed;
  friend bool operator==(const NewEvent&, const NewEvent&) = default;
};

// An event as stored: the caller's content plus what the log assigned, and the exact canonical
// bytes that the Merkle leaf covers.
struct RecordedEvent {
  EventId id;
  std::string stream;
  Version version = 0;
  Position position = 0;
  std::string type;
  UnixNanos recorded_at = 0;
  UnixNanos occurred_at = 0;
  Actor actor;
  std::optional<EventId> causation_id;
  std::optional<EventId> correlation_id;
  std::string payload;
  std::vector<SealedPart> sealed;
  std::string canonical;  // the stored envelope bytes (leaf data)

  // True if `e` has the same caller-supplied content (used for idempotent retries).
  bool SameContentAs(const NewEvent& e) const;
  friend bool operator==(const RecordedEvent&, const RecordedEvent&) = default;
};

// The optimistic-concurrency expectation of an append.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  static ExpectedVersion StreamExists() { return ExpectedVersion(Kind::kStreamExists, 0); }
  static ExpectedVersion Exact(Version v) { return ExpectedVersion(Kind::kExact, v); }
  // Parses "any", "no_stream", "stream_exists" or a decimal version.
  static Result<ExpectedVersion> Parse(std::string_view text);

  Kind kind() const { return kind_; }
  Version version() const { return version_; }
  std::string ToString() const;
  friend bool operator==(const ExpectedVersion&, const ExpectedVersion&) = default;

 private:
  ExpectedVersion(Kind k, Version v) : kind_(k), version_(v) {}
  Kind kind_;
  Version version_;
};

struct AppendResult {
  Position first_position = 0;
  Position last_position = 0;
  Version first_version = 0;
  Version last_version = 0;
  bool replayed = false;  // true when every id was already in the log (idempotent retry)
  // The server time the events were recorded at (one per append; for a replay, the original's).
  UnixNanos recorded_at = 0;
  friend bool operator==(const AppendResult&, const AppendResult&) = default;
};

// The head of a stream: its last version and that event's position.
struct StreamHead {
  Version version = 0;
  Position position = 0;
  friend bool operator==(const StreamHead&, const StreamHead&) = default;
};

// Size limits, far below what Cap'n Proto can encode, so that no input can fail an encoding.
inline constexpr size_t kMaxPayloadBytes = 16 << 20;  // a payload
inline constexpr size_t kMaxEventBytes = 32 << 20;    // every field of one event together
inline constexpr size_t kMaxAppendBytes = 64 << 20;   // every event of one append together
inline constexpr size_t kMaxShortFieldBytes = 256;    // actor fields, sealed subject and path
inline constexpr size_t kMaxSealedPartsPerEvent = 1024;

// Validation shared by the log and its callers.
bool IsValidUtf8(std::string_view text);
Status ValidateStreamName(std::string_view stream);
Status ValidateEventType(std::string_view type);
// Checks the type, the id and every size limit of an event; returns its size in bytes.
Result<size_t> ValidateNewEvent(const NewEvent& e);

}  // namespace kasane::eventstore

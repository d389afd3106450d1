#include "eventstore/envelope_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/debug.h>
#include <kj/exception.h>

#include <cstring>
#include <memory>

#include "eventstore/envelope.capnp.h"

namespace kasane::eventstore {
namespace {

capnp::Data::Reader AsData(const EventId& id) {
  return capnp::Data::Reader(id.bytes.data(), id.bytes.size());
}

std::string ToString(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

std::string ToString(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

Result<std::optional<EventId>> OptionalId(capnp::Data::Reader d, const char* what) {
  if (d.size() == 0) return std::optional<EventId>();
  if (d.size() != 16) return DataLoss(std::string(what) + " is not 16 bytes");
  EventId id;
  std::memcpy(id.bytes.data(), d.begin(), 16);
  return std::optional<EventId>(id);
}

}  // namespace

namespace {

// Everything an envelope holds, borrowed from the caller.
struct EnvelopeFields {
  const EventId& id;
  std::string_view stream;
  Version version;
  Position position;
  std::string_view type;
  UnixNanos recorded_at;
  UnixNanos occurred_at;
  const Actor& actor;
  const std::optional<EventId>& causation_id;
  const std::optional<EventId>& correlation_id;
  std::string_view payload;
  const std::vector<SealedPart>& sealed;
};

capnp::Text::Reader AsText(std::string_view s) { return capnp::Text::Reader(s.data(), s.size()); }

capnp::Data::Reader AsData(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

std::string EncodeInto(capnp::MallocMessageBuilder& message, const EnvelopeFields& f);

// A zeroed first segment per thread, reused so that encoding an event does not allocate and
// zero a fresh one. Cap'n Proto requires the segment to be zero; Encode re-zeroes what it used.
constexpr size_t kScratchWords = 2048;
capnp::word* ScratchSegment() {
  thread_local std::unique_ptr<capnp::word[]> scratch(new capnp::word[kScratchWords]());
  return scratch.get();
}
// A second zeroed segment per thread, where the canonical copy is written.
capnp::word* CanonicalScratch() {
  thread_local std::unique_ptr<capnp::word[]> scratch(new capnp::word[kScratchWords]());
  return scratch.get();
}

// The canonical form of `env` as bytes. What capnp::canonicalize does, less its allocations:
// the canonical copy goes into a reused zeroed segment and from there once into the string.
// (capnp::canonicalize allocates and zeroes a segment, copies into it, re-checks the copy with
// isCanonical, copies it into a second array, and the caller then copies that into a string:
// together about a fifth of an append's encoding.) A message larger than the scratch segment
// goes through capnp::canonicalize. DecodeEnvelope refuses anything not canonical, so every
// read checks what this wrote.
std::string Canonical(wire::Envelope::Reader env) {
  size_t words = env.totalSize().wordCount + 1;  // + the root pointer
  if (words > kScratchWords) {
    kj::Array<capnp::word> copy = capnp::canonicalize(env);
    auto bytes = copy.asBytes();
    return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }
  // Re-zeroed however this returns (Cap'n Proto requires a zeroed segment, and padding it does
  // not write would otherwise carry bytes of an earlier envelope).
  struct Rezero {
    capnp::word* scratch;
    size_t words;
    ~Rezero() { std::memset(scratch, 0, words * sizeof(capnp::word)); }
  } rezero{CanonicalScratch(), words};
  capnp::word* scratch = rezero.scratch;
  std::string out;
  {
    capnp::FlatMessageBuilder builder(kj::arrayPtr(scratch, words));
    capnp::_::PointerHelpers<capnp::AnyPointer>::getInternalBuilder(
        builder.initRoot<capnp::AnyPointer>())
        .setStruct(capnp::_::PointerHelpers<wire::Envelope>::getInternalReader(env),
                   /*canonical=*/true);
    auto segment = builder.getSegmentsForOutput()[0];
    auto bytes = segment.asBytes();
    out.assign(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
#ifndef NDEBUG
    // What capnp::canonicalize asserts; release builds rely on the codec test and on every read
    // refusing a non-canonical envelope.
    KJ_ASSERT(builder.isCanonical());
#endif
  }
  return out;
}

std::string Encode(const EnvelopeFields& f) {
  // Re-zeroes the scratch segment however this returns; all of it unless the message said how
  // much it used.
  struct Rezero {
    capnp::word* scratch;
    size_t words = kScratchWords;
    ~Rezero() { std::memset(scratch, 0, words * sizeof(capnp::word)); }
  } rezero{ScratchSegment()};
  capnp::MallocMessageBuilder message(kj::arrayPtr(rezero.scratch, kScratchWords));
  std::string out = EncodeInto(message, f);
  auto segments = message.getSegmentsForOutput();
  if (segments.size() > 0 && segments[0].begin() == rezero.scratch)
    rezero.words = segments[0].size();
  return out;
}

std::string EncodeInto(capnp::MallocMessageBuilder& message, const EnvelopeFields& f) {
  auto env = message.initRoot<wire::Envelope>();
  env.setEventId(AsData(f.id));
  env.setStream(AsText(f.stream));
  env.setVersion(f.version);
  env.setPosition(f.position);
  env.setType(AsText(f.type));
  env.setRecordedAt(f.recorded_at);
  env.setOccurredAt(f.occurred_at);
  auto actor = env.initActor();
  actor.setStaff(AsText(f.actor.staff));
  actor.setAgency(AsText(f.actor.agency));
  actor.setRole(AsText(f.actor.role));
  if (f.causation_id) env.setCausationId(AsData(*f.causation_id));
  if (f.correlation_id) env.setCorrelationId(AsData(*f.correlation_id));
  env.setPayload(AsData(f.payload));
  if (!f.sealed.empty()) {
    auto parts = env.initSealed(static_cast<unsigned>(f.sealed.size()));
    for (size_t i = 0; i < f.sealed.size(); ++i) {
      auto p = parts[static_cast<unsigned>(i)];
      p.setSubject(AsText(f.sealed[i].subject));
      p.setPath(AsText(f.sealed[i].path));
      p.setNonce(AsData(f.sealed[i].nonce));
      p.setCiphertext(AsData(f.sealed[i].ciphertext));
    }
  }
  return Canonical(env.asReader());
}

}  // namespace

std::string EncodeEnvelope(const RecordedEvent& e) {
  return Encode({e.id, e.stream, e.version, e.position, e.type, e.recorded_at, e.occurred_at,
                 e.actor, e.causation_id, e.correlation_id, e.payload, e.sealed});
}

std::string EncodeEnvelope(const NewEvent& e, std::string_view stream, Version version,
                           Position position, UnixNanos recorded_at) {
  UnixNanos occurred_at = e.occurred_at != 0 ? e.occurred_at : recorded_at;
  return Encode({e.id, stream, version, position, e.type, recorded_at, occurred_at, e.actor,
                 e.causation_id, e.correlation_id, e.payload, e.sealed});
}

Result<RecordedEvent> DecodeEnvelope(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return DataLoss("envelope bytes are not a whole number of words");
  }
  RecordedEvent e;
  try {
    // Copy into aligned words; stored values carry no alignment guarantee.
    kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words.begin(), bytes.data(), bytes.size());
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1ull << 30;
    kj::ArrayPtr<const capnp::word> segment = words.asPtr();
    capnp::SegmentArrayMessageReader message(kj::arrayPtr(&segment, 1), options);
    if (!message.isCanonical()) return DataLoss("envelope is not in canonical form");
    auto env = message.getRoot<wire::Envelope>();
    auto id = env.getEventId();
    if (id.size() != 16) return DataLoss("event id is not 16 bytes");
    std::memcpy(e.id.bytes.data(), id.begin(), 16);
    e.stream = ToString(env.getStream());
    e.version = env.getVersion();
    e.position = env.getPosition();
    e.type = ToString(env.getType());
    e.recorded_at = env.getRecordedAt();
    e.occurred_at = env.getOccurredAt();
    auto actor = env.getActor();
    e.actor.staff = ToString(actor.getStaff());
    e.actor.agency = ToString(actor.getAgency());
    e.actor.role = ToString(actor.getRole());
    KASANE_ASSIGN_OR_RETURN(e.causation_id, OptionalId(env.getCausationId(), "causation id"));
    KASANE_ASSIGN_OR_RETURN(e.correlation_id, OptionalId(env.getCorrelationId(), "correlation id"));
    e.payload = ToString(env.getPayload());
    for (auto p : env.getSealed()) {
      e.sealed.push_back(SealedPart{ToString(p.getSubject()), ToString(p.getPath()),
                                    ToString(p.getNonce()), ToString(p.getCiphertext())});
    }
  } catch (const kj::Exception& ex) {
    return DataLoss("envelope does not decode: " + std::string(ex.getDescription().cStr()));
  }
  e.canonical = std::string(bytes);
  return e;
}

}  // namespace kasane::eventstore

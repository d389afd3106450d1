#include "eventstore/envelope_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "eventstore/envelope.capnp.h"

namespace kasane::eventstore {
namespace {

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

capnp::Data::Reader AsData(const EventId& id) {
  return capnp::Data::Reader(id.bytes.data(), id.bytes.size());
}

capnp::Text::Reader AsText(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

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

std::string EncodeEnvelope(const RecordedEvent& e) {
  capnp::MallocMessageBuilder message(256 + e.payload.size() / 8);
  auto env = message.initRoot<wire::Envelope>();
  env.setEventId(AsData(e.id));
  env.setStream(AsText(e.stream));
  env.setVersion(e.version);
  env.setPosition(e.position);
  env.setType(AsText(e.type));
  env.setRecordedAt(e.recorded_at);
  env.setOccurredAt(e.occurred_at);
  auto actor = env.initActor();
  actor.setStaff(AsText(e.actor.staff));
  actor.setAgency(AsText(e.actor.agency));
  actor.setRole(AsText(e.actor.role));
  if (e.causation_id) env.setCausationId(AsData(*e.causation_id));
  if (e.correlation_id) env.setCorrelationId(AsData(*e.correlation_id));
  env.setPayload(AsData(e.payload));
  if (!e.sealed.empty()) {
    auto parts = env.initSealed(static_cast<unsigned>(e.sealed.size()));
    for (size_t i = 0; i < e.sealed.size(); ++i) {
      auto p = parts[static_cast<unsigned>(i)];
      p.setSubject(AsText(e.sealed[i].subject));
      p.setPath(AsText(e.sealed[i].path));
      p.setNonce(AsData(e.sealed[i].nonce));
      p.setCiphertext(AsData(e.sealed[i].ciphertext));
    }
  }
  kj::Array<capnp::word> words = capnp::canonicalize(env.asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
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

#include "eventstore/event.h"

#include <charconv>

namespace kasane::eventstore {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

Result<EventId> EventId::Parse(std::string_view text) {
  std::string hex;
  hex.reserve(32);
  for (char c : text) {
    if (c == '-') continue;
    hex.push_back(c);
  }
  bool dashed_ok = text.size() == 32 || (text.size() == 36 && text[8] == '-' && text[13] == '-' &&
                                         text[18] == '-' && text[23] == '-');
  if (hex.size() != 32 || !dashed_ok) {
    return InvalidArgument("an event id is a UUID (8-4-4-4-12 hex digits) or 32 hex digits");
  }
  EventId id;
  for (size_t i = 0; i < 16; ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("an event id must contain only hex digits");
    id.bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return id;
}

std::string EventId::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

bool EventId::IsZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

bool RecordedEvent::SameContentAs(const NewEvent& e) const {
  return id == e.id && type == e.type && (e.occurred_at == 0 || occurred_at == e.occurred_at) &&
         actor == e.actor && causation_id == e.causation_id && correlation_id == e.correlation_id &&
         payload == e.payload && sealed == e.sealed;
}

Result<ExpectedVersion> ExpectedVersion::Parse(std::string_view text) {
  if (text == "any") return Any();
  if (text == "no_stream") return NoStream();
  if (text == "stream_exists") return StreamExists();
  Version v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return InvalidArgument(
        "expected version must be any, no_stream, stream_exists or a version number");
  }
  return Exact(v);
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no_stream";
    case Kind::kStreamExists:
      return "stream_exists";
    case Kind::kExact:
      return std::to_string(version_);
  }
  return "?";
}

Status ValidateStreamName(std::string_view stream) {
  if (stream.empty() || stream.size() > 256) {
    return InvalidArgument("a stream name has 1 to 256 bytes");
  }
  for (char c : stream) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("a stream name may not contain control characters");
    }
  }
  if (!IsValidUtf8(stream)) return InvalidArgument("a stream name must be UTF-8");
  return Status::Ok();
}

Result<size_t> ValidateNewEvent(const NewEvent& e) {
  KASANE_RETURN_IF_ERROR(ValidateEventType(e.type));
  if (e.id.IsZero()) return InvalidArgument("an event id must not be all zeros");
  if (e.payload.size() > kMaxPayloadBytes) {
    return InvalidArgument("a payload has at most " + std::to_string(kMaxPayloadBytes) + " bytes");
  }
  for (const std::string* f : {&e.actor.staff, &e.actor.agency, &e.actor.role}) {
    if (f->size() > kMaxShortFieldBytes) {
      return InvalidArgument("an actor field has at most " + std::to_string(kMaxShortFieldBytes) +
                             " bytes");
    }
  }
  if (e.sealed.size() > kMaxSealedPartsPerEvent) {
    return InvalidArgument("an event has at most " + std::to_string(kMaxSealedPartsPerEvent) +
                           " sealed parts");
  }
  size_t bytes = e.type.size() + e.payload.size() + e.actor.staff.size() + e.actor.agency.size() +
                 e.actor.role.size() + 64;
  for (const auto& part : e.sealed) {
    if (part.subject.size() > kMaxShortFieldBytes || part.path.size() > kMaxShortFieldBytes ||
        part.nonce.size() > kMaxShortFieldBytes) {
      return InvalidArgument("a sealed part's subject, path and nonce have at most " +
                             std::to_string(kMaxShortFieldBytes) + " bytes");
    }
    bytes += part.subject.size() + part.path.size() + part.nonce.size() + part.ciphertext.size();
    if (bytes > kMaxEventBytes) break;
  }
  if (bytes > kMaxEventBytes) {
    return InvalidArgument("an event has at most " + std::to_string(kMaxEventBytes) + " bytes");
  }
  return bytes;
}

Status ValidateEventType(std::string_view type) {
  if (type.empty() || type.size() > 128) return InvalidArgument("an event type has 1 to 128 bytes");
  for (char c : type) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument("an event type may not contain spaces or control characters");
    }
  }
  if (!IsValidUtf8(type)) return InvalidArgument("an event type must be UTF-8");
  return Status::Ok();
}

}  // namespace kasane::eventstore

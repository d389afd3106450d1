#include "domain/ids.h"

namespace kasane::domain {

Status ValidateId(std::string_view what, std::string_view value) {
  if (value.empty() || value.size() > 64) {
    return InvalidArgument(std::string(what) + " must be 1..64 characters");
  }
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return InvalidArgument(std::string(what) + " may contain only [A-Za-z0-9._-]");
  }
  return Status::Ok();
}

bool EventId::IsZero() const {
  for (uint8_t b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::string EventId::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Result<EventId> EventId::FromHex(std::string_view hex) {
  if (hex.size() != 32) return InvalidArgument("event id must be 32 hex digits");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  EventId id;
  for (size_t i = 0; i < 16; ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("event id must be 32 hex digits");
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

EventId EventId::FromNumber(uint64_t n) {
  EventId id;
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return id;
}

}  // namespace kasane::domain

// How projections encode their keys and values (docs/projections.md).
//
// Keys are byte strings ordered as RocksDB orders them: identifiers are followed by a 0 byte so a
// prefix scan of one id never runs into another that extends it ("c-1" vs "c-10"), and numbers
// are fixed-width big-endian so they sort numerically. Values are MessagePack (nlohmann-json's
// to_msgpack): compact, schema-free and deterministic (objects keep their keys sorted), so equal
// state gives equal bytes.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"

namespace kasane::projections {

// Appends `v` as 8 big-endian bytes.
inline void AppendU64(std::string* key, uint64_t v) {
  for (int i = 7; i >= 0; --i) key->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
// Reads 8 big-endian bytes at `at`; the caller checks the size.
inline uint64_t ReadU64(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
// Appends an identifier and its 0 terminator.
inline void AppendId(std::string* key, std::string_view id) {
  key->append(id);
  key->push_back('\0');
}

inline std::string Pack(const nlohmann::json& value) {
  std::vector<uint8_t> bytes = nlohmann::json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}
// kDataLoss when `bytes` is not MessagePack (a damaged view).
inline Result<nlohmann::json> Unpack(std::string_view bytes) {
  nlohmann::json out = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (out.is_discarded()) return DataLoss("a stored view value is not MessagePack");
  return out;
}

// "As the record stood then": the events at positions below `position` (when set) and recorded
// at or before `time` (when set). The log's recorded-at never decreases along positions, so
// both describe a prefix of the log.
struct AsOf {
  std::optional<uint64_t> position;
  std::optional<UnixNanos> time;
  bool Includes(uint64_t event_position, UnixNanos recorded_at) const {
    return (!position || event_position < *position) && (!time || recorded_at <= *time);
  }
  bool unbounded() const { return !position && !time; }
};

}  // namespace kasane::projections

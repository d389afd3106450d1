// Internal to kasane::projections: what the registers, monitoring due and statistics share:
// the case id of a stream, days and months on the Japan Standard Time calendar, and reading a
// "<prefix><position u64be>" index with as_of and paging. Not part of the public surface.
//
// Thread-safety: stateless functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "projections/encoding.h"
#include "projections/engine.h"

namespace kasane::projections::internal {

inline constexpr std::string_view kCaseStreamPrefix = "case-";
inline constexpr UnixNanos kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kJstOffsetSeconds = 9 * 3600;

// The case id of a case stream ("case-<id>"); empty for any other stream.
inline std::string_view CaseIdOfStream(std::string_view stream) {
  if (!stream.starts_with(kCaseStreamPrefix)) return {};
  return stream.substr(kCaseStreamPrefix.size());
}

// "<tag><id>\0": the key (or key prefix) of one id under a one-letter tag.
inline std::string IdKey(char tag, std::string_view id) {
  std::string k(1, tag);
  AppendId(&k, id);
  return k;
}

// The JST calendar day of `t`, as days since 1970-01-01 (JST).
inline int64_t JstDay(UnixNanos t) {
  int64_t seconds = t / kNanosPerSecond;
  if (t % kNanosPerSecond < 0) --seconds;  // floor for times before the epoch
  seconds += kJstOffsetSeconds;
  return seconds >= 0 ? seconds / 86'400 : -((-seconds + 86'399) / 86'400);
}

// The instant 00:00 JST of day `day` (as JstDay counts).
inline UnixNanos JstDayStart(int64_t day) {
  return (day * 86'400 - kJstOffsetSeconds) * kNanosPerSecond;
}

inline std::chrono::year_month_day JstDate(UnixNanos t) {
  return std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(JstDay(t))));
}

// "YYYY-MM" of `t` on the JST calendar.
inline std::string JstMonth(UnixNanos t) {
  const std::chrono::year_month_day d = JstDate(t);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()));
  return out;
}

// "YYYY-MM-DD" of `t` on the JST calendar.
inline std::string JstDateString(UnixNanos t) {
  const std::chrono::year_month_day d = JstDate(t);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return out;
}

// Which entries of a "<prefix><position u64be>" index to read.
struct PositionQuery {
  AsOf as_of;                  // entries as the record stood then
  uint64_t from_position = 0;  // paging: entries at positions >= this
  size_t limit = SIZE_MAX;
};

// How an index entry's value reads back: the entry as JSON, with "recordedAt".
using EntryDecoder = Result<nlohmann::json> (*)(uint64_t position, std::string_view value);

inline Result<nlohmann::json> UnpackEntry(uint64_t, std::string_view value) {
  return Unpack(value);
}

// The entries under `prefix`, in position order, each read by `decode` (by default a packed
// object with "recordedAt").
inline Result<std::vector<nlohmann::json>> ReadPositionIndex(const ViewReader& reader,
                                                             const std::string& prefix,
                                                             const PositionQuery& q,
                                                             EntryDecoder decode = &UnpackEntry) {
  std::vector<nlohmann::json> out;
  if (q.limit == 0) return out;
  std::string start = prefix;
  AppendU64(&start, q.from_position);
  Status failed = Status::Ok();
  KASANE_RETURN_IF_ERROR(
      reader.ScanFrom(prefix, start, [&](std::string_view key, std::string_view value) {
        if (key.size() != prefix.size() + 8) {
          failed = DataLoss("an index key is malformed");
          return false;
        }
        const uint64_t position = ReadU64(key, prefix.size());
        if (q.as_of.position.has_value() && position >= *q.as_of.position) return false;
        Result<nlohmann::json> entry = decode(position, value);
        if (!entry.ok()) {
          failed = entry.status();
          return false;
        }
        // recorded-at never decreases along positions: the first later entry ends the prefix.
        if (q.as_of.time.has_value() && (*entry)["recordedAt"].get<UnixNanos>() > *q.as_of.time) {
          return false;
        }
        out.push_back(std::move(entry).value());
        return out.size() < q.limit;
      }));
  KASANE_RETURN_IF_ERROR(failed);
  return out;
}

// The ids listed under `prefix` as "<prefix><id>\0" keys, in order.
inline Result<std::vector<std::string>> ReadIdList(const ViewReader& reader,
                                                   std::string_view prefix) {
  std::vector<std::string> out;
  KASANE_RETURN_IF_ERROR(reader.Scan(prefix, [&](std::string_view key, std::string_view) {
    std::string_view id = key.substr(prefix.size());
    if (!id.empty() && id.back() == '\0') id.remove_suffix(1);
    out.emplace_back(id);
    return true;
  }));
  return out;
}

}  // namespace kasane::projections::internal

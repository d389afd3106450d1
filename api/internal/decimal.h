// The one parser of the API's decimal numbers: query parameters, If-Match counts, Last-Event-ID
// positions. Each caller words its own error.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kasane::api {

// 1 to 19 decimal digits (no sign, no spaces): the value; anything else: nullopt.
inline std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

}  // namespace kasane::api

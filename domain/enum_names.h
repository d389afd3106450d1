// Stable string identifiers for the domain's enumerations.
//
// Each domain enum specialises EnumTraits<E> with a table of (value, identifier) pairs and a
// short noun for error messages. The identifiers are part of the stored format (the Cap'n Proto
// schema stores enumerations as these strings) and of the API: they are only ever added, never
// renamed or reused.
//
// Thread-safety: stateless functions over constant tables.
//
//   std::string_view s = EnumName(Role::kCoordinator);        // "coordinator"
//   KASANE_ASSIGN_OR_RETURN(Role r, ParseEnum<Role>("auditor"));
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace kasane::domain {

template <typename E>
struct EnumTraits;  // specialised next to each enum: kWhat, kNames

template <typename E>
concept DomainEnum = requires {
  EnumTraits<E>::kWhat;
  EnumTraits<E>::kNames;
};

// The stable identifier of `e`; "?" for a value outside the table (a bug).
template <DomainEnum E>
std::string_view EnumName(E e) {
  for (const auto& [value, name] : EnumTraits<E>::kNames) {
    if (value == e) return name;
  }
  return "?";
}

// Parses a stable identifier; InvalidArgument naming the enum for an unknown string.
template <DomainEnum E>
Result<E> ParseEnum(std::string_view s) {
  for (const auto& [value, name] : EnumTraits<E>::kNames) {
    if (name == s) return value;
  }
  return InvalidArgument("unknown " + std::string(EnumTraits<E>::kWhat) + ": '" + std::string(s) +
                         "'");
}

}  // namespace kasane::domain

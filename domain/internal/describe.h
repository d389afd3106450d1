// Internal to kasane::domain: type traits for walking payloads through their Describe functions
// (see events.h). Not part of the public surface.
//
// Thread-safety: compile-time only.
#pragma once

#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace kasane::domain::internal {

// A visitor that accepts anything; used only to detect Describe().
struct DescribeProbe {
  template <typename T>
  void Field(std::string_view, T&) {}
  template <typename T>
  void Subject(std::string_view, T&) {}
  template <typename T>
  void Personal(std::string_view, T&) {}
};

template <typename T>
concept Describable = requires(T& t, DescribeProbe& v) {
  T::Describe(t, v);
};

template <typename T>
inline constexpr bool kIsOptional = false;
template <typename T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

template <typename T>
inline constexpr bool kIsVector = false;
template <typename T>
inline constexpr bool kIsVector<std::vector<T>> = true;

template <typename T>
inline constexpr bool kIsSet = false;
template <typename T>
inline constexpr bool kIsSet<std::set<T>> = true;

// The value type of an optional, or T itself.
template <typename T>
struct Unwrap {
  using type = T;
};
template <typename T>
struct Unwrap<std::optional<T>> {
  using type = T;
};

}  // namespace kasane::domain::internal

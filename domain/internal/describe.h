// Internal to kasane::domain: type traits for walking payloads through their Describe functions
// (see events.h). Not part of the public surface.
//
// Thread-safety: compile-time only.
#pragma once

#include <optional>
#include <set>
#include <string>
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

// Walks the personal fields of a payload (const or not) in schema order, with their paths
// ("members[1].profile") and the subject (PersonId) in scope where each appears: a Subject field
// scopes the Personal fields after it, within its struct. This is the one definition of that walk;
// PersonalFieldsOf and ForEachPersonalSlot both use it, so the fields listed and the fields
// sealed cannot drift apart.
//
// `on_personal(path, subject, value)` is called for each personal field and returns false to stop
// the walk.
template <typename Id, typename OnPersonal>
class PersonalWalk {
 public:
  explicit PersonalWalk(OnPersonal& on_personal) : on_personal_(on_personal) {}

  template <typename T>
  void Top(T& value) {
    std::remove_const_t<T>::Describe(value, *this);
  }

  template <typename T>
  void Field(std::string_view name, T& value) {
    using U = std::remove_const_t<T>;
    if (stopped_) return;
    if constexpr (Describable<U>) {
      Nested(std::string(name), value);
    } else if constexpr (kIsOptional<U>) {
      if (value.has_value()) Field(name, *value);
    } else if constexpr (kIsVector<U>) {
      if constexpr (Describable<typename U::value_type>) {
        for (size_t i = 0; i < value.size(); ++i) {
          Nested(std::string(name) + "[" + std::to_string(i) + "]", value[i]);
        }
      }
    }
  }
  template <typename T>
  void Subject(std::string_view, T& subject) {
    subject_ = subject;
  }
  template <typename T>
  void Personal(std::string_view name, T& value) {
    if (stopped_) return;
    stopped_ = !on_personal_(prefix_ + std::string(name), subject_, value);
  }

 private:
  template <typename T>
  void Nested(const std::string& name, T& value) {
    std::string saved_prefix = prefix_;
    Id saved_subject = subject_;
    prefix_ += name + ".";
    std::remove_const_t<T>::Describe(value, *this);
    prefix_ = std::move(saved_prefix);
    subject_ = std::move(saved_subject);
  }

  OnPersonal& on_personal_;
  std::string prefix_;
  Id subject_;
  bool stopped_ = false;
};

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

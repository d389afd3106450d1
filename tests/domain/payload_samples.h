// Test helper: one instance of every payload type with every field filled, and every piece of
// personal text set to a unique marker string, so a test can look for the markers anywhere
// (in bytes on disk, in a view) and know exactly which field leaked.
//
// Metadata fields get plain values derived from their names; lists get two elements (so
// case.opened has two household members, each their own data subject); optionals are present.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "domain/events.h"
#include "domain/internal/describe.h"

namespace kasane::domain::testing {

// A payload whose personal text is all markers, and those markers.
struct MarkedSample {
  Payload payload;
  std::vector<std::string> markers;
};

class MarkingFiller {
 public:
  // `tag` goes into every marker, so samples of different runs or tests differ.
  MarkingFiller(std::string_view type, std::string_view tag) : type_(type), tag_(tag) {}

  template <typename T>
  void Field(std::string_view name, T& v) {
    Fill(std::string(name), v);
  }
  template <typename T>
  void Subject(std::string_view name, T& v) {
    Fill(std::string(name), v);
  }
  template <typename T>
  void Personal(std::string_view name, T& v) {
    ++personal_depth_;
    Fill(std::string(name), v);
    --personal_depth_;
  }

  std::vector<std::string> TakeMarkers() { return std::move(markers_); }

 private:
  template <typename E>
  static E LastOf() {
    return EnumTraits<E>::kNames.back().first;
  }

  template <typename T>
  void Fill(const std::string& name, T& v) {
    ++counter_;
    const std::string path = prefix_ + name;
    if constexpr (std::is_same_v<T, bool>) {
      v = true;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      v = 1'700'000'000'000'000'000 + counter_;
    } else if constexpr (std::is_same_v<T, uint32_t>) {
      v = 7 + counter_;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (personal_depth_ > 0) {
        char nonce[16];
        std::snprintf(nonce, sizeof nonce, "%08x",
                      static_cast<unsigned>(counter_ * 2654435761u) ^ 0x5eedc0deu);
        v = "MARKER-" + std::string(type_) + "-" + path + "-" + tag_ + "-" + nonce;
        markers_.push_back(v);
      } else {
        v = name + " 値 " + std::to_string(counter_);
      }
    } else if constexpr (kIsId<T>) {
      v = T(name + "-" + std::to_string(counter_));
    } else if constexpr (std::is_same_v<T, EventId>) {
      v = EventId::FromNumber(0xabcdef00 + counter_);
    } else if constexpr (DomainEnum<T>) {
      v = LastOf<T>();
    } else if constexpr (std::is_same_v<T, KindSet>) {
      v = KindSet::Of({InformationKind::kHealth, InformationKind::kNotes});
    } else if constexpr (internal::kIsSet<T>) {
      v.clear();
      v.insert(EnumTraits<typename T::value_type>::kNames.front().first);
      v.insert(LastOf<typename T::value_type>());
    } else if constexpr (internal::kIsVector<T>) {
      v.clear();
      for (int i = 0; i < 2; ++i) {
        typename T::value_type e{};
        Fill(name + "[" + std::to_string(i) + "]", e);
        v.push_back(std::move(e));
      }
    } else if constexpr (internal::kIsOptional<T>) {
      typename T::value_type e{};
      Fill(name, e);
      v = std::move(e);
    } else if constexpr (internal::Describable<T>) {
      std::string saved = prefix_;
      prefix_ = path + ".";
      T::Describe(v, *this);
      prefix_ = std::move(saved);
    } else {
      static_assert(sizeof(T) == 0);
    }
  }

  std::string_view type_;
  std::string tag_;
  std::string prefix_;
  int personal_depth_ = 0;
  int counter_ = 0;
  std::vector<std::string> markers_;
};

template <typename... T>
std::vector<MarkedSample> MarkedSamplesOf(std::string_view tag, std::variant<T...>*) {
  std::vector<MarkedSample> out;
  (
      [&] {
        T value{};
        MarkingFiller filler(T::kType, tag);
        T::Describe(value, filler);
        out.push_back(MarkedSample{Payload(std::move(value)), filler.TakeMarkers()});
      }(),
      ...);
  return out;
}

// One sample per event type, in Payload alternative order.
inline std::vector<MarkedSample> MarkedSamples(std::string_view tag) {
  return MarkedSamplesOf(tag, static_cast<Payload*>(nullptr));
}

}  // namespace kasane::domain::testing

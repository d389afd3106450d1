#include "domain/personal_content.h"

#include <set>
#include <type_traits>
#include <utility>

#include "domain/internal/describe.h"

namespace kasane::domain {
namespace {

// --- the plaintext encoding (see the header and docs/sealing.md) ---------------------------

void AppendLength(std::string& out, size_t n) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

void AppendFrame(std::string& out, std::string_view bytes) {
  AppendLength(out, bytes.size());
  out.append(bytes);
}

// Reads one frame from the front of `in`. False when `in` does not start with a whole frame.
bool ReadFrame(std::string_view& in, std::string_view& frame) {
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    if (in.empty() || shift > 63) return false;
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    const uint64_t bits = byte & 0x7f;
    if (shift == 63 && bits > 1) return false;
    n |= bits << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (n > in.size()) return false;
  frame = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

template <typename T>
inline constexpr bool kIsText = std::is_same_v<T, std::string>;
template <typename T>
inline constexpr bool kIsTextList = std::is_same_v<T, std::vector<std::string>>;

template <typename T>
void AppendValue(std::string& out, const T& value);
template <typename T>
bool DecodeValue(std::string_view in, T& value);

// Encodes a struct's fields as (name, value) frame pairs.
class StructEncoder {
 public:
  explicit StructEncoder(std::string* out) : out_(out) {}
  template <typename T>
  void Field(std::string_view name, const T& value) {
    AppendFrame(*out_, name);
    if constexpr (kIsText<T>) {
      AppendFrame(*out_, value);
    } else {
      std::string inner;
      AppendValue(inner, value);
      AppendFrame(*out_, inner);
    }
  }
  template <typename T>
  void Subject(std::string_view name, const T& value) {
    Field(name, value);
  }
  template <typename T>
  void Personal(std::string_view name, const T& value) {
    Field(name, value);
  }

 private:
  std::string* out_;
};

// Decodes the frame of the field named `name_` into that field; records whether it was found.
class StructFieldDecoder {
 public:
  StructFieldDecoder(std::string_view name, std::string_view bytes) : name_(name), bytes_(bytes) {}
  template <typename T>
  void Field(std::string_view name, T& value) {
    if (name != name_) return;
    found_ = true;
    ok_ = DecodeValue(bytes_, value);
  }
  template <typename T>
  void Subject(std::string_view name, T& value) {
    Field(name, value);
  }
  template <typename T>
  void Personal(std::string_view name, T& value) {
    Field(name, value);
  }
  bool ok() const { return ok_; }

 private:
  std::string_view name_;
  std::string_view bytes_;
  bool found_ = false;
  bool ok_ = true;
};

template <typename T>
void AppendValue(std::string& out, const T& value) {
  if constexpr (kIsText<T>) {
    out.append(value);
  } else if constexpr (kIsTextList<T>) {
    for (const std::string& e : value) AppendFrame(out, e);
  } else if constexpr (internal::Describable<T>) {
    StructEncoder encoder(&out);
    T::Describe(value, encoder);
  } else {
    static_assert(sizeof(T) == 0,
                  "a personal field of this type needs a plaintext encoding (docs/sealing.md)");
  }
}

template <typename T>
bool DecodeValue(std::string_view in, T& value) {
  if constexpr (kIsText<T>) {
    value.assign(in);
    return true;
  } else if constexpr (kIsTextList<T>) {
    value.clear();
    while (!in.empty()) {
      std::string_view e;
      if (!ReadFrame(in, e)) return false;
      value.emplace_back(e);
    }
    return true;
  } else if constexpr (internal::Describable<T>) {
    value = T{};
    std::set<std::string_view> seen;
    while (!in.empty()) {
      std::string_view name;
      std::string_view bytes;
      if (!ReadFrame(in, name) || !ReadFrame(in, bytes)) return false;
      if (!seen.insert(name).second) return false;  // a field twice
      StructFieldDecoder decoder(name, bytes);
      T::Describe(value, decoder);  // an unknown name (a newer writer's field) is skipped
      if (!decoder.ok()) return false;
    }
    return true;
  } else {
    static_assert(sizeof(T) == 0,
                  "a personal field of this type needs a plaintext encoding (docs/sealing.md)");
  }
}

// --- slots and the walk ----------------------------------------------------------------------

template <typename T>
class Slot final : public PersonalSlot {
 public:
  Slot(std::string path, PersonId subject, T& value)
      : PersonalSlot(std::move(path), std::move(subject)), value_(value) {}

  bool empty() const override { return value_ == T{}; }
  std::string Encode() const override {
    std::string out;
    AppendValue(out, value_);
    return out;
  }
  std::string Take() override {
    if constexpr (kIsText<T>) {
      std::string out = std::move(value_);
      value_.clear();
      return out;
    } else {
      std::string out = Encode();
      Clear();
      return out;
    }
  }
  Status Set(std::string_view plaintext) override {
    if (!DecodeValue(plaintext, value_)) {
      Clear();
      return DataLoss("personal field " + path() + ": malformed plaintext");
    }
    return Status::Ok();
  }
  void Clear() override { value_ = T{}; }

 private:
  T& value_;
};

}  // namespace

Status ForEachPersonalSlot(Payload& payload, const std::function<Status(PersonalSlot&)>& fn) {
  Status status;
  auto visit = [&](std::string path, const PersonId& subject, auto& value) {
    Slot<std::decay_t<decltype(value)>> slot(std::move(path), subject, value);
    status = fn(slot);
    return status.ok();
  };
  internal::PersonalWalk<PersonId, decltype(visit)> walk(visit);
  std::visit([&](auto& x) { walk.Top(x); }, payload);
  return status;
}

}  // namespace kasane::domain

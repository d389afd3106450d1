#include "api/payload_json.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "domain/enum_names.h"
#include "domain/internal/describe.h"
#include "domain/kinds.h"
#include "domain/vocabulary.h"

namespace kasane::api {
namespace {

using nlohmann::json;
namespace internal = domain::internal;

// ---------------------------------------------------------------------------------------------
// Shared by the reader and the schema.

template <typename T>
constexpr std::string_view IdNoun() {
  if constexpr (std::is_same_v<T, domain::CaseId>) return "case id";
  if constexpr (std::is_same_v<T, domain::PersonId>) return "person id";
  if constexpr (std::is_same_v<T, domain::AgencyId>) return "agency id";
  if constexpr (std::is_same_v<T, domain::StaffId>) return "staff id";
  if constexpr (std::is_same_v<T, domain::ConsentId>) return "consent id";
  if constexpr (std::is_same_v<T, domain::MeetingId>) return "meeting id";
  if constexpr (std::is_same_v<T, domain::ReferralId>) return "referral id";
  if constexpr (std::is_same_v<T, domain::PlanId>) return "plan id";
  if constexpr (std::is_same_v<T, domain::RequestId>) return "request id";
  return "id";
}

// Whether a field of type T must be present (see the header).
template <typename T>
constexpr bool IsRequired() {
  return !(internal::kIsOptional<T> || internal::kIsVector<T> || internal::kIsSet<T> ||
           std::is_same_v<T, domain::KindSet> || std::is_same_v<T, std::string> ||
           std::is_same_v<T, bool>);
}

// Calls f(type-tagged pointer) for the payload alternative named `type`; false if none is.
template <typename F, typename... T>
bool VisitType(std::string_view type, F&& f, std::variant<T...>*) {
  return ((T::kType == type ? (f(static_cast<T*>(nullptr)), true) : false) || ...);
}

// RFC 6901 escaping of one reference token.
std::string Escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Echoed in messages only when it cannot be free text.
bool LooksLikeIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

template <typename E>
std::string EnumChoices() {
  std::string out;
  for (const auto& [value, name] : domain::EnumTraits<E>::kNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

template <typename E>
json EnumIdentifiers() {
  json a = json::array();
  for (const auto& [value, name] : domain::EnumTraits<E>::kNames) a.push_back(std::string(name));
  return a;
}

// The schema names of T's fields, in schema order.
class NameCollector {
 public:
  template <typename U>
  void Field(std::string_view name, U&) {
    names.emplace_back(name);
  }
  template <typename U>
  void Subject(std::string_view name, U&) {
    names.emplace_back(name);
  }
  template <typename U>
  void Personal(std::string_view name, U&) {
    names.emplace_back(name);
  }
  std::vector<std::string> names;
};

template <typename T>
const std::vector<std::string>& FieldNames() {
  static const std::vector<std::string> names = [] {
    T dummy{};
    NameCollector c;
    T::Describe(dummy, c);
    return c.names;
  }();
  return names;
}

// ---------------------------------------------------------------------------------------------
// Reading.

Status Error(const std::string& pointer, std::string_view what) {
  return InvalidArgument(pointer + ": " + std::string(what));
}

Status WrongType(const std::string& pointer, std::string_view expected, const json& j) {
  return Error(pointer, "expected " + std::string(expected) + ", got " + j.type_name());
}

template <typename T>
Status Decode(const json& j, const std::string& pointer, T& out);

class Reader {
 public:
  Reader(const json& object, const std::string& pointer, Status& error)
      : object_(object), pointer_(pointer), error_(error) {}

  template <typename T>
  void Field(std::string_view name, T& value) {
    Read(name, value);
  }
  template <typename T>
  void Subject(std::string_view name, T& value) {
    Read(name, value);
  }
  template <typename T>
  void Personal(std::string_view name, T& value) {
    Read(name, value);
  }

 private:
  template <typename T>
  void Read(std::string_view name, T& value) {
    if (!error_.ok()) return;
    const std::string pointer = pointer_ + "/" + Escape(name);
    auto it = object_.find(std::string(name));
    if (it == object_.end()) {
      if constexpr (IsRequired<T>()) error_ = Error(pointer, "required field is missing");
      return;
    }
    error_ = Decode(*it, pointer, value);
  }

  const json& object_;
  const std::string& pointer_;
  Status& error_;
};

template <typename T>
Status DecodeObject(const json& j, const std::string& pointer, T& out) {
  if (!j.is_object()) return WrongType(pointer, "an object", j);
  const std::vector<std::string>& names = FieldNames<T>();
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const std::string& n : names) known = known || n == key;
    if (!known) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      return Error(pointer + "/" + Escape(key), "unknown field (known: " + list + ")");
    }
  }
  Status error;
  Reader reader(j, pointer, error);
  T::Describe(out, reader);
  return error;
}

template <typename E>
Status DecodeEnum(const json& j, const std::string& pointer, E& out) {
  if (!j.is_string()) return WrongType(pointer, "a string", j);
  const std::string& s = j.get_ref<const std::string&>();
  for (const auto& [value, name] : domain::EnumTraits<E>::kNames) {
    if (name == s) {
      out = value;
      return Status::Ok();
    }
  }
  const std::string what(domain::EnumTraits<E>::kWhat);
  const std::string shown = LooksLikeIdentifier(s) ? "\"" + s + "\"" : "the value";
  return Error(pointer, shown + " is not a valid " + what + " (one of: " + EnumChoices<E>() + ")");
}

template <typename I>
Status DecodeInteger(const json& j, const std::string& pointer, I& out) {
  if (!j.is_number_integer()) return WrongType(pointer, "an integer", j);
  constexpr auto kMax = std::numeric_limits<I>::max();
  constexpr auto kMin = std::numeric_limits<I>::min();
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(kMax)) {
      return Error(pointer, "out of range (at most " + std::to_string(kMax) + ")");
    }
    out = static_cast<I>(v);
    return Status::Ok();
  }
  const int64_t v = j.get<int64_t>();
  if constexpr (std::is_unsigned_v<I>) {
    if (v < 0) return Error(pointer, "out of range (at least 0)");
    if (static_cast<uint64_t>(v) > static_cast<uint64_t>(kMax)) {
      return Error(pointer, "out of range (at most " + std::to_string(kMax) + ")");
    }
  } else {
    if (v < static_cast<int64_t>(kMin) || v > static_cast<int64_t>(kMax)) {
      return Error(pointer, "out of range");
    }
  }
  out = static_cast<I>(v);
  return Status::Ok();
}

template <typename T>
Status Decode(const json& j, const std::string& pointer, T& out) {
  if constexpr (internal::Describable<T>) {
    return DecodeObject(j, pointer, out);
  } else if constexpr (domain::kIsId<T>) {
    if (!j.is_string()) return WrongType(pointer, "a string", j);
    const std::string& s = j.get_ref<const std::string&>();
    Status valid = domain::ValidateId(IdNoun<T>(), s);
    if (!valid.ok()) return Error(pointer, valid.message());
    out = T(s);
    return Status::Ok();
  } else if constexpr (std::is_same_v<T, domain::EventId>) {
    if (!j.is_string()) return WrongType(pointer, "a string", j);
    Result<domain::EventId> id = domain::EventId::FromHex(j.get_ref<const std::string&>());
    if (!id.ok()) return Error(pointer, id.status().message());
    out = *id;
    return Status::Ok();
  } else if constexpr (std::is_same_v<T, domain::KindSet>) {
    if (!j.is_array()) return WrongType(pointer, "an array", j);
    domain::KindSet kinds;
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string p = pointer + "/" + std::to_string(i);
      domain::InformationKind k{};
      KASANE_RETURN_IF_ERROR(DecodeEnum(j[i], p, k));
      if (kinds.Contains(k)) return Error(p, "duplicate kind");
      kinds.Insert(k);
    }
    out = kinds;
    return Status::Ok();
  } else if constexpr (domain::DomainEnum<T>) {
    return DecodeEnum(j, pointer, out);
  } else if constexpr (internal::kIsOptional<T>) {
    if (j.is_null()) {
      out.reset();
      return Status::Ok();
    }
    typename T::value_type value{};
    KASANE_RETURN_IF_ERROR(Decode(j, pointer, value));
    out = std::move(value);
    return Status::Ok();
  } else if constexpr (internal::kIsVector<T>) {
    if (!j.is_array()) return WrongType(pointer, "an array", j);
    T values;
    values.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      typename T::value_type value{};
      KASANE_RETURN_IF_ERROR(Decode(j[i], pointer + "/" + std::to_string(i), value));
      values.push_back(std::move(value));
    }
    out = std::move(values);
    return Status::Ok();
  } else if constexpr (internal::kIsSet<T>) {
    if (!j.is_array()) return WrongType(pointer, "an array", j);
    T values;
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string p = pointer + "/" + std::to_string(i);
      typename T::value_type value{};
      KASANE_RETURN_IF_ERROR(Decode(j[i], p, value));
      if (!values.insert(std::move(value)).second) return Error(p, "duplicate element");
    }
    out = std::move(values);
    return Status::Ok();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return WrongType(pointer, "a string", j);
    out = j.get<std::string>();
    return Status::Ok();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return WrongType(pointer, "a boolean", j);
    out = j.get<bool>();
    return Status::Ok();
  } else if constexpr (std::is_integral_v<T>) {
    return DecodeInteger(j, pointer, out);
  } else {
    static_assert(sizeof(T) == 0, "no JSON reading for this field type");
  }
}

// ---------------------------------------------------------------------------------------------
// The schema.

constexpr std::string_view kPersonalNote =
    "Personal content (個人情報): sealed in the log per data subject (本人 or 世帯員) and shown "
    "only to readers the scope policy (守秘義務) grants it to.";

template <typename T>
json SchemaOf(bool personal);

class SchemaWriter {
 public:
  SchemaWriter(json& properties, json& required, bool personal)
      : properties_(properties), required_(required), personal_(personal) {}

  template <typename T>
  void Field(std::string_view name, const T&) {
    Add<T>(name, personal_, false);
  }
  template <typename T>
  void Subject(std::string_view name, const T&) {
    Add<T>(name, personal_, true);
  }
  template <typename T>
  void Personal(std::string_view name, const T&) {
    Add<T>(name, true, false);
  }

 private:
  template <typename T>
  void Add(std::string_view name, bool personal, bool subject) {
    json s = SchemaOf<T>(personal);
    if (personal) {
      s["x-personal"] = true;
      if (!s.contains("description")) s["description"] = std::string(kPersonalNote);
    }
    if (subject) {
      s["description"] =
          "The data subject (本人 or 世帯員) whose personal content the fields after it "
          "carry.";
    }
    properties_[std::string(name)] = std::move(s);
    if constexpr (IsRequired<T>()) required_.push_back(std::string(name));
  }

  json& properties_;
  json& required_;
  bool personal_;
};

template <typename T>
json ObjectSchema(bool personal) {
  json properties = json::object();
  json required = json::array();
  T dummy{};
  SchemaWriter w(properties, required, personal);
  T::Describe(std::as_const(dummy), w);
  json s = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = std::move(required);
  s["additionalProperties"] = false;
  return s;
}

template <typename T>
json SchemaOf(bool personal) {
  if constexpr (internal::Describable<T>) {
    return ObjectSchema<T>(personal);
  } else if constexpr (domain::kIsId<T>) {
    return {
        {"type", "string"},
        {"pattern", "^[A-Za-z0-9._-]{1,64}$"},
        {"description", "A " + std::string(IdNoun<T>()) + " (1..64 characters [A-Za-z0-9._-])"}};
  } else if constexpr (std::is_same_v<T, domain::EventId>) {
    return {{"type", "string"},
            {"pattern", "^[0-9a-fA-F]{32}$"},
            {"description", "An event id: 32 hex digits"}};
  } else if constexpr (std::is_same_v<T, domain::KindSet>) {
    return {{"type", "array"},
            {"items", {{"type", "string"}, {"enum", EnumIdentifiers<domain::InformationKind>()}}},
            {"uniqueItems", true},
            {"description", "Kinds of information (情報の種類)"}};
  } else if constexpr (domain::DomainEnum<T>) {
    return {{"type", "string"},
            {"enum", EnumIdentifiers<T>()},
            {"description", "A " + std::string(domain::EnumTraits<T>::kWhat)}};
  } else if constexpr (internal::kIsOptional<T>) {
    json s = SchemaOf<typename T::value_type>(personal);
    s["type"] = json::array({s["type"], "null"});
    if (s.contains("enum")) s["enum"].push_back(nullptr);
    return s;
  } else if constexpr (internal::kIsVector<T> || internal::kIsSet<T>) {
    json s = {{"type", "array"}, {"items", SchemaOf<typename T::value_type>(personal)}};
    if (personal) s["items"]["x-personal"] = true;
    if constexpr (internal::kIsSet<T>) s["uniqueItems"] = true;
    return s;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return {{"type", "string"}};
  } else if constexpr (std::is_same_v<T, bool>) {
    return {{"type", "boolean"}};
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return {{"type", "integer"}, {"format", "int64"}};
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}, {"maximum", 4294967295u}};
  } else {
    static_assert(sizeof(T) == 0, "no JSON Schema for this field type");
  }
}

}  // namespace

Result<domain::Payload> PayloadFromJson(std::string_view type, const json& fields) {
  std::optional<Result<domain::Payload>> result;
  const bool known = VisitType(
      type,
      [&]<typename T>(T*) {
        if (!fields.is_object()) {
          result = InvalidArgument(std::string("the payload must be a JSON object, got ") +
                                   fields.type_name());
          return;
        }
        T payload{};
        Status st = DecodeObject(fields, "", payload);
        if (st.ok()) {
          result = domain::Payload(std::move(payload));
        } else {
          result = std::move(st);
        }
      },
      static_cast<domain::Payload*>(nullptr));
  if (!known) {
    const std::string shown = LooksLikeIdentifier(type) ? " \"" + std::string(type) + "\"" : "";
    return InvalidArgument("unknown event type" + shown);
  }
  return std::move(*result);
}

json PayloadSchema(std::string_view type) {
  json schema;
  VisitType(
      type, [&]<typename T>(T*) { schema = ObjectSchema<T>(false); },
      static_cast<domain::Payload*>(nullptr));
  return schema;
}

}  // namespace kasane::api

#include "projections/event_json.h"

#include <type_traits>

#include "domain/enum_names.h"
#include "domain/internal/describe.h"
#include "domain/vocabulary.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

class JsonWriter {
 public:
  JsonWriter(json& out, bool with_personal) : out_(out), with_personal_(with_personal) {}

  template <typename T>
  void Field(std::string_view name, const T& value) {
    out_[std::string(name)] = Value(value);
  }
  template <typename T>
  void Subject(std::string_view name, const T& value) {
    out_[std::string(name)] = Value(value);
  }
  template <typename T>
  void Personal(std::string_view name, const T& value) {
    if (with_personal_) out_[std::string(name)] = Value(value);
  }

 private:
  template <typename T>
  json Value(const T& v) {
    using U = std::remove_cvref_t<T>;
    if constexpr (domain::internal::Describable<U>) {
      json nested = json::object();
      JsonWriter w(nested, with_personal_);
      U::Describe(v, w);
      return nested;
    } else if constexpr (domain::kIsId<U>) {
      return v.value;
    } else if constexpr (std::is_same_v<U, domain::EventId>) {
      return v.ToHex();
    } else if constexpr (std::is_same_v<U, domain::KindSet>) {
      json a = json::array();
      for (domain::InformationKind k : v.Kinds()) a.push_back(std::string(domain::EnumName(k)));
      return a;
    } else if constexpr (domain::DomainEnum<U>) {
      return std::string(domain::EnumName(v));
    } else if constexpr (domain::internal::kIsOptional<U>) {
      if (!v.has_value()) return nullptr;
      return Value(*v);
    } else if constexpr (domain::internal::kIsVector<U> || domain::internal::kIsSet<U>) {
      json a = json::array();
      for (const auto& e : v) a.push_back(Value(e));
      return a;
    } else if constexpr (std::is_same_v<U, std::string>) {
      return v;
    } else if constexpr (std::is_same_v<U, bool> || std::is_arithmetic_v<U>) {
      return v;
    } else {
      static_assert(sizeof(U) == 0, "no JSON rendering for this field type");
    }
  }

  json& out_;
  bool with_personal_;
};

}  // namespace

json PayloadJson(const domain::Payload& payload, bool with_personal) {
  json out = json::object();
  std::visit(
      [&](const auto& p) {
        JsonWriter w(out, with_personal);
        std::remove_cvref_t<decltype(p)>::Describe(p, w);
      },
      payload);
  return out;
}

json EventJson(const domain::DomainEvent& event, bool with_personal) {
  return json{
      {"type", std::string(domain::TypeOf(event.payload))},
      {"eventId", event.id.ToHex()},
      {"occurredAt", event.occurred_at},
      {"recordedAt", event.recorded_at},
      {"actor",
       {{"staff", event.actor.staff.value},
        {"agency", event.actor.agency.value},
        {"role", std::string(domain::EnumName(event.actor.role))}}},
      {"payload", PayloadJson(event.payload, with_personal)},
  };
}

}  // namespace kasane::projections

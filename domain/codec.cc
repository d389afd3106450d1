#include "domain/codec.h"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <cstring>
#include <set>
#include <type_traits>

#include "domain/events.capnp.h"
#include "domain/internal/describe.h"

namespace kasane::domain {
namespace {

using internal::Describable;
using internal::kIsOptional;
using internal::kIsSet;
using internal::kIsVector;

template <typename T>
capnp::StructSchema SchemaFor();

#define KASANE_SCHEMA_(X)                    \
  template <>                                \
  capnp::StructSchema SchemaFor<X>() {       \
    return capnp::Schema::from<schema::X>(); \
  }
KASANE_SCHEMA_(AgencyRegistered)
KASANE_SCHEMA_(StaffRegistered)
KASANE_SCHEMA_(StaffDeactivated)
KASANE_SCHEMA_(CaseOpened)
KASANE_SCHEMA_(HouseholdMemberAdded)
KASANE_SCHEMA_(HouseholdMemberRemoved)
KASANE_SCHEMA_(ConsentRecorded)
KASANE_SCHEMA_(ConsentWithdrawn)
KASANE_SCHEMA_(ReferralMade)
KASANE_SCHEMA_(ReferralAccepted)
KASANE_SCHEMA_(ReferralDeclined)
KASANE_SCHEMA_(ReferralReturned)
KASANE_SCHEMA_(LeadAgencyAssigned)
KASANE_SCHEMA_(AssessmentRecorded)
KASANE_SCHEMA_(MeetingConvened)
KASANE_SCHEMA_(ConfidentialityAcknowledged)
KASANE_SCHEMA_(MeetingMemberJoined)
KASANE_SCHEMA_(MeetingMemberLeft)
KASANE_SCHEMA_(MeetingConcluded)
KASANE_SCHEMA_(DisclosureMade)
KASANE_SCHEMA_(DisclosureRefused)
KASANE_SCHEMA_(PlanDrafted)
KASANE_SCHEMA_(PlanApproved)
KASANE_SCHEMA_(PlanRevised)
KASANE_SCHEMA_(MonitoringRecorded)
KASANE_SCHEMA_(PlanEvaluated)
KASANE_SCHEMA_(SupportTerminated)
KASANE_SCHEMA_(SupportSuspended)
KASANE_SCHEMA_(SupportResumed)
KASANE_SCHEMA_(OutreachRecorded)
KASANE_SCHEMA_(ParticipationMatched)
KASANE_SCHEMA_(ParticipationFollowedUp)
KASANE_SCHEMA_(CorrectionRecorded)
KASANE_SCHEMA_(DisclosureRequestReceived)
KASANE_SCHEMA_(DisclosureRequestDecided)
KASANE_SCHEMA_(CorrectionRequestReceived)
KASANE_SCHEMA_(CorrectionRequestDecided)
KASANE_SCHEMA_(UsageSuspensionRequested)
KASANE_SCHEMA_(UsageSuspensionApplied)
KASANE_SCHEMA_(PersonErased)
KASANE_SCHEMA_(AccessRecorded)
#undef KASANE_SCHEMA_

// Cap'n Proto wants NUL-terminated names and texts; std::string provides them.
capnp::Text::Reader AsText(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

// --- encoding ---------------------------------------------------------------------------------

class Writer {
 public:
  explicit Writer(capnp::DynamicStruct::Builder b) : b_(b) {}

  template <typename T>
  void Field(std::string_view name, const T& v) {
    Set(std::string(name), v);
  }
  template <typename T>
  void Subject(std::string_view name, const T& v) {
    Set(std::string(name), v);
  }
  template <typename T>
  void Personal(std::string_view name, const T& v) {
    Set(std::string(name), v);
  }

 private:
  template <typename T>
  static std::string Scalar(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      return v;
    } else if constexpr (kIsId<T>) {
      return v.value;
    } else if constexpr (DomainEnum<T>) {
      return std::string(EnumName(v));
    } else {
      static_assert(sizeof(T) == 0, "not a text value");
    }
  }

  template <typename T>
  void Set(const std::string& name, const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                  std::is_same_v<T, uint32_t>) {
      b_.set(name, v);
    } else if constexpr (std::is_same_v<T, EventId>) {
      b_.set(name, capnp::Data::Reader(v.bytes.data(), v.bytes.size()));
    } else if constexpr (std::is_same_v<T, KindSet>) {
      std::vector<std::string> names;
      for (InformationKind k : v.Kinds()) names.emplace_back(KindName(k));
      SetTexts(name, names);
    } else if constexpr (kIsSet<T>) {
      std::vector<std::string> names;
      for (const auto& e : v) names.push_back(Scalar(e));
      SetTexts(name, names);
    } else if constexpr (kIsVector<T>) {
      using E = typename T::value_type;
      if constexpr (Describable<E>) {
        auto list =
            b_.init(name, static_cast<uint32_t>(v.size())).template as<capnp::DynamicList>();
        for (uint32_t i = 0; i < v.size(); ++i) {
          Writer w(list[i].template as<capnp::DynamicStruct>());
          E::Describe(v[i], w);
        }
      } else if constexpr (std::is_same_v<E, EventId>) {
        auto list =
            b_.init(name, static_cast<uint32_t>(v.size())).template as<capnp::DynamicList>();
        for (uint32_t i = 0; i < v.size(); ++i) {
          list.set(i, capnp::Data::Reader(v[i].bytes.data(), v[i].bytes.size()));
        }
      } else {
        std::vector<std::string> texts;
        for (const E& e : v) texts.push_back(Scalar(e));
        SetTexts(name, texts);
      }
    } else if constexpr (kIsOptional<T>) {
      if (!v.has_value()) return;
      if constexpr (std::is_same_v<typename T::value_type, int64_t>) {
        b_.init(name).template as<capnp::DynamicStruct>().set("nanos", *v);
      } else {
        Set(name, *v);
      }
    } else if constexpr (Describable<T>) {
      Writer w(b_.init(name).template as<capnp::DynamicStruct>());
      T::Describe(v, w);
    } else {
      b_.set(name, AsText(Scalar(v)));
    }
  }

  void SetTexts(const std::string& name, const std::vector<std::string>& texts) {
    auto list = b_.init(name, static_cast<uint32_t>(texts.size())).as<capnp::DynamicList>();
    for (uint32_t i = 0; i < texts.size(); ++i) list.set(i, AsText(texts[i]));
  }

  capnp::DynamicStruct::Builder b_;
};

// --- decoding ---------------------------------------------------------------------------------

class Reader {
 public:
  Reader(capnp::DynamicStruct::Reader r, Status* error) : r_(r), error_(error) {}

  template <typename T>
  void Field(std::string_view name, T& v) {
    Get(std::string(name), v);
  }
  template <typename T>
  void Subject(std::string_view name, T& v) {
    Get(std::string(name), v);
  }
  template <typename T>
  void Personal(std::string_view name, T& v) {
    Get(std::string(name), v);
  }

 private:
  void Fail(std::string message) {
    if (error_->ok()) *error_ = InvalidArgument(std::move(message));
  }

  template <typename T>
  void FromText(const std::string& name, std::string_view text, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
      out = std::string(text);
    } else if constexpr (kIsId<T>) {
      out = T(std::string(text));
    } else if constexpr (DomainEnum<T>) {
      Result<T> e = ParseEnum<T>(text);
      if (!e.ok()) return Fail(name + ": " + e.status().message());
      out = *e;
    } else {
      static_assert(sizeof(T) == 0, "not a text value");
    }
  }

  static std::string_view View(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

  void ToEventId(const std::string& name, capnp::Data::Reader d, EventId& out) {
    if (d.size() != out.bytes.size()) return Fail(name + ": an event id is 16 bytes");
    std::memcpy(out.bytes.data(), d.begin(), d.size());
  }

  template <typename T>
  void Get(const std::string& name, T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                  std::is_same_v<T, uint32_t>) {
      v = r_.get(name).as<T>();
    } else if constexpr (std::is_same_v<T, EventId>) {
      ToEventId(name, r_.get(name).as<capnp::Data>(), v);
    } else if constexpr (std::is_same_v<T, KindSet>) {
      v = KindSet();
      for (auto t : r_.get(name).as<capnp::DynamicList>()) {
        Result<InformationKind> k = ParseKind(View(t.as<capnp::Text>()));
        if (!k.ok()) return Fail(name + ": " + k.status().message());
        v.Insert(*k);
      }
    } else if constexpr (kIsSet<T>) {
      v.clear();
      for (auto t : r_.get(name).as<capnp::DynamicList>()) {
        typename T::value_type e{};
        FromText(name, View(t.as<capnp::Text>()), e);
        v.insert(e);
      }
    } else if constexpr (kIsVector<T>) {
      using E = typename T::value_type;
      v.clear();
      for (auto item : r_.get(name).as<capnp::DynamicList>()) {
        E e{};
        if constexpr (Describable<E>) {
          Reader sub(item.as<capnp::DynamicStruct>(), error_);
          E::Describe(e, sub);
        } else if constexpr (std::is_same_v<E, EventId>) {
          ToEventId(name, item.as<capnp::Data>(), e);
        } else {
          FromText(name, View(item.as<capnp::Text>()), e);
        }
        v.push_back(std::move(e));
      }
    } else if constexpr (kIsOptional<T>) {
      if (!r_.has(name)) {
        v.reset();
        return;
      }
      using E = typename T::value_type;
      E e{};
      if constexpr (std::is_same_v<E, int64_t>) {
        e = r_.get(name).as<capnp::DynamicStruct>().get("nanos").as<int64_t>();
      } else {
        Get(name, e);
      }
      v = std::move(e);
    } else if constexpr (Describable<T>) {
      Reader sub(r_.get(name).as<capnp::DynamicStruct>(), error_);
      T::Describe(v, sub);
    } else {
      FromText(name, View(r_.get(name).as<capnp::Text>()), v);
    }
  }

  capnp::DynamicStruct::Reader r_;
  Status* error_;
};

template <typename T>
Result<Payload> DecodeOne(std::span<const uint8_t> bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return InvalidArgument(std::string(T::kType) + ": payload is not a whole number of words");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  capnp::SegmentArrayMessageReader message(kj::arrayPtr(segments, 1));
  if (!message.isCanonical()) {
    return InvalidArgument(std::string(T::kType) + ": payload is not canonical");
  }
  T value{};
  Status error;
  Reader reader(message.getRoot<capnp::DynamicStruct>(SchemaFor<T>()), &error);
  T::Describe(value, reader);
  if (!error.ok()) return InvalidArgument(std::string(T::kType) + ": " + error.message());
  return Payload(std::move(value));
}

template <size_t I = 0>
Result<Payload> DecodeByType(std::string_view type, std::span<const uint8_t> bytes) {
  if constexpr (I == std::variant_size_v<Payload>) {
    return InvalidArgument("unknown event type '" + std::string(type) + "'");
  } else {
    using T = std::variant_alternative_t<I, Payload>;
    if (type == T::kType) return DecodeOne<T>(bytes);
    return DecodeByType<I + 1>(type, bytes);
  }
}

// --- schema coverage --------------------------------------------------------------------------

class CoverageChecker {
 public:
  CoverageChecker(capnp::StructSchema schema, std::string path, Status* error)
      : schema_(schema), path_(std::move(path)), error_(error) {}

  template <typename T>
  void Field(std::string_view name, T& v) {
    Check(std::string(name), v);
  }
  template <typename T>
  void Subject(std::string_view name, T& v) {
    Check(std::string(name), v);
  }
  template <typename T>
  void Personal(std::string_view name, T& v) {
    Check(std::string(name), v);
  }

  void Finish() {
    for (capnp::StructSchema::Field f : schema_.getFields()) {
      if (!seen_.contains(f.getProto().getName().cStr())) {
        Fail("schema field " + std::string(f.getProto().getName().cStr()) + " is not described");
      }
    }
  }

 private:
  using Which = capnp::schema::Type::Which;

  void Fail(std::string message) {
    if (error_->ok()) *error_ = Internal(path_ + ": " + message);
  }

  template <typename T>
  static Which Expected() {
    if constexpr (std::is_same_v<T, bool>) {
      return Which::BOOL;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return Which::INT64;
    } else if constexpr (std::is_same_v<T, uint32_t>) {
      return Which::UINT32;
    } else if constexpr (std::is_same_v<T, EventId>) {
      return Which::DATA;
    } else if constexpr (std::is_same_v<T, KindSet> || kIsSet<T> || kIsVector<T>) {
      return Which::LIST;
    } else if constexpr (kIsOptional<T>) {
      if constexpr (std::is_same_v<typename T::value_type, int64_t>) {
        return Which::STRUCT;
      } else {
        return Expected<typename T::value_type>();
      }
    } else if constexpr (Describable<T>) {
      return Which::STRUCT;
    } else {
      return Which::TEXT;
    }
  }

  template <typename T>
  void Check(const std::string& name, T&) {
    seen_.insert(name);
    KJ_IF_MAYBE (field, schema_.findFieldByName(name)) {
      capnp::Type type = field->getType();
      if (type.which() != Expected<T>()) return Fail(name + " has the wrong type");
      using V = typename internal::Unwrap<T>::type;
      if constexpr (Describable<V>) {
        V nested{};
        CoverageChecker sub(type.asStruct(), path_ + "." + name, error_);
        V::Describe(nested, sub);
        sub.Finish();
      } else if constexpr (kIsVector<V>) {
        using E = typename V::value_type;
        capnp::Type element = type.asList().getElementType();
        if constexpr (Describable<E>) {
          if (element.which() != Which::STRUCT) return Fail(name + " element is not a struct");
          E nested{};
          CoverageChecker sub(element.asStruct(), path_ + "." + name, error_);
          E::Describe(nested, sub);
          sub.Finish();
        } else if (element.which() != Expected<E>()) {
          return Fail(name + " element has the wrong type");
        }
      }
    } else {
      Fail("described field " + name + " is not in the schema");
    }
  }

  capnp::StructSchema schema_;
  std::string path_;
  Status* error_;
  std::set<std::string> seen_;
};

template <size_t I = 0>
Status CheckAll() {
  if constexpr (I == std::variant_size_v<Payload>) {
    return Status::Ok();
  } else {
    using T = std::variant_alternative_t<I, Payload>;
    Status error;
    T value{};
    CoverageChecker checker(SchemaFor<T>(), std::string(T::kType), &error);
    T::Describe(value, checker);
    checker.Finish();
    KASANE_RETURN_IF_ERROR(error);
    return CheckAll<I + 1>();
  }
}

std::string Describe(const kj::Exception& e) { return e.getDescription().cStr(); }

}  // namespace

Result<std::string> EncodePayload(const Payload& payload) {
  try {
    return std::visit(
        [](const auto& value) -> Result<std::string> {
          using T = std::decay_t<decltype(value)>;
          capnp::MallocMessageBuilder message;
          auto root = message.initRoot<capnp::DynamicStruct>(SchemaFor<T>());
          Writer writer(root);
          T::Describe(value, writer);
          kj::Array<capnp::word> words =
              root.asReader().template as<capnp::AnyStruct>().canonicalize();
          kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
          return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
        },
        payload);
  } catch (const kj::Exception& e) {
    return Internal("encoding " + std::string(TypeOf(payload)) + ": " + Describe(e));
  }
}

Result<Payload> DecodePayload(std::string_view type, std::span<const uint8_t> bytes) {
  try {
    return DecodeByType(type, bytes);
  } catch (const kj::Exception& e) {
    return InvalidArgument("decoding " + std::string(type) + ": " + Describe(e));
  }
}

Status VerifySchemaCoverage() {
  try {
    return CheckAll();
  } catch (const kj::Exception& e) {
    return Internal("schema coverage: " + Describe(e));
  }
}

}  // namespace kasane::domain

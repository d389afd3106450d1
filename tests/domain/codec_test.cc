// The codec: every event type round-trips through canonical Cap'n Proto bytes.
#include "domain/codec.h"

#include <gtest/gtest.h>

#include <set>

#include "domain/internal/describe.h"

namespace kasane::domain {
namespace {

using internal::Describable;
using internal::kIsOptional;
using internal::kIsSet;
using internal::kIsVector;

// Fills every field with a non-default value derived from its name (so a field the codec drops
// or swaps shows up as a difference), or, with `sparse`, leaves optionals absent and lists empty.
class Filler {
 public:
  explicit Filler(bool sparse) : sparse_(sparse) {}
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
    Fill(std::string(name), v);
  }

 private:
  template <typename E>
  static E LastOf() {
    return EnumTraits<E>::kNames.back().first;
  }

  template <typename T>
  void Fill(const std::string& name, T& v) {
    ++counter_;
    if constexpr (std::is_same_v<T, bool>) {
      v = true;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      v = 1'700'000'000'000'000'000 + counter_;
    } else if constexpr (std::is_same_v<T, uint32_t>) {
      v = 7 + counter_;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = name + " 値 " + std::to_string(counter_);
    } else if constexpr (kIsId<T>) {
      v = T(name + "-" + std::to_string(counter_));
    } else if constexpr (std::is_same_v<T, EventId>) {
      v = EventId::FromNumber(0xabcdef00 + counter_);
    } else if constexpr (DomainEnum<T>) {
      v = LastOf<T>();
    } else if constexpr (std::is_same_v<T, KindSet>) {
      v = sparse_ ? KindSet() : KindSet::Of({InformationKind::kTax, InformationKind::kNotes});
    } else if constexpr (kIsSet<T>) {
      v.clear();
      if (!sparse_) {
        v.insert(EnumTraits<typename T::value_type>::kNames.front().first);
        v.insert(LastOf<typename T::value_type>());
      }
    } else if constexpr (kIsVector<T>) {
      v.clear();
      if (!sparse_) {
        for (int i = 0; i < 2; ++i) {
          typename T::value_type e{};
          Fill(name + std::to_string(i), e);
          v.push_back(std::move(e));
        }
      }
    } else if constexpr (kIsOptional<T>) {
      if (sparse_) {
        v.reset();
      } else {
        typename T::value_type e{};
        Fill(name, e);
        v = std::move(e);
      }
    } else if constexpr (Describable<T>) {
      T::Describe(v, *this);
    } else {
      static_assert(sizeof(T) == 0);
    }
  }

  bool sparse_;
  int counter_ = 0;
};

template <typename... T>
std::vector<Payload> Samples(bool sparse, std::variant<T...>*) {
  std::vector<Payload> out;
  (
      [&] {
        T value{};
        Filler filler(sparse);
        T::Describe(value, filler);
        out.push_back(Payload(std::move(value)));
      }(),
      ...);
  return out;
}

std::vector<Payload> AllSamples(bool sparse) {
  return Samples(sparse, static_cast<Payload*>(nullptr));
}

TEST(CodecTest, SchemaMatchesEveryPayloadFieldForField) {
  Status s = VerifySchemaCoverage();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(CodecTest, EveryEventTypeRoundTripsFullyPopulated) {
  std::set<std::string_view> seen;
  for (const Payload& p : AllSamples(/*sparse=*/false)) {
    SCOPED_TRACE(std::string(TypeOf(p)));
    seen.insert(TypeOf(p));
    Result<std::string> bytes = EncodePayload(p);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    EXPECT_EQ(bytes->size() % 8, 0u);
    Result<Payload> back = DecodePayload(TypeOf(p), *bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == p);
    EXPECT_EQ(*EncodePayload(*back), *bytes);  // canonical: re-encoding gives the same bytes
  }
  EXPECT_EQ(seen.size(), AllEventTypes().size());
  EXPECT_EQ(seen.size(), std::variant_size_v<Payload>);
}

TEST(CodecTest, EveryEventTypeRoundTripsWithOptionalsAbsentAndListsEmpty) {
  for (const Payload& p : AllSamples(/*sparse=*/true)) {
    SCOPED_TRACE(std::string(TypeOf(p)));
    Result<std::string> bytes = EncodePayload(p);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    Result<Payload> back = DecodePayload(TypeOf(p), *bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == p);
  }
}

TEST(CodecTest, AbsentOptionalDiffersFromPresentEmptyValue) {
  ConsentRecorded a;
  a.consent = ConsentId("cn-1");
  ConsentRecorded b = a;
  b.valid_until = 0;
  b.proxy_relation = Relation::kSelf;
  EXPECT_NE(*EncodePayload(a), *EncodePayload(b));
  Result<Payload> back = DecodePayload(ConsentRecorded::kType, *EncodePayload(b));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<ConsentRecorded>(*back).valid_until, std::optional<UnixNanos>(0));
}

TEST(CodecTest, EqualPayloadsHaveEqualBytesAndDifferentOnesDiffer) {
  DisclosureMade d;
  d.subject = PersonId("p-1");
  d.kinds = KindSet::Of({InformationKind::kHealth});
  d.content = "内容";
  DisclosureMade same = d;
  EXPECT_EQ(*EncodePayload(d), *EncodePayload(same));
  same.kinds.Insert(InformationKind::kTax);
  EXPECT_NE(*EncodePayload(d), *EncodePayload(same));
}

TEST(CodecTest, UnknownTypeIsRefused) {
  std::string bytes = *EncodePayload(OutreachRecorded{});
  Result<Payload> r = DecodePayload("outreach.unknown", bytes);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(CodecTest, GarbageBytesAreAnErrorNotACrash) {
  const std::string inputs[] = {"", "abc", std::string(8, '\xff'), std::string(64, '\x01'),
                                std::string(16, '\0')};
  for (const std::string& in : inputs) {
    Result<Payload> r = DecodePayload(CaseOpened::kType, in);
    if (r.ok()) {
      // Only an all-zero root (an empty struct) may decode; then it is the default payload.
      EXPECT_TRUE(std::get<CaseOpened>(*r) == CaseOpened{});
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
    }
  }
  std::string good = *EncodePayload(ConsentRecorded{});
  Result<Payload> truncated = DecodePayload(ConsentRecorded::kType, good.substr(0, 8));
  EXPECT_FALSE(truncated.ok());
}

TEST(CodecTest, NonCanonicalBytesAreRefused) {
  CaseOpened o;
  o.case_id = CaseId("c-1");
  std::string bytes = *EncodePayload(o);
  bytes += std::string(8, '\0');  // a trailing word the canonical form does not have
  EXPECT_EQ(DecodePayload(CaseOpened::kType, bytes).status().code(), StatusCode::kInvalidArgument);
}

TEST(CodecTest, UnknownEnumerationIdentifierIsRefused) {
  HouseholdMemberAdded a;
  a.member.relation = static_cast<Relation>(200);  // encodes as "?"
  Result<std::string> bytes = EncodePayload(a);
  ASSERT_TRUE(bytes.ok());
  Result<Payload> r = DecodePayload(HouseholdMemberAdded::kType, *bytes);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("relation"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace kasane::domain

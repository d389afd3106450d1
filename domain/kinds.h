// Kinds of information (情報の種類): what consents, disclosures and scopes are about.
//
// InformationKind is the list in DOMAIN.md with stable string identifiers ("identity",
// "household", ..., "tax", ..., "notes"). KindSet is a small value set of kinds, used by
// consents (which kinds the person agreed to share), disclosures (which kinds were shared),
// assessments and app scopes.
//
// Thread-safety: plain values.
//
//   KindSet k = KindSet::Of({InformationKind::kHealth, InformationKind::kCare});
//   if (consent_kinds.ContainsAll(k)) ...
//   KASANE_ASSIGN_OR_RETURN(InformationKind t, ParseKind("tax"));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "domain/enum_names.h"

namespace kasane::domain {

enum class InformationKind : uint8_t {
  kIdentity,      // 本人確認情報: name, birth date, address
  kHousehold,     // 世帯構成: family composition
  kHealth,        // 健康・医療
  kDisability,    // 障がい
  kCare,          // 介護
  kChildWelfare,  // 児童福祉
  kFinance,       // 家計: income, debts, arrears (other than tax)
  kTax,           // 税情報: held by tax staff under 地方税法 Art. 22
  kEmployment,    // 就労
  kEducation,     // 教育
  kHousing,       // 住まい
  kAssessment,    // アセスメント
  kPlan,          // 支援プラン
  kNotes,         // 記録・メモ
};

template <>
struct EnumTraits<InformationKind> {
  static constexpr std::string_view kWhat = "kind of information";
  static constexpr std::array<std::pair<InformationKind, std::string_view>, 14> kNames{{
      {InformationKind::kIdentity, "identity"},
      {InformationKind::kHousehold, "household"},
      {InformationKind::kHealth, "health"},
      {InformationKind::kDisability, "disability"},
      {InformationKind::kCare, "care"},
      {InformationKind::kChildWelfare, "child_welfare"},
      {InformationKind::kFinance, "finance"},
      {InformationKind::kTax, "tax"},
      {InformationKind::kEmployment, "employment"},
      {InformationKind::kEducation, "education"},
      {InformationKind::kHousing, "housing"},
      {InformationKind::kAssessment, "assessment"},
      {InformationKind::kPlan, "plan"},
      {InformationKind::kNotes, "notes"},
  }};
};

// Every kind, in declaration order.
std::vector<InformationKind> AllKinds();

inline std::string_view KindName(InformationKind k) { return EnumName(k); }
inline Result<InformationKind> ParseKind(std::string_view s) {
  return ParseEnum<InformationKind>(s);
}

// A set of kinds. Iteration (Kinds()) is in declaration order, so encodings are canonical.
class KindSet {
 public:
  KindSet() = default;
  static KindSet Of(std::initializer_list<InformationKind> kinds);
  static KindSet All();

  void Insert(InformationKind k) { bits_ |= Bit(k); }
  void InsertAll(const KindSet& other) { bits_ |= other.bits_; }
  bool Contains(InformationKind k) const { return (bits_ & Bit(k)) != 0; }
  bool ContainsAll(const KindSet& other) const { return (other.bits_ & ~bits_) == 0; }
  bool empty() const { return bits_ == 0; }
  size_t size() const;
  std::vector<InformationKind> Kinds() const;
  // The kinds in `this` that are not in `other`.
  KindSet Minus(const KindSet& other) const;
  // Comma-separated identifiers, e.g. "health,tax".
  std::string ToString() const;

  friend bool operator==(const KindSet&, const KindSet&) = default;

 private:
  static uint32_t Bit(InformationKind k) { return uint32_t{1} << static_cast<uint8_t>(k); }
  uint32_t bits_ = 0;
};

}  // namespace kasane::domain

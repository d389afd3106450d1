#include "domain/kinds.h"

#include <bit>

namespace kasane::domain {

std::vector<InformationKind> AllKinds() {
  std::vector<InformationKind> out;
  for (const auto& [k, name] : EnumTraits<InformationKind>::kNames) out.push_back(k);
  return out;
}

KindSet KindSet::Of(std::initializer_list<InformationKind> kinds) {
  KindSet s;
  for (InformationKind k : kinds) s.Insert(k);
  return s;
}

KindSet KindSet::All() {
  KindSet s;
  for (InformationKind k : AllKinds()) s.Insert(k);
  return s;
}

size_t KindSet::size() const { return static_cast<size_t>(std::popcount(bits_)); }

std::vector<InformationKind> KindSet::Kinds() const {
  std::vector<InformationKind> out;
  for (InformationKind k : AllKinds()) {
    if (Contains(k)) out.push_back(k);
  }
  return out;
}

KindSet KindSet::Minus(const KindSet& other) const {
  KindSet s;
  s.bits_ = bits_ & ~other.bits_;
  return s;
}

std::string KindSet::ToString() const {
  std::string out;
  for (InformationKind k : Kinds()) {
    if (!out.empty()) out += ",";
    out += KindName(k);
  }
  return out;
}

}  // namespace kasane::domain

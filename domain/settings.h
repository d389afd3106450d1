// Municipal settings (自治体の設定): the values a municipality chooses for the programme.
//
// Settings are passed into decide (DecisionContext) and only shape the events decide produces
// (e.g. the due dates written into plan.drafted). evolve never reads them, so changing the
// settings changes no past event or state. The defaults are 長井市's (seed 001): monitoring
// 3 months after a plan starts (原則、３か月後にモニタリング), evaluation 6 months after
// (原則、６か月後に重層的支援会議において…評価), and all three disclosure bases accepted.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "domain/vocabulary.h"

namespace kasane::domain {

struct MunicipalSettings {
  std::string municipality = "長井市";
  int monitoring_after_months = 3;
  int evaluation_after_months = 6;
  // The legal bases this municipality accepts for a disclosure. A basis not listed is refused
  // with rule kRuleBasisNotAccepted.
  std::vector<BasisKind> accepted_bases = {BasisKind::kConsent, BasisKind::kSupportMeeting,
                                           BasisKind::kUrgentCase};

  bool Accepts(BasisKind b) const;

  friend bool operator==(const MunicipalSettings&, const MunicipalSettings&) = default;
};

// The seeds' defaults (長井市).
MunicipalSettings DefaultSettings();

// `t` plus `months` calendar months, counted on the Japan Standard Time (UTC+9) calendar; a day
// that does not exist in the target month becomes that month's last day (Jan 31 + 1 = Feb 28/29).
UnixNanos AddMonths(UnixNanos t, int months);

}  // namespace kasane::domain

#include "domain/settings.h"

#include <algorithm>
#include <chrono>

namespace kasane::domain {

bool MunicipalSettings::Accepts(BasisKind b) const {
  return std::find(accepted_bases.begin(), accepted_bases.end(), b) != accepted_bases.end();
}

MunicipalSettings DefaultSettings() { return MunicipalSettings{}; }

UnixNanos AddMonths(UnixNanos t, int months) {
  using namespace std::chrono;
  constexpr int64_t kJstOffset = int64_t{9} * 3600 * 1'000'000'000;
  const int64_t local = t + kJstOffset;
  const sys_time<nanoseconds> local_tp{nanoseconds(local)};
  const sys_days day = floor<days>(local_tp);
  const nanoseconds time_of_day = local_tp - day;
  year_month_day ymd{day};
  year_month ym = ymd.year() / ymd.month() + std::chrono::months(months);
  const auto last_day = (ym / std::chrono::last).day();
  const auto d = std::min(ymd.day(), last_day);
  const sys_days target = sys_days(ym / d);
  return (target + time_of_day).time_since_epoch().count() - kJstOffset;
}

}  // namespace kasane::domain

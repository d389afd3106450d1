// The list of projections: the one place a new projection is added.
#include <functional>
#include <utility>

#include "projections/access_register.h"
#include "projections/case_view.h"
#include "projections/consent_register.h"
#include "projections/disclosure_register.h"
#include "projections/monitoring_due.h"
#include "projections/projection.h"
#include "projections/statistics.h"
#include "projections/timeline.h"

namespace kasane::projections {
namespace {

using Factory = std::unique_ptr<Projection> (*)();

const std::vector<std::pair<std::string_view, Factory>>& Registry() {
  static const std::vector<std::pair<std::string_view, Factory>> kRegistry = {
      {kCaseViewName, &MakeCaseView},
      {kTimelineName, &MakeTimeline},
      {kConsentRegisterName, &MakeConsentRegister},
      {kDisclosureRegisterName, &MakeDisclosureRegister},
      {kAccessRegisterName, &MakeAccessRegister},
      {kMonitoringDueName, &MakeMonitoringDue},
      {kStatisticsName, &MakeStatistics},
  };
  return kRegistry;
}

}  // namespace

std::vector<std::string> ProjectionNames() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : Registry()) names.emplace_back(name);
  return names;
}

std::unique_ptr<Projection> MakeProjection(std::string_view name) {
  for (const auto& [n, factory] : Registry()) {
    if (n == name) return factory();
  }
  return nullptr;
}

}  // namespace kasane::projections

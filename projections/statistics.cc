#include "projections/statistics.h"

#include <initializer_list>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/enum_names.h"
#include "projections/encoding.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string CounterKey(std::initializer_list<std::string_view> parts) {
  std::string k = "n";
  for (std::string_view p : parts) AppendId(&k, p);
  return k;
}

std::string IntakeKey(std::string_view case_id) { return internal::IdKey('i', case_id); }

std::string HistogramKey(uint64_t days) {
  std::string k = "h";
  AppendU64(&k, days);
  return k;
}

template <domain::DomainEnum E>
std::string_view IdOf(E e) {
  return domain::EnumName(e);
}

// An object with every identifier of E at 0.
template <domain::DomainEnum E>
json ZeroFor() {
  json o = json::object();
  for (const auto& [value, name] : domain::EnumTraits<E>::kNames) o[std::string(name)] = 0;
  return o;
}

// The counter (section, name) of the events counted by their type alone.
template <typename P>
constexpr std::pair<std::string_view, std::string_view> CounterOf() {
  using namespace domain;
  if constexpr (std::is_same_v<P, ReferralAccepted>) return {"referral", "accepted"};
  if constexpr (std::is_same_v<P, ReferralDeclined>) return {"referral", "declined"};
  if constexpr (std::is_same_v<P, PlanDrafted>) return {"plan", "drafted"};
  if constexpr (std::is_same_v<P, PlanRevised>) return {"plan", "revised"};
  if constexpr (std::is_same_v<P, MonitoringRecorded>) return {"plan", "monitored"};
  if constexpr (std::is_same_v<P, PlanEvaluated>) return {"plan", "evaluated"};
  if constexpr (std::is_same_v<P, SupportTerminated>) return {"plan", "terminated"};
  if constexpr (std::is_same_v<P, SupportSuspended>) return {"plan", "suspended"};
  if constexpr (std::is_same_v<P, SupportResumed>) return {"plan", "resumed"};
  return {};
}

class StatisticsProjection final : public Projection {
 public:
  std::string_view Name() const override { return kStatisticsName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    return std::visit([&](const auto& p) { return On(e, p, changes); }, e.event.payload);
  }

  Status Flush(Changes& changes) override {
    for (const auto& [key, delta] : pending_) {
      KASANE_ASSIGN_OR_RETURN(std::optional<std::string> stored, changes.Get(key));
      uint64_t total = delta;
      if (stored.has_value()) {
        KASANE_ASSIGN_OR_RETURN(json old, Unpack(*stored));
        if (!old.is_number_unsigned()) return DataLoss("a statistics counter is not a count");
        total += old.get<uint64_t>();
      }
      changes.Put(key, Pack(json(total)));
    }
    pending_.clear();
    return Status::Ok();
  }

  void Discard() override { pending_.clear(); }

 private:
  void Count(std::initializer_list<std::string_view> parts) { ++pending_[CounterKey(parts)]; }

  // Events counted by their type alone ("referral accepted", "plan revised", ...).
  template <typename P>
  Status On(const ProjectedEvent&, const P&, Changes&) {
    constexpr std::pair<std::string_view, std::string_view> kCounter = CounterOf<P>();
    if constexpr (!kCounter.first.empty()) Count({kCounter.first, kCounter.second});
    return Status::Ok();
  }

  Status On(const ProjectedEvent& e, const domain::CaseOpened& o, Changes& changes) {
    const std::string month = internal::JstMonth(e.event.occurred_at);
    std::string_view case_id = internal::CaseIdOfStream(e.stream);
    if (case_id.empty()) case_id = o.case_id.value;
    Count({"consultation", month, o.intake_agency.value});
    for (domain::Field f : o.fields) {
      Count({"consultation_field", month, IdOf(f), o.intake_agency.value});
    }
    changes.Put(IntakeKey(case_id), Pack(json(e.event.occurred_at)));
    return Status::Ok();
  }
  Status On(const ProjectedEvent&, const domain::ReferralMade& r, Changes&) {
    Count({"referral", "made", IdOf(r.moment)});
    if (!r.kinds_passed.empty() && r.basis.has_value()) {
      Count({"disclosure", IdOf(r.basis->kind), domain::ReferralMade::kType});
    }
    return Status::Ok();
  }
  Status On(const ProjectedEvent&, const domain::ReferralReturned& r, Changes&) {
    Count({"referral", "returned", IdOf(r.moment)});
    return Status::Ok();
  }
  Status On(const ProjectedEvent& e, const domain::PlanApproved&, Changes& changes) {
    Count({"plan", "approved"});
    const std::string key = IntakeKey(internal::CaseIdOfStream(e.stream));
    KASANE_ASSIGN_OR_RETURN(std::optional<std::string> intake, changes.Get(key));
    if (!intake.has_value()) return Status::Ok();  // not the case's first approval
    KASANE_ASSIGN_OR_RETURN(json opened_at, Unpack(*intake));
    const int64_t days =
        internal::JstDay(e.event.occurred_at) - internal::JstDay(opened_at.get<UnixNanos>());
    ++pending_[HistogramKey(static_cast<uint64_t>(std::max<int64_t>(days, 0)))];
    changes.Delete(key);
    return Status::Ok();
  }
  Status On(const ProjectedEvent& e, const domain::MeetingConcluded& m, Changes&) {
    const domain::MeetingState* meeting =
        e.case_state == nullptr ? nullptr : e.case_state->FindMeeting(m.meeting);
    if (meeting == nullptr) {
      return FailedPrecondition("meeting.concluded at position " + std::to_string(e.position) +
                                " names meeting " + m.meeting.value +
                                " that its case does not hold");
    }
    Count({"meeting", IdOf(meeting->kind),
           meeting->purpose.has_value() ? IdOf(*meeting->purpose) : std::string_view("none")});
    return Status::Ok();
  }
  Status On(const ProjectedEvent&, const domain::DisclosureMade& d, Changes&) {
    Count({"disclosure", IdOf(d.basis.kind), domain::DisclosureMade::kType});
    return Status::Ok();
  }
  Status On(const ProjectedEvent&, const domain::DisclosureRefused& r, Changes&) {
    Count({"refusal", r.rule});
    return Status::Ok();
  }

  std::unordered_map<std::string, uint64_t> pending_;
};

// Adds `n` at `path` of `o` (objects created as needed).
void Add(json& o, std::initializer_list<std::string> path, uint64_t n) {
  json* at = &o;
  for (const std::string& p : path) at = &(*at)[p];
  *at = (at->is_null() ? 0 : at->get<uint64_t>()) + n;
}

// The `rank`-th smallest value (1-based) of a histogram.
uint64_t ValueAtRank(const std::map<uint64_t, uint64_t>& histogram, uint64_t rank) {
  uint64_t seen = 0;
  for (const auto& [value, count] : histogram) {
    seen += count;
    if (seen >= rank) return value;
  }
  return histogram.empty() ? 0 : histogram.rbegin()->first;
}

uint64_t Total(const std::map<uint64_t, uint64_t>& histogram) {
  uint64_t n = 0;
  for (const auto& [value, count] : histogram) n += count;
  return n;
}

void Flatten(const json& j, const std::string& path, std::vector<std::string>* items,
             std::vector<std::string>* values) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items())
      Flatten(v, path.empty() ? k : path + "." + k, items, values);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      Flatten(j[i], path + "[" + std::to_string(i) + "]", items, values);
    }
  } else {
    items->push_back(path);
    values->push_back(j.is_string() ? j.get<std::string>() : j.dump());
  }
}

// A CSV field, quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::unique_ptr<Projection> MakeStatistics() { return std::make_unique<StatisticsProjection>(); }

json HistogramMedian(const std::map<uint64_t, uint64_t>& histogram) {
  const uint64_t n = Total(histogram);
  if (n == 0) return nullptr;
  if (n % 2 == 1) return ValueAtRank(histogram, (n + 1) / 2);
  const uint64_t a = ValueAtRank(histogram, n / 2);
  const uint64_t b = ValueAtRank(histogram, n / 2 + 1);
  if ((a + b) % 2 == 0) return (a + b) / 2;
  return static_cast<double>(a + b) / 2.0;
}

json HistogramP90(const std::map<uint64_t, uint64_t>& histogram) {
  const uint64_t n = Total(histogram);
  if (n == 0) return nullptr;
  return ValueAtRank(histogram, (9 * n + 9) / 10);
}

Result<json> Statistics(const ViewReader& reader) {
  json consultations = {{"total", 0},
                        {"byField", ZeroFor<domain::Field>()},
                        {"byMonth", json::object()},
                        {"byAgency", json::object()},
                        {"rows", json::array()}};
  json referrals = {{"made", 0},     {"byMoment", ZeroFor<domain::HandoffMoment>()},
                    {"returned", 0}, {"returnsByMoment", ZeroFor<domain::HandoffMoment>()},
                    {"accepted", 0}, {"declined", 0}};
  json plans = json::object();
  for (const char* p : {"drafted", "approved", "revised", "monitored", "evaluated", "terminated",
                        "suspended", "resumed"}) {
    plans[p] = 0;
  }
  json meetings = ZeroFor<domain::MeetingKind>();
  meetings["multiLayeredByPurpose"] = ZeroFor<domain::MeetingPurpose>();
  json disclosures = {{"total", 0},
                      {"byBasis", ZeroFor<domain::BasisKind>()},
                      {"referralsByBasis", ZeroFor<domain::BasisKind>()}};
  json refusals = {{"total", 0}, {"byRule", json::object()}};

  Status failed = Status::Ok();
  KASANE_RETURN_IF_ERROR(reader.Scan("n", [&](std::string_view key, std::string_view value) {
    std::vector<std::string> parts;
    for (size_t at = 1; at < key.size();) {
      const size_t end = key.find('\0', at);
      if (end == std::string_view::npos) break;
      parts.emplace_back(key.substr(at, end - at));
      at = end + 1;
    }
    Result<json> count = Unpack(value);
    if (!count.ok() || !count->is_number_unsigned() || parts.empty()) {
      failed = DataLoss("a statistics counter is malformed");
      return false;
    }
    const uint64_t n = count->get<uint64_t>();
    const std::string& section = parts[0];
    if (section == "consultation" && parts.size() == 3) {
      Add(consultations, {"total"}, n);
      Add(consultations, {"byMonth", parts[1]}, n);
      Add(consultations, {"byAgency", parts[2]}, n);
    } else if (section == "consultation_field" && parts.size() == 4) {
      Add(consultations, {"byField", parts[2]}, n);
      consultations["rows"].push_back(
          {{"month", parts[1]}, {"field", parts[2]}, {"agency", parts[3]}, {"count", n}});
    } else if (section == "referral" && parts.size() == 3 && parts[1] == "made") {
      Add(referrals, {"made"}, n);
      Add(referrals, {"byMoment", parts[2]}, n);
    } else if (section == "referral" && parts.size() == 3 && parts[1] == "returned") {
      Add(referrals, {"returned"}, n);
      Add(referrals, {"returnsByMoment", parts[2]}, n);
    } else if (section == "referral" && parts.size() == 2) {
      Add(referrals, {parts[1]}, n);
    } else if (section == "plan" && parts.size() == 2) {
      Add(plans, {parts[1]}, n);
    } else if (section == "meeting" && parts.size() == 3) {
      Add(meetings, {parts[1]}, n);
      if (parts[2] != "none") Add(meetings, {"multiLayeredByPurpose", parts[2]}, n);
    } else if (section == "disclosure" && parts.size() == 3) {
      Add(disclosures, {"total"}, n);
      Add(disclosures, {"byBasis", parts[1]}, n);
      if (parts[2] == domain::ReferralMade::kType) {
        Add(disclosures, {"referralsByBasis", parts[1]}, n);
      }
    } else if (section == "refusal" && parts.size() == 2) {
      Add(refusals, {"total"}, n);
      Add(refusals, {"byRule", parts[1]}, n);
    } else {
      failed = DataLoss("an unknown statistics counter: " + section);
      return false;
    }
    return true;
  }));
  KASANE_RETURN_IF_ERROR(failed);

  std::map<uint64_t, uint64_t> histogram;
  KASANE_RETURN_IF_ERROR(reader.Scan("h", [&](std::string_view key, std::string_view value) {
    Result<json> count = Unpack(value);
    if (key.size() != 9 || !count.ok() || !count->is_number_unsigned()) {
      failed = DataLoss("a statistics histogram entry is malformed");
      return false;
    }
    histogram[ReadU64(key, 1)] = count->get<uint64_t>();
    return true;
  }));
  KASANE_RETURN_IF_ERROR(failed);
  json bins = json::array();
  for (const auto& [days, count] : histogram) bins.push_back({{"days", days}, {"count", count}});

  return json{{"consultations", std::move(consultations)},
              {"referrals", std::move(referrals)},
              {"plans", std::move(plans)},
              {"intakeToFirstPlan",
               {{"cases", Total(histogram)},
                {"medianDays", HistogramMedian(histogram)},
                {"p90Days", HistogramP90(histogram)},
                {"histogram", std::move(bins)}}},
              {"meetings", std::move(meetings)},
              {"disclosures", std::move(disclosures)},
              {"refusals", std::move(refusals)}};
}

std::string StatisticsCsv(const json& stats) {
  std::string out =
      "\xEF\xBB\xBF"
      "section,item,value\r\n";
  for (const auto& [section, body] : stats.items()) {
    std::vector<std::string> items;
    std::vector<std::string> values;
    Flatten(body, "", &items, &values);
    for (size_t i = 0; i < items.size(); ++i) {
      out += CsvField(section) + "," + CsvField(items[i]) + "," + CsvField(values[i]) + "\r\n";
    }
  }
  return out;
}

}  // namespace kasane::projections

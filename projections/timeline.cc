#include "projections/timeline.h"

#include "domain/enum_names.h"
#include "projections/event_json.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

constexpr std::string_view kCasePrefix = "case-";

std::string CasePrefix(std::string_view case_id) {
  std::string k = "t";
  AppendId(&k, case_id);
  return k;
}

class TimelineProjection final : public Projection {
 public:
  std::string_view Name() const override { return kTimelineName; }
  uint32_t SchemaVersion() const override { return 1; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    if (e.case_state == nullptr) return Status::Ok();
    std::string key = CasePrefix(std::string_view(e.stream).substr(kCasePrefix.size()));
    AppendU64(&key, e.position);
    changes.Put(key, Pack(TimelineEntry(e)));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Projection> MakeTimeline() { return std::make_unique<TimelineProjection>(); }

json TimelineEntry(const ProjectedEvent& e) {
  const domain::DomainEvent& ev = e.event;
  json payload = PayloadJson(ev.payload, false);
  json basis = nullptr;
  if (payload.contains("basis")) {
    basis = payload["basis"];
  } else if (payload.contains("meeting")) {
    basis = {{"meeting", payload["meeting"]}};
  }
  if (payload.contains("rule")) {
    if (basis.is_null()) basis = json::object();
    basis["rule"] = payload["rule"];
  }
  std::optional<domain::PersonId> subject = domain::SubjectOf(ev.payload);
  json kinds = json::array();
  for (domain::InformationKind k : domain::KindsOf(ev.payload).Kinds()) {
    kinds.push_back(std::string(domain::EnumName(k)));
  }
  return json{
      {"position", e.position},
      {"seq", e.version + 1},
      {"type", std::string(domain::TypeOf(ev.payload))},
      {"eventId", ev.id.ToHex()},
      {"recordedAt", ev.recorded_at},
      {"occurredAt", ev.occurred_at},
      {"actor",
       {{"staff", ev.actor.staff.value},
        {"agency", ev.actor.agency.value},
        {"role", std::string(domain::EnumName(ev.actor.role))}}},
      {"subject", subject.has_value() ? json(subject->value) : json(nullptr)},
      {"kinds", std::move(kinds)},
      {"basis", std::move(basis)},
      {"payload", std::move(payload)},
  };
}

Result<std::vector<json>> ReadTimeline(const ViewReader& reader, const TimelineQuery& q) {
  std::vector<json> out;
  const std::string prefix = CasePrefix(q.case_id.value);
  std::string start = prefix;
  AppendU64(&start, q.from_position);
  Status failed = Status::Ok();
  KASANE_RETURN_IF_ERROR(
      reader.ScanFrom(prefix, start, [&](std::string_view key, std::string_view value) {
        if (key.size() != prefix.size() + 8) {
          failed = DataLoss("a timeline key is malformed");
          return false;
        }
        const uint64_t position = ReadU64(key, prefix.size());
        if (q.as_of.position.has_value() && position >= *q.as_of.position) return false;
        Result<json> entry = Unpack(value);
        if (!entry.ok()) {
          failed = entry.status();
          return false;
        }
        if (q.as_of.time.has_value() && (*entry)["recordedAt"].get<UnixNanos>() > *q.as_of.time) {
          return false;
        }
        out.push_back(std::move(entry).value());
        return out.size() < q.limit;
      }));
  KASANE_RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace kasane::projections

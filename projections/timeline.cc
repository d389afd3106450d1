#include "projections/timeline.h"

#include "domain/enum_names.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string CasePrefix(std::string_view case_id) {
  std::string k = "t";
  AppendId(&k, case_id);
  return k;
}

class TimelineProjection final : public Projection {
 public:
  std::string_view Name() const override { return kTimelineName; }
  uint32_t SchemaVersion() const override { return 2; }

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    if (e.case_state == nullptr) return Status::Ok();
    std::string key = CasePrefix(internal::CaseIdOfStream(e.stream));
    AppendU64(&key, e.position);
    changes.PutNew(std::move(key), EncodeTimelineEntry(e));
    return Status::Ok();
  }
};

// The top-level "basis", "meeting" and "rule" fields of a payload, whichever it has.
struct BasisProbe {
  const domain::DisclosureBasis* basis = nullptr;
  std::string meeting;
  std::string rule;
  template <typename T>
  void Field(std::string_view name, const T& v) {
    if constexpr (std::is_same_v<T, domain::DisclosureBasis>) {
      if (name == "basis") basis = &v;
    } else if constexpr (std::is_same_v<T, std::optional<domain::DisclosureBasis>>) {
      if (name == "basis" && v.has_value()) basis = &*v;
    } else if constexpr (std::is_same_v<T, domain::MeetingId>) {
      if (name == "meeting") meeting = v.value;
    } else if constexpr (std::is_same_v<T, std::optional<domain::MeetingId>>) {
      if (name == "meeting" && v.has_value()) meeting = v->value;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (name == "rule") rule = v;
    }
  }
  template <typename T>
  void Subject(std::string_view, const T&) {}
  template <typename T>
  void Personal(std::string_view, const T&) {}
};

void PutString(std::string* out, std::string_view s) {
  const auto n = static_cast<uint32_t>(s.size());
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out->append(s);
}

// Reads what PutString wrote at `*at`; false when the bytes end too soon.
bool GetString(std::string_view in, size_t* at, std::string_view* s) {
  if (in.size() < *at + 4) return false;
  uint32_t n = 0;
  for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[*at + i]);
  *at += 4;
  if (in.size() < *at + n) return false;
  *s = in.substr(*at, n);
  *at += n;
  return true;
}

constexpr char kFormat = 1;

json NullIfEmpty(std::string_view s) { return s.empty() ? json(nullptr) : json(std::string(s)); }

}  // namespace

std::unique_ptr<Projection> MakeTimeline() { return std::make_unique<TimelineProjection>(); }

// Layout (format 1): format byte; seq, recorded-at, occurred-at (u64 BE each); the event id (16
// bytes); then length-prefixed strings (u32 BE length): type, actor staff, agency, role,
// subject, kinds (comma-separated), basis kind, basis consent, meeting, rule ("" = absent).
std::string EncodeTimelineEntry(const ProjectedEvent& e) {
  const domain::DomainEvent& ev = e.event;
  BasisProbe probe;
  std::visit([&](const auto& p) { std::remove_cvref_t<decltype(p)>::Describe(p, probe); },
             ev.payload);
  std::string out;
  out.reserve(160);
  out.push_back(kFormat);
  AppendU64(&out, e.version + 1);
  AppendU64(&out, static_cast<uint64_t>(ev.recorded_at));
  AppendU64(&out, static_cast<uint64_t>(ev.occurred_at));
  out.append(reinterpret_cast<const char*>(ev.id.bytes.data()), ev.id.bytes.size());
  PutString(&out, domain::TypeOf(ev.payload));
  PutString(&out, ev.actor.staff.value);
  PutString(&out, ev.actor.agency.value);
  PutString(&out, domain::EnumName(ev.actor.role));
  std::optional<domain::PersonId> subject = domain::SubjectOf(ev.payload);
  PutString(&out, subject.has_value() ? std::string_view(subject->value) : std::string_view());
  PutString(&out, domain::KindsOf(ev.payload).ToString());
  if (probe.basis != nullptr) {
    PutString(&out, domain::EnumName(probe.basis->kind));
    PutString(&out, probe.basis->consent.has_value() ? probe.basis->consent->value : "");
    PutString(&out, probe.basis->meeting.has_value() ? probe.basis->meeting->value : "");
  } else {
    PutString(&out, "");
    PutString(&out, "");
    PutString(&out, probe.meeting);
  }
  PutString(&out, probe.rule);
  return out;
}

Result<json> DecodeTimelineEntry(uint64_t position, std::string_view in) {
  constexpr size_t kFixed = 1 + 24 + 16;
  if (in.size() < kFixed || in[0] != kFormat) return DataLoss("a timeline entry is malformed");
  domain::EventId id;
  std::copy(in.begin() + 25, in.begin() + 41, id.bytes.begin());
  size_t at = kFixed;
  std::string_view f[10];
  for (std::string_view& s : f) {
    if (!GetString(in, &at, &s)) return DataLoss("a timeline entry is truncated");
  }
  json kinds = json::array();
  for (size_t start = 0; start < f[5].size();) {
    size_t comma = f[5].find(',', start);
    if (comma == std::string_view::npos) comma = f[5].size();
    kinds.push_back(std::string(f[5].substr(start, comma - start)));
    start = comma + 1;
  }
  json basis = nullptr;
  if (!f[6].empty()) {
    basis = {{"kind", std::string(f[6])},
             {"consent", NullIfEmpty(f[7])},
             {"meeting", NullIfEmpty(f[8])}};
  } else if (!f[8].empty()) {
    basis = {{"meeting", std::string(f[8])}};
  }
  if (!f[9].empty()) {
    if (basis.is_null()) basis = json::object();
    basis["rule"] = std::string(f[9]);
  }
  return json{
      {"position", position},
      {"seq", ReadU64(in, 1)},
      {"recordedAt", static_cast<UnixNanos>(ReadU64(in, 9))},
      {"occurredAt", static_cast<UnixNanos>(ReadU64(in, 17))},
      {"eventId", id.ToHex()},
      {"type", std::string(f[0])},
      {"actor",
       {{"staff", std::string(f[1])}, {"agency", std::string(f[2])}, {"role", std::string(f[3])}}},
      {"subject", NullIfEmpty(f[4])},
      {"kinds", std::move(kinds)},
      {"basis", std::move(basis)},
  };
}

Result<std::vector<json>> ReadTimeline(const ViewReader& reader, const TimelineQuery& q) {
  return internal::ReadPositionIndex(reader, CasePrefix(q.case_id.value),
                                     internal::PositionQuery{q.as_of, q.from_position, q.limit},
                                     &DecodeTimelineEntry);
}

}  // namespace kasane::projections

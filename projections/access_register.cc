#include "projections/access_register.h"

#include "projections/event_json.h"
#include "projections/internal/register_util.h"

namespace kasane::projections {
namespace {

using nlohmann::json;

std::string CasePrefix(std::string_view case_id) { return internal::IdKey('c', case_id); }
std::string StaffPrefix(std::string_view staff) { return internal::IdKey('s', staff); }

class AccessRegister final : public Projection {
 public:
  std::string_view Name() const override { return kAccessRegisterName; }
  uint32_t SchemaVersion() const override { return 2; }  // 2: entries carry `channel`

  Status Apply(const ProjectedEvent& e, Changes& changes) override {
    const auto* a = std::get_if<domain::AccessRecorded>(&e.event.payload);
    if (a == nullptr) return Status::Ok();
    json entry = PayloadJson(e.event.payload, false);
    entry["position"] = e.position;
    entry["eventId"] = e.event.id.ToHex();
    entry["stream"] = e.stream;
    entry["recordedAt"] = e.event.recorded_at;
    entry["occurredAt"] = e.event.occurred_at;
    std::string packed = Pack(entry);
    std::string by_case = CasePrefix(a->case_id.value);
    AppendU64(&by_case, e.position);
    std::string by_staff = StaffPrefix(a->staff.value);
    AppendU64(&by_staff, e.position);
    changes.PutNew(std::move(by_case), packed);
    changes.PutNew(std::move(by_staff), std::move(packed));
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Projection> MakeAccessRegister() { return std::make_unique<AccessRegister>(); }

Result<std::vector<json>> AccessRegisterForCase(const ViewReader& reader,
                                                const domain::CaseId& case_id,
                                                const AccessQuery& q) {
  return internal::ReadPositionIndex(reader, CasePrefix(case_id.value),
                                     internal::PositionQuery{q.as_of, q.from_position, q.limit});
}

Result<std::vector<json>> AccessRegisterForStaff(const ViewReader& reader,
                                                 const domain::StaffId& staff,
                                                 const AccessQuery& q) {
  return internal::ReadPositionIndex(reader, StaffPrefix(staff.value),
                                     internal::PositionQuery{q.as_of, q.from_position, q.limit});
}

}  // namespace kasane::projections

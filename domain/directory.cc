#include "domain/directory.h"

namespace kasane::domain {

const AgencyInfo* Directory::FindAgency(const AgencyId& id) const {
  auto it = agencies.find(id);
  return it == agencies.end() ? nullptr : &it->second;
}

const StaffInfo* Directory::FindStaff(const StaffId& id) const {
  auto it = staff.find(id);
  return it == staff.end() ? nullptr : &it->second;
}

bool Directory::IsActiveActor(const Actor& actor) const {
  const StaffInfo* s = FindStaff(actor.staff);
  return s != nullptr && s->active && s->agency == actor.agency && s->roles.contains(actor.role);
}

bool Directory::HasActiveSecretariat() const {
  for (const auto& [id, s] : staff) {
    if (s.active && s.roles.contains(Role::kSecretariat)) return true;
  }
  return false;
}

Directory EvolveDirectory(Directory d, const DomainEvent& event) {
  if (!IsAdminEvent(event.payload)) return d;
  ++d.version;
  if (const auto* a = std::get_if<AgencyRegistered>(&event.payload)) {
    d.agencies[a->agency] = AgencyInfo{a->agency, a->name, a->kind, a->fields, a->programme_parts};
  } else if (const auto* s = std::get_if<StaffRegistered>(&event.payload)) {
    d.staff[s->staff] = StaffInfo{s->staff, s->agency, s->roles, true};
  } else if (const auto* x = std::get_if<StaffDeactivated>(&event.payload)) {
    auto it = d.staff.find(x->staff);
    if (it != d.staff.end()) it->second.active = false;
  }
  return d;
}

}  // namespace kasane::domain

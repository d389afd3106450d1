// The directory (機関・職員名簿): the admin stream's state, i.e. the registered support agencies
// and their staff with roles. decide consults it to check that an actor is an active staff member
// of their agency with the role they act in, and what kind of agency a discloser is (the tax
// division's information is bound by 地方税法 Art. 22).
//
// EvolveDirectory folds admin events (agency.registered, staff.registered, staff.deactivated)
// into a Directory; it is pure and total (other events are ignored). DecideAdmin (decide.h)
// guards the admin commands.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "domain/events.h"
#include "domain/ids.h"
#include "domain/vocabulary.h"

namespace kasane::domain {

struct AgencyInfo {
  AgencyId id;
  std::string name;
  AgencyKind kind = AgencyKind::kOther;
  std::set<Field> fields;
  std::set<ProgrammePart> programme_parts;
  friend bool operator==(const AgencyInfo&, const AgencyInfo&) = default;
};

struct StaffInfo {
  StaffId id;
  AgencyId agency;
  std::set<Role> roles;
  bool active = true;
  friend bool operator==(const StaffInfo&, const StaffInfo&) = default;
};

struct Directory {
  std::map<AgencyId, AgencyInfo> agencies;
  std::map<StaffId, StaffInfo> staff;
  uint64_t version = 0;  // admin events applied

  // nullptr when not registered.
  const AgencyInfo* FindAgency(const AgencyId& id) const;
  const StaffInfo* FindStaff(const StaffId& id) const;
  // True when `actor` is an active staff member of actor.agency holding actor.role.
  bool IsActiveActor(const Actor& actor) const;
  // True when at least one active staff member holds the secretariat role (after bootstrap).
  bool HasActiveSecretariat() const;

  friend bool operator==(const Directory&, const Directory&) = default;
};

// Applies one event; events other than the admin ones only advance nothing and are ignored.
Directory EvolveDirectory(Directory directory, const DomainEvent& event);

}  // namespace kasane::domain

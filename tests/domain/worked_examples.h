// The three worked examples of DOMAIN.md (from seed 004, the national guide, and seed 001), as
// builders that run every command of the story through a World (tests/domain/fixture.h), so the
// domain tests and the projection tests replay the same story.
//
// Each builder expects a fresh World (case "c-1" not yet opened), leaves the World's state and
// log at the end of the story, and returns the events tests assert on. Commands that must be
// accepted or refused are checked as they run (World::Must / MustRefuse); a failure is reported
// against the builder's line. A caller that writes several stories into one log gives each World
// its own `next_event` range first, so event ids stay unique.
//
// Thread-safety: as World (single-threaded).
//
//   World w;
//   const The8050Household story = Build8050Household(w);
//   EXPECT_EQ(w.See("st-helper", story.discharge).level, ScopeLevel::kFull);
#pragma once

#include <string>
#include <vector>

#include "domain/decide.h"
#include "domain/events.h"
#include "tests/domain/fixture.h"

namespace kasane::domain::testing {

// 8050: father 79 (p-father, needs care, must go to hospital), son 51 (p-son, withdrawn 20+
// years). The father's care manager refers to coordination (r-1, under cn-father); the plan pl-1
// is approved at the 重層的支援会議 m-plan; outreach reaches the son, who consents (cn-son) to
// participation support only; monitoring at 3 months, evaluation at 6, termination at m-end with
// 伴走支援 by the care manager.
struct The8050Household {
  std::vector<std::string> plan_members;  // the members of m-plan (staff ids)
  DomainEvent father_consent;             // consent.recorded cn-father
  UnixNanos drafted_at = 0;
  DomainEvent drafted;      // plan.drafted pl-1 v1 (due dates filled by decide)
  DomainEvent discharge;    // disclosure.made: the hospital's discharge outlook inside m-plan
  DomainEvent approved;     // plan.approved pl-1 v1 at m-plan
  DomainEvent son_consent;  // consent.recorded cn-son (participation support only)
  // disclosure.refused: the son's notes to the home-help provider (rule consent_scope).
  DomainEvent refused_notes;
  DomainEvent to_sanka;    // disclosure.made: the son's employment to participation support
  DomainEvent terminated;  // support.terminated at m-end
};
The8050Household Build8050Household(World& w);

// Four people: father 47 (p-father), mother 45 (p-mother), son 22 (p-son), daughter 14
// (p-daughter, the main person). The daughter's teacher refers; each person's consent (cn-d by
// the mother as proxy, cn-f, cn-m, cn-s) names only the agencies their part of the plan needs.
// Two disclosures are refused (the son's disability to Hello Work, the mother's arrears to the
// school); the plan is approved at m-plan and revised at m-change (a revision at m-plan is
// refused by rule plan_meeting).
struct TheFourPersonHousehold {
  DomainEvent father_work;     // disclosure.made: the father's employment to Hello Work
  DomainEvent son_assessment;  // assessment.recorded by the disability centre
  DomainEvent approved;        // plan.approved pl-1 v1 at m-plan
  DomainEvent revised;         // plan.revised pl-1 v2 at m-change
};
TheFourPersonHousehold BuildFourPersonHousehold(World& w);

// Seed 001: the 民生委員 and the water utility worry about p-x, who refuses contact. Without
// consent a 重層的支援会議 is refused; the 支援会議 m-1 shares what its members know; the tax
// division's attempt to bring tax arrears is refused (rule tax_consent); the hospital worker who
// joins late receives only what is disclosed after they joined.
struct TheSupportMeetingCase {
  std::vector<std::string> members;  // the members of m-1 at convening
  DomainEvent minsei;                // disclosure.made by the 民生委員 (notes)
  DomainEvent water;                 // disclosure.made by the water utility (finance)
  Decision tax;                      // the refused tax disclosure (its event and rejection)
  DomainEvent refusal;               // tax.events[0]: disclosure.refused
  DomainEvent later;                 // disclosure.made after the hospital worker joined
  DomainEvent concluded;             // meeting.concluded m-1
};
TheSupportMeetingCase BuildSupportMeetingTaxRefusal(World& w);

}  // namespace kasane::domain::testing

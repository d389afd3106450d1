# kasane domain event payloads: the stored encoding of every event type in domain/events.h.
#
# One struct per event type; the log envelope stores the type string (the comment above each
# struct, e.g. "case.opened") beside these bytes, encoded canonically (capnp::canonicalize).
#
# Evolution rules (KJ style): fields are only ever added, ordinals never reused or renumbered,
# types never changed. Enumerations are stored as their stable string identifiers (see
# domain/enum_names.h and docs/glossary.md), so a reader needs no ordinal table and the same
# strings appear in the API's JSON. Sets of kinds, roles, fields, purposes are List(Text) in
# declaration order. Optional values are null pointers when absent; an optional time is a Time
# struct. Times are nanoseconds since the Unix epoch (UTC).
#
# Fields marked PERSONAL hold personal content of the data subject named by the nearest
# preceding field marked "data subject" in the same or an enclosing struct (docs/events.md).
# Issue 4 seals those fields per subject; the other fields stay readable metadata.
@0xc999e2aa15f7e102;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("kasane::domain::schema");

struct Time {
  nanos @0 :Int64;
}

struct PersonProfile {
  fullName @0 :Text;
  nameKana @1 :Text;
  birthDate @2 :Text;
  address @3 :Text;
  description @4 :Text;
}

struct HouseholdMember {
  person @0 :Text;  # data subject of the personal fields below
  relation @1 :Text;
  profile @2 :PersonProfile;  # PERSONAL
}

struct DisclosureBasis {
  kind @0 :Text;
  consent @1 :Text;  # optional: null when absent
  meeting @2 :Text;  # optional: null when absent
}

struct Recipient {
  agency @0 :Text;
  staff @1 :Text;  # optional: null when absent
}

struct MeetingMember {
  staff @0 :Text;
  agency @1 :Text;
}

struct PlanRole {
  agency @0 :Text;
  role @1 :Text;  # PERSONAL
  tasks @2 :List(Text);  # PERSONAL
}

struct PlanBody {
  goals @0 :List(Text);  # PERSONAL
  supportDirection @1 :Text;  # PERSONAL
  roles @2 :List(PlanRole);
  monitoringDue @3 :Int64;
  evaluationDue @4 :Int64;
}

# agency.registered
struct AgencyRegistered {
  agency @0 :Text;
  name @1 :Text;
  kind @2 :Text;
  fields @3 :List(Text);
  programmeParts @4 :List(Text);
}

# staff.registered
struct StaffRegistered {
  staff @0 :Text;
  agency @1 :Text;
  roles @2 :List(Text);
}

# staff.deactivated
struct StaffDeactivated {
  staff @0 :Text;
  reason @1 :Text;
}

# case.opened
struct CaseOpened {
  caseId @0 :Text;
  intakeAgency @1 :Text;
  route @2 :Text;
  fields @3 :List(Text);
  mainPerson @4 :Text;  # data subject of the personal fields below
  members @5 :List(HouseholdMember);
  summary @6 :Text;  # PERSONAL
}

# household.member_added
struct HouseholdMemberAdded {
  member @0 :HouseholdMember;
}

# household.member_removed
struct HouseholdMemberRemoved {
  person @0 :Text;  # data subject of the personal fields below
  reason @1 :Text;  # PERSONAL
}

# consent.recorded
struct ConsentRecorded {
  consent @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  grantor @2 :Text;
  proxyRelation @3 :Text;  # optional: null when absent
  proxyName @4 :Text;  # PERSONAL
  form @5 :Text;
  formReference @6 :Text;
  decision @7 :Text;
  recipients @8 :List(Text);
  kinds @9 :List(Text);
  purposes @10 :List(Text);
  validFrom @11 :Int64;
  validUntil @12 :Time;  # optional: null when absent
}

# consent.withdrawn
struct ConsentWithdrawn {
  consent @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  reason @2 :Text;  # PERSONAL
}

# referral.made
struct ReferralMade {
  referral @0 :Text;
  fromAgency @1 :Text;
  toAgency @2 :Text;
  toProgramme @3 :Text;  # optional: null when absent
  moment @4 :Text;
  subject @5 :Text;  # data subject of the personal fields below
  reason @6 :Text;  # PERSONAL
  kindsPassed @7 :List(Text);
  basis @8 :DisclosureBasis;  # optional: null when absent
}

# referral.accepted
struct ReferralAccepted {
  referral @0 :Text;
}

# referral.declined
struct ReferralDeclined {
  referral @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  reason @2 :Text;  # PERSONAL
}

# referral.returned
struct ReferralReturned {
  referral @0 :Text;
  toAgency @1 :Text;
  leadAgency @2 :Text;
  moment @3 :Text;
  subject @4 :Text;  # data subject of the personal fields below
  reason @5 :Text;  # PERSONAL
}

# lead_agency.assigned
struct LeadAgencyAssigned {
  agency @0 :Text;
}

# assessment.recorded
struct AssessmentRecorded {
  subject @0 :Text;  # data subject of the personal fields below
  kinds @1 :List(Text);
  content @2 :Text;  # PERSONAL
}

# meeting.convened
struct MeetingConvened {
  meeting @0 :Text;
  kind @1 :Text;
  purpose @2 :Text;  # optional: null when absent
  heldAt @3 :Int64;
  chair @4 :Text;
  members @5 :List(MeetingMember);
}

# meeting.confidentiality_acknowledged
struct ConfidentialityAcknowledged {
  meeting @0 :Text;
  staff @1 :Text;
  agency @2 :Text;
}

# meeting.member_joined
struct MeetingMemberJoined {
  meeting @0 :Text;
  member @1 :MeetingMember;
}

# meeting.member_left
struct MeetingMemberLeft {
  meeting @0 :Text;
  staff @1 :Text;
}

# meeting.concluded
struct MeetingConcluded {
  meeting @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  supportDirection @2 :Text;  # PERSONAL
  decisions @3 :List(Text);  # PERSONAL
  minutes @4 :Text;  # PERSONAL
  urgentCase @5 :Bool;
}

# disclosure.made
struct DisclosureMade {
  subject @0 :Text;  # data subject of the personal fields below
  discloserAgency @1 :Text;
  discloserStaff @2 :Text;
  kinds @3 :List(Text);
  purpose @4 :Text;
  basis @5 :DisclosureBasis;
  recipients @6 :List(Recipient);
  content @7 :Text;  # PERSONAL
}

# disclosure.refused
struct DisclosureRefused {
  subject @0 :Text;
  attemptedByAgency @1 :Text;
  attemptedByStaff @2 :Text;
  kinds @3 :List(Text);
  purpose @4 :Text;
  basis @5 :DisclosureBasis;  # optional: null when absent
  recipients @6 :List(Recipient);
  rule @7 :Text;
  reason @8 :Text;
}

# plan.drafted
struct PlanDrafted {
  plan @0 :Text;
  version @1 :UInt32;
  subject @2 :Text;  # data subject of the personal fields below
  body @3 :PlanBody;
}

# plan.approved
struct PlanApproved {
  plan @0 :Text;
  version @1 :UInt32;
  meeting @2 :Text;
}

# plan.revised
struct PlanRevised {
  plan @0 :Text;
  version @1 :UInt32;
  meeting @2 :Text;
  subject @3 :Text;  # data subject of the personal fields below
  body @4 :PlanBody;
}

# plan.monitoring_recorded
struct MonitoringRecorded {
  plan @0 :Text;
  version @1 :UInt32;
  subject @2 :Text;  # data subject of the personal fields below
  content @3 :Text;  # PERSONAL
}

# plan.evaluated
struct PlanEvaluated {
  plan @0 :Text;
  version @1 :UInt32;
  subject @2 :Text;  # data subject of the personal fields below
  content @3 :Text;  # PERSONAL
  goalsMet @4 :Bool;
}

# support.terminated
struct SupportTerminated {
  plan @0 :Text;
  meeting @1 :Text;
  accompanyingAgency @2 :Text;
  subject @3 :Text;  # data subject of the personal fields below
  reason @4 :Text;  # PERSONAL
}

# support.suspended
struct SupportSuspended {
  plan @0 :Text;
  meeting @1 :Text;
  subject @2 :Text;  # data subject of the personal fields below
  reason @3 :Text;  # PERSONAL
}

# support.resumed
struct SupportResumed {
  plan @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  reason @2 :Text;  # PERSONAL
}

# outreach.recorded
struct OutreachRecorded {
  subject @0 :Text;  # data subject of the personal fields below
  activity @1 :Text;
  content @2 :Text;  # PERSONAL
}

# participation.matched
struct ParticipationMatched {
  subject @0 :Text;  # data subject of the personal fields below
  resource @1 :Text;
  content @2 :Text;  # PERSONAL
}

# participation.followed_up
struct ParticipationFollowedUp {
  subject @0 :Text;  # data subject of the personal fields below
  content @1 :Text;  # PERSONAL
}

# correction.recorded
struct CorrectionRecorded {
  corrects @0 :Data;
  subject @1 :Text;  # data subject of the personal fields below
  reason @2 :Text;  # PERSONAL
  correctedContent @3 :Text;  # PERSONAL
}

# rights.disclosure_requested
struct DisclosureRequestReceived {
  request @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  details @2 :Text;  # PERSONAL
}

# rights.disclosure_decided
struct DisclosureRequestDecided {
  request @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  decision @2 :Text;
  reason @3 :Text;  # PERSONAL
}

# rights.correction_requested
struct CorrectionRequestReceived {
  request @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  target @2 :Data;  # optional: null when absent
  requestedCorrection @3 :Text;  # PERSONAL
}

# rights.correction_decided
struct CorrectionRequestDecided {
  request @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  decision @2 :Text;
  reason @3 :Text;  # PERSONAL
}

# rights.usage_suspension_requested
struct UsageSuspensionRequested {
  request @0 :Text;
  subject @1 :Text;  # data subject of the personal fields below
  reason @2 :Text;  # PERSONAL
}

# rights.usage_suspension_applied
struct UsageSuspensionApplied {
  request @0 :Text;
  subject @1 :Text;
}

# person.erased
struct PersonErased {
  subject @0 :Text;
  legalBasis @1 :Text;
}

# access.recorded
struct AccessRecorded {
  caseId @0 :Text;
  staff @1 :Text;
  agency @2 :Text;
  role @3 :Text;
  kinds @4 :List(Text);
  basis @5 :Text;
  events @6 :List(Data);
  channel @7 :Text;
}


#include "api/routes.h"

namespace kasane::api {
namespace {

using K = RouteKind;

constexpr RouteSpec kRoutes[] = {
    // Administration (機関・職員名簿). Only secretariat staff (bootstrap: kasane init).
    {"POST", "/v1/agencies", "registerAgency", K::kAdminCommand, "agency.registered",
     "Register a support agency (支援機関)"},
    {"POST", "/v1/staff", "registerStaff", K::kAdminCommand, "staff.registered",
     "Register a staff member (職員) with their roles"},
    {"POST", "/v1/staff/{staffId}/deactivation", "deactivateStaff", K::kAdminCommand,
     "staff.deactivated", "Deactivate a staff member", {{{"staffId", "staff"}}}},
    // Intake and household (受付・世帯).
    {"POST", "/v1/cases", "openCase", K::kCommand, "case.opened",
     "Open a case (相談受付) with its household"},
    {"POST", "/v1/cases/{caseId}/household/members", "addHouseholdMember", K::kCommand,
     "household.member_added", "Add a household member (世帯員)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/household/members/{personId}/removal", "removeHouseholdMember",
     K::kCommand, "household.member_removed", "Remove a household member",
     {{{"caseId", ""}, {"personId", "person"}}}},
    // Consent (本人同意).
    {"POST", "/v1/cases/{caseId}/consents", "recordConsent", K::kCommand, "consent.recorded",
     "Record a consent (本人同意) or its refusal", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/consents/{consentId}/withdrawal", "withdrawConsent", K::kCommand,
     "consent.withdrawn", "Withdraw a consent (同意撤回)",
     {{{"caseId", ""}, {"consentId", "consent"}}}},
    // Referrals (つなぎ).
    {"POST", "/v1/cases/{caseId}/referrals", "makeReferral", K::kCommand, "referral.made",
     "Make a referral (つなぎ) to another agency", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/referrals/{referralId}/acceptance", "acceptReferral",
     K::kCommand, "referral.accepted", "Accept a referral",
     {{{"caseId", ""}, {"referralId", "referral"}}}},
    {"POST", "/v1/cases/{caseId}/referrals/{referralId}/decline", "declineReferral", K::kCommand,
     "referral.declined", "Decline a referral", {{{"caseId", ""}, {"referralId", "referral"}}}},
    {"POST", "/v1/cases/{caseId}/referrals/{referralId}/return", "returnReferral", K::kCommand,
     "referral.returned", "Return a referral to the 多機関協働 coordinator (戻し)",
     {{{"caseId", ""}, {"referralId", "referral"}}}},
    {"POST", "/v1/cases/{caseId}/lead-agency", "assignLeadAgency", K::kCommand,
     "lead_agency.assigned", "Assign the lead agency (主担当機関)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/assessments", "recordAssessment", K::kCommand,
     "assessment.recorded", "Record an assessment (アセスメント)", {{{"caseId", ""}}}},
    // Meetings (支援会議, 重層的支援会議).
    {"POST", "/v1/cases/{caseId}/meetings", "conveneMeeting", K::kCommand, "meeting.convened",
     "Convene a meeting (支援会議 or 重層的支援会議)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/meetings/{meetingId}/acknowledgements",
     "acknowledgeConfidentiality", K::kCommand, "meeting.confidentiality_acknowledged",
     "Acknowledge the meeting's duty of confidentiality (守秘義務)",
     {{{"caseId", ""}, {"meetingId", "meeting"}}}},
    {"POST", "/v1/cases/{caseId}/meetings/{meetingId}/members", "joinMeeting", K::kCommand,
     "meeting.member_joined", "A member joins a meeting", {{{"caseId", ""}, {"meetingId", "meeting"}}}},
    {"POST", "/v1/cases/{caseId}/meetings/{meetingId}/departures", "leaveMeeting", K::kCommand,
     "meeting.member_left", "A member leaves a meeting", {{{"caseId", ""}, {"meetingId", "meeting"}}}},
    {"POST", "/v1/cases/{caseId}/meetings/{meetingId}/conclusion", "concludeMeeting", K::kCommand,
     "meeting.concluded", "Conclude a meeting with its decisions and minutes",
     {{{"caseId", ""}, {"meetingId", "meeting"}}}},
    {"POST", "/v1/cases/{caseId}/disclosures", "disclose", K::kCommand, "disclosure.made",
     "Disclose information (情報提供) on a legal basis", {{{"caseId", ""}}}},
    // The support plan (支援プラン).
    {"POST", "/v1/cases/{caseId}/plans", "draftPlan", K::kCommand, "plan.drafted",
     "Draft a support plan (プラン案)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/plans/{planId}/approval", "approvePlan", K::kCommand,
     "plan.approved", "Approve a plan through a concluded 重層的支援会議",
     {{{"caseId", ""}, {"planId", "plan"}}}},
    {"POST", "/v1/cases/{caseId}/plans/{planId}/revisions", "revisePlan", K::kCommand,
     "plan.revised", "Revise a plan through a concluded 重層的支援会議",
     {{{"caseId", ""}, {"planId", "plan"}}}},
    {"POST", "/v1/cases/{caseId}/plans/{planId}/monitoring", "recordMonitoring", K::kCommand,
     "plan.monitoring_recorded", "Record monitoring (モニタリング)",
     {{{"caseId", ""}, {"planId", "plan"}}}},
    {"POST", "/v1/cases/{caseId}/plans/{planId}/evaluations", "evaluatePlan", K::kCommand,
     "plan.evaluated", "Evaluate a plan (評価)", {{{"caseId", ""}, {"planId", "plan"}}}},
    {"POST", "/v1/cases/{caseId}/termination", "terminateSupport", K::kCommand,
     "support.terminated", "Terminate support (終結)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/suspension", "suspendSupport", K::kCommand, "support.suspended",
     "Suspend support (中断)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/resumption", "resumeSupport", K::kCommand, "support.resumed",
     "Resume suspended support (再開)", {{{"caseId", ""}}}},
    // Outreach and participation (アウトリーチ, 参加支援).
    {"POST", "/v1/cases/{caseId}/outreach", "recordOutreach", K::kCommand, "outreach.recorded",
     "Record an outreach activity (アウトリーチ)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/participation/matches", "matchParticipation", K::kCommand,
     "participation.matched", "Match a participation resource (参加支援)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/participation/follow-ups", "followUpParticipation",
     K::kCommand, "participation.followed_up", "Follow up a participation (定着支援)",
     {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/corrections", "recordCorrection", K::kCommand,
     "correction.recorded", "Correct an earlier event (訂正; nothing is edited)", {{{"caseId", ""}}}},
    // The person's rights under the APPI (個人情報保護法: 開示・訂正・利用停止).
    {"POST", "/v1/cases/{caseId}/rights/disclosure-requests", "requestDisclosure", K::kCommand,
     "rights.disclosure_requested", "The person asks to see their record (開示請求)",
     {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/rights/disclosure-requests/{requestId}/decision",
     "decideDisclosureRequest", K::kCommand, "rights.disclosure_decided",
     "Decide a disclosure request (開示決定)", {{{"caseId", ""}, {"requestId", "request"}}}},
    {"POST", "/v1/cases/{caseId}/rights/correction-requests", "requestCorrection", K::kCommand,
     "rights.correction_requested", "The person asks for a correction (訂正請求)",
     {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/rights/correction-requests/{requestId}/decision",
     "decideCorrectionRequest", K::kCommand, "rights.correction_decided",
     "Decide a correction request (訂正決定)", {{{"caseId", ""}, {"requestId", "request"}}}},
    {"POST", "/v1/cases/{caseId}/rights/usage-suspension-requests", "requestUsageSuspension",
     K::kCommand, "rights.usage_suspension_requested",
     "The person asks to stop the use of their information (利用停止請求)", {{{"caseId", ""}}}},
    {"POST", "/v1/cases/{caseId}/rights/usage-suspension-requests/{requestId}/application",
     "applyUsageSuspension", K::kCommand, "rights.usage_suspension_applied",
     "Apply a usage suspension (利用停止)", {{{"caseId", ""}, {"requestId", "request"}}}},
    {"POST", "/v1/cases/{caseId}/erasures", "erasePerson", K::kCommand, "person.erased",
     "Erase a person's content (消去; crypto-shredding, proofs stay valid)", {{{"caseId", ""}}}},

    // Views (scoped by the 守秘義務 policy; content reads are recorded first).
    {"GET", "/v1/cases/{caseId}", "getCase", K::kView, "", "The case view (ケースの現況)",
     {{{"caseId", ""}}}},
    {"GET", "/v1/cases/{caseId}/timeline", "getTimeline", K::kView, "",
     "The case timeline (経過記録), optionally as of a position or time", {{{"caseId", ""}}}},
    {"GET", "/v1/cases/{caseId}/accesses", "getCaseAccesses", K::kView, "",
     "Who read this case's personal content (閲覧記録)", {{{"caseId", ""}}}},
    {"GET", "/v1/cases/{caseId}/audit-bundle", "getAuditBundle", K::kProof, "",
     "The case's audit bundle: events, inclusion proofs and a signed checkpoint",
     {{{"caseId", ""}}}},
    {"GET", "/v1/persons/{personId}/consents", "getConsentRegister", K::kView, "",
     "The person's consents (同意台帳)", {{{"personId", ""}}}},
    {"GET", "/v1/persons/{personId}/disclosures", "getDisclosureRegister", K::kView, "",
     "Every crossing of the person's information (情報提供記録)", {{{"personId", ""}}}},
    {"GET", "/v1/staff/{staffId}/accesses", "getStaffAccesses", K::kView, "",
     "What a staff member read (閲覧記録)", {{{"staffId", ""}}}},
    {"GET", "/v1/monitoring-due", "getMonitoringDue", K::kView, "",
     "Plans whose monitoring or evaluation is due (モニタリング予定)"},
    {"GET", "/v1/statistics", "getStatistics", K::kView, "",
     "Statistics for 事業評価 (JSON, or CSV with Accept: text/csv)"},
    // Proofs (transparency log).
    {"GET", "/v1/log/checkpoint", "getCheckpoint", K::kProof, "",
     "The latest signed checkpoint (signed note)"},
    {"GET", "/v1/log/verifier-key", "getVerifierKey", K::kProof, "",
     "The signed-note verifier key"},
    {"GET", "/v1/log/inclusion", "getInclusionProof", K::kProof, "",
     "An RFC 9162 inclusion proof of a position in a tree size"},
    {"GET", "/v1/log/consistency", "getConsistencyProof", K::kProof, "",
     "An RFC 9162 consistency proof between two tree sizes"},
    // The change feed.
    {"GET", "/v1/feed", "getFeed", K::kFeed, "",
     "The change feed: long-poll JSON or Server-Sent Events, scoped to the reader"},
    // Operations.
    {"GET", "/v1/health", "getHealth", K::kOps, "", "Liveness and projection lag"},
    {"GET", "/v1/metrics", "getMetrics", K::kOps, "", "Prometheus metrics"},
    {"GET", "/v1/openapi.json", "getOpenApi", K::kOps, "", "This API's OpenAPI 3.1 document"},
};

}  // namespace

std::span<const RouteSpec> Routes() { return kRoutes; }

const RouteSpec* CommandRouteFor(std::string_view event_type) {
  for (const RouteSpec& r : kRoutes) {
    if ((r.kind == RouteKind::kCommand || r.kind == RouteKind::kAdminCommand) &&
        r.event_type == event_type)
      return &r;
  }
  return nullptr;
}

}  // namespace kasane::api

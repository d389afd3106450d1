// The domain's small enumerations: roles, fields, agency kinds, programme parts, meeting kinds
// and purposes, disclosure bases, consent forms, purposes, and the other closed lists the event
// payloads name. Each has stable string identifiers (EnumName / ParseEnum in enum_names.h);
// docs/glossary.md gives the Japanese term beside each.
//
// Thread-safety: constants only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "domain/enum_names.h"

namespace kasane::domain {

// The role a principal acts in (token-bound; see scope_policy.h).
enum class Role : uint8_t {
  kCaseworker,   // 相談支援員: staff of a support agency
  kCoordinator,  // 多機関協働事業の担当者 (相談支援包括化推進員)
  kSecretariat,  // 事務局: the municipal division running the programme (e.g. 福祉政策課)
  kAuditor,      // 監査: sees metadata only
  kApp,          // a read-only consumer application
};
template <>
struct EnumTraits<Role> {
  static constexpr std::string_view kWhat = "role";
  static constexpr std::array<std::pair<Role, std::string_view>, 5> kNames{{
      {Role::kCaseworker, "caseworker"},
      {Role::kCoordinator, "coordinator"},
      {Role::kSecretariat, "secretariat"},
      {Role::kAuditor, "auditor"},
      {Role::kApp, "app"},
  }};
};

// 分野: the fields the programme integrates (Art. 106-4).
enum class Field : uint8_t {
  kElderlyCare,  // 高齢・介護
  kDisability,   // 障がい
  kChildren,     // 子ども
  kPoverty,      // 生活困窮
  kOther,        // その他 (health, housing, employment, ...)
};
template <>
struct EnumTraits<Field> {
  static constexpr std::string_view kWhat = "field";
  static constexpr std::array<std::pair<Field, std::string_view>, 5> kNames{{
      {Field::kElderlyCare, "elderly_care"},
      {Field::kDisability, "disability"},
      {Field::kChildren, "children"},
      {Field::kPoverty, "poverty"},
      {Field::kOther, "other"},
  }};
};

// 支援関係機関の種類.
enum class AgencyKind : uint8_t {
  kCommunityGeneralSupportCenter,  // 地域包括支援センター
  kDisabilityConsultation,         // 基幹相談支援センター / 相談支援事業所
  kChildFamilyCenter,              // 子ども家庭センター / 利用者支援事業
  kSelfRelianceSupport,            // 自立相談支援機関
  kSocialWelfareCouncil,           // 社会福祉協議会
  kMunicipalDivision,              // 市町村の課 (e.g. 福祉政策課, 水道課)
  kTaxDivision,                    // 税務課: its information is bound by 地方税法 Art. 22
  kSchool,                         // 学校
  kHelloWork,                      // ハローワーク (公共職業安定所)
  kHospital,                       // 医療機関
  kWelfareCommissioner,            // 民生委員・児童委員
  kCareManagementOffice,           // 居宅介護支援事業所 (care manager)
  kServiceProvider,                // 福祉サービス事業所
  kOther,                          // その他
};
template <>
struct EnumTraits<AgencyKind> {
  static constexpr std::string_view kWhat = "agency kind";
  static constexpr std::array<std::pair<AgencyKind, std::string_view>, 14> kNames{{
      {AgencyKind::kCommunityGeneralSupportCenter, "community_general_support_center"},
      {AgencyKind::kDisabilityConsultation, "disability_consultation"},
      {AgencyKind::kChildFamilyCenter, "child_family_center"},
      {AgencyKind::kSelfRelianceSupport, "self_reliance_support"},
      {AgencyKind::kSocialWelfareCouncil, "social_welfare_council"},
      {AgencyKind::kMunicipalDivision, "municipal_division"},
      {AgencyKind::kTaxDivision, "tax_division"},
      {AgencyKind::kSchool, "school"},
      {AgencyKind::kHelloWork, "hello_work"},
      {AgencyKind::kHospital, "hospital"},
      {AgencyKind::kWelfareCommissioner, "welfare_commissioner"},
      {AgencyKind::kCareManagementOffice, "care_management_office"},
      {AgencyKind::kServiceProvider, "service_provider"},
      {AgencyKind::kOther, "other"},
  }};
};

// The programme's parts, Art. 106-4 para 2 items 1-6.
enum class ProgrammePart : uint8_t {
  kComprehensiveConsultation,  // 1 包括的相談支援事業
  kParticipationSupport,       // 2 参加支援事業
  kCommunityBuilding,          // 3 地域づくりに向けた支援事業
  kOutreach,                   // 4 アウトリーチ等を通じた継続的支援事業
  kMultiAgencyCoordination,    // 5 多機関協働事業
  kSupportPlan,                // 6 支援プランの作成
};
template <>
struct EnumTraits<ProgrammePart> {
  static constexpr std::string_view kWhat = "programme part";
  static constexpr std::array<std::pair<ProgrammePart, std::string_view>, 6> kNames{{
      {ProgrammePart::kComprehensiveConsultation, "comprehensive_consultation"},
      {ProgrammePart::kParticipationSupport, "participation_support"},
      {ProgrammePart::kCommunityBuilding, "community_building"},
      {ProgrammePart::kOutreach, "outreach"},
      {ProgrammePart::kMultiAgencyCoordination, "multi_agency_coordination"},
      {ProgrammePart::kSupportPlan, "support_plan"},
  }};
};

// 相談経路: how a consultation reached the intake agency.
enum class IntakeRoute : uint8_t {
  kWalkIn,           // 来所
  kPhone,            // 電話
  kHomeVisit,        // 訪問
  kAgencyReferral,   // 関係機関からのつなぎ
  kOutreach,         // アウトリーチ
  kCommunityReport,  // 地域住民・民生委員からの情報提供
};
template <>
struct EnumTraits<IntakeRoute> {
  static constexpr std::string_view kWhat = "intake route";
  static constexpr std::array<std::pair<IntakeRoute, std::string_view>, 6> kNames{{
      {IntakeRoute::kWalkIn, "walk_in"},
      {IntakeRoute::kPhone, "phone"},
      {IntakeRoute::kHomeVisit, "home_visit"},
      {IntakeRoute::kAgencyReferral, "agency_referral"},
      {IntakeRoute::kOutreach, "outreach"},
      {IntakeRoute::kCommunityReport, "community_report"},
  }};
};

// 続柄: a household member's relation to the main person (本人), or a proxy's relation.
enum class Relation : uint8_t {
  kSelf,           // 本人
  kSpouse,         // 配偶者
  kParent,         // 親
  kChild,          // 子
  kSibling,        // きょうだい
  kGrandparent,    // 祖父母
  kGrandchild,     // 孫
  kOtherRelative,  // その他の親族
  kGuardian,       // 成年後見人等
  kOther,          // その他
};
template <>
struct EnumTraits<Relation> {
  static constexpr std::string_view kWhat = "relation";
  static constexpr std::array<std::pair<Relation, std::string_view>, 10> kNames{{
      {Relation::kSelf, "self"},
      {Relation::kSpouse, "spouse"},
      {Relation::kParent, "parent"},
      {Relation::kChild, "child"},
      {Relation::kSibling, "sibling"},
      {Relation::kGrandparent, "grandparent"},
      {Relation::kGrandchild, "grandchild"},
      {Relation::kOtherRelative, "other_relative"},
      {Relation::kGuardian, "guardian"},
      {Relation::kOther, "other"},
  }};
};

// The five hand-off moments between the intake agency and 多機関協働事業 (seed 004).
enum class HandoffMoment : uint8_t {
  kReferralToCoordination,   // (1) 多機関協働事業へのつなぎ (支援依頼)
  kMeetingDeliberation,      // (2) 重層的支援会議での協議
  kReturnToReferrer,         // (3) 紹介元へのつなぎもどし
  kCollaborationDuringPlan,  // (4) プラン実行中の連携
  kReturnAfterCoordination,  // (5) 支援終結後のつなぎもどし
};
template <>
struct EnumTraits<HandoffMoment> {
  static constexpr std::string_view kWhat = "hand-off moment";
  static constexpr std::array<std::pair<HandoffMoment, std::string_view>, 5> kNames{{
      {HandoffMoment::kReferralToCoordination, "referral_to_coordination"},
      {HandoffMoment::kMeetingDeliberation, "meeting_deliberation"},
      {HandoffMoment::kReturnToReferrer, "return_to_referrer"},
      {HandoffMoment::kCollaborationDuringPlan, "collaboration_during_plan"},
      {HandoffMoment::kReturnAfterCoordination, "return_after_coordination"},
  }};
};

enum class MeetingKind : uint8_t {
  kSupportMeeting,              // 支援会議 (社会福祉法 Art. 106-6): no consent needed
  kMultiLayeredSupportMeeting,  // 重層的支援会議: cases with consent; decides plans
};
template <>
struct EnumTraits<MeetingKind> {
  static constexpr std::string_view kWhat = "meeting kind";
  static constexpr std::array<std::pair<MeetingKind, std::string_view>, 2> kNames{{
      {MeetingKind::kSupportMeeting, "support_meeting"},
      {MeetingKind::kMultiLayeredSupportMeeting, "multi_layered_support_meeting"},
  }};
};

// The four timings of a 重層的支援会議.
enum class MeetingPurpose : uint8_t {
  kPlanCreation,  // ① プラン策定時
  kPlanChange,    // ② プラン変更時
  kTermination,   // ③ 支援終結を判断する時
  kSuspension,    // ④ 支援中断を決定する時
};
template <>
struct EnumTraits<MeetingPurpose> {
  static constexpr std::string_view kWhat = "meeting purpose";
  static constexpr std::array<std::pair<MeetingPurpose, std::string_view>, 4> kNames{{
      {MeetingPurpose::kPlanCreation, "plan_creation"},
      {MeetingPurpose::kPlanChange, "plan_change"},
      {MeetingPurpose::kTermination, "termination"},
      {MeetingPurpose::kSuspension, "suspension"},
  }};
};

// The legal basis of a disclosure (DOMAIN.md rule 2).
enum class BasisKind : uint8_t {
  kConsent,         // 本人同意, by consent id
  kSupportMeeting,  // 支援会議 (Art. 106-6), by meeting id
  kUrgentCase,      // 緊急性がある事案, decided in a concluded 支援会議
};
template <>
struct EnumTraits<BasisKind> {
  static constexpr std::string_view kWhat = "disclosure basis";
  static constexpr std::array<std::pair<BasisKind, std::string_view>, 3> kNames{{
      {BasisKind::kConsent, "consent"},
      {BasisKind::kSupportMeeting, "support_meeting"},
      {BasisKind::kUrgentCase, "urgent_case"},
  }};
};

enum class ConsentForm : uint8_t {
  kWritten,  // 書面 (e.g. 相談受付申込票)
  kOral,     // 口頭
};
template <>
struct EnumTraits<ConsentForm> {
  static constexpr std::string_view kWhat = "consent form";
  static constexpr std::array<std::pair<ConsentForm, std::string_view>, 2> kNames{{
      {ConsentForm::kWritten, "written"},
      {ConsentForm::kOral, "oral"},
  }};
};

enum class Grantor : uint8_t {
  kSelf,   // 本人
  kProxy,  // 代理人
};
template <>
struct EnumTraits<Grantor> {
  static constexpr std::string_view kWhat = "grantor";
  static constexpr std::array<std::pair<Grantor, std::string_view>, 2> kNames{{
      {Grantor::kSelf, "self"},
      {Grantor::kProxy, "proxy"},
  }};
};

enum class ConsentDecision : uint8_t {
  kPermit,  // 同意する
  kDeny,    // 同意しない
};
template <>
struct EnumTraits<ConsentDecision> {
  static constexpr std::string_view kWhat = "consent decision";
  static constexpr std::array<std::pair<ConsentDecision, std::string_view>, 2> kNames{{
      {ConsentDecision::kPermit, "permit"},
      {ConsentDecision::kDeny, "deny"},
  }};
};

// 利用目的: what shared information may be used for.
enum class Purpose : uint8_t {
  kAssessment,       // アセスメント
  kReferral,         // つなぎ
  kSupportPlanning,  // 支援プランの作成・変更 (and the 重層的支援会議 deciding it)
  kSupportDelivery,       // 支援の実施
  kMonitoring,            // モニタリング・評価
  kParticipationSupport,  // 参加支援
};
template <>
struct EnumTraits<Purpose> {
  static constexpr std::string_view kWhat = "purpose";
  static constexpr std::array<std::pair<Purpose, std::string_view>, 6> kNames{{
      {Purpose::kAssessment, "assessment"},
      {Purpose::kReferral, "referral"},
      {Purpose::kSupportPlanning, "support_planning"},
      {Purpose::kSupportDelivery, "support_delivery"},
      {Purpose::kMonitoring, "monitoring"},
      {Purpose::kParticipationSupport, "participation_support"},
  }};
};

// アウトリーチの段階.
enum class OutreachActivity : uint8_t {
  kPreparation,           // 事前調整
  kRelationshipBuilding,  // 関係性構築 (letters, messages)
  kHomeVisit,             // 家庭訪問
  kAccompanying,          // 同行支援
  kClosure,               // 終結
};
template <>
struct EnumTraits<OutreachActivity> {
  static constexpr std::string_view kWhat = "outreach activity";
  static constexpr std::array<std::pair<OutreachActivity, std::string_view>, 5> kNames{{
      {OutreachActivity::kPreparation, "preparation"},
      {OutreachActivity::kRelationshipBuilding, "relationship_building"},
      {OutreachActivity::kHomeVisit, "home_visit"},
      {OutreachActivity::kAccompanying, "accompanying"},
      {OutreachActivity::kClosure, "closure"},
  }};
};

// The outcome of an APPI rights request (開示決定, 訂正決定).
enum class RequestDecision : uint8_t {
  kGranted,           // 全部開示 / 訂正する
  kPartiallyGranted,  // 部分開示 / 一部訂正
  kRefused,           // 不開示 / 訂正しない
};
template <>
struct EnumTraits<RequestDecision> {
  static constexpr std::string_view kWhat = "request decision";
  static constexpr std::array<std::pair<RequestDecision, std::string_view>, 3> kNames{{
      {RequestDecision::kGranted, "granted"},
      {RequestDecision::kPartiallyGranted, "partially_granted"},
      {RequestDecision::kRefused, "refused"},
  }};
};

}  // namespace kasane::domain

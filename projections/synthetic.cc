#include "projections/synthetic.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/random.h"
#include "domain/case_state.h"
#include "domain/decide.h"
#include "domain/directory.h"
#include "domain/events.h"
#include "domain/scope_policy.h"
#include "domain/settings.h"
#include "projections/event_codec.h"

namespace kasane::projections {
namespace {

using domain::AgencyId;
using domain::AgencyKind;
using domain::BasisKind;
using domain::CaseId;
using domain::ConsentId;
using domain::DisclosureBasis;
using domain::DomainEvent;
using domain::Field;
using domain::InformationKind;
using domain::KindSet;
using domain::MeetingId;
using domain::MeetingKind;
using domain::MeetingMember;
using domain::MeetingPurpose;
using domain::OutreachActivity;
using domain::Payload;
using domain::PersonId;
using domain::PlanId;
using domain::Purpose;
using domain::Recipient;
using domain::ReferralId;
using domain::Relation;
using domain::RequestId;
using domain::Role;
using domain::StaffId;
using K = InformationKind;

constexpr UnixNanos kSecond = 1'000'000'000;
constexpr UnixNanos kMinute = 60 * kSecond;
constexpr UnixNanos kHour = 60 * kMinute;
constexpr UnixNanos kDay = 24 * kHour;
constexpr UnixNanos kJst = 9 * kHour;

constexpr std::string_view kAdminStream = "admin";
constexpr size_t kRecentEvents = 4;  // what one read shows (for access records)

// splitmix64: the generator's only source of choices, so a seed gives one workload.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  UnixNanos Gap(UnixNanos lo, UnixNanos hi) {
    return lo + static_cast<UnixNanos>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }

 private:
  uint64_t state_;
};

// --- the municipality --------------------------------------------------------------------------

struct AgencySpec {
  const char* id;
  const char* name;
  AgencyKind kind;
  Role role;
  int staff;
  std::set<Field> fields;
  std::set<domain::ProgrammePart> parts;
};

const std::vector<AgencySpec>& Agencies() {
  using P = domain::ProgrammePart;
  static const std::vector<AgencySpec> kAgencies = {
      {"ag-fukushi", "福祉政策課", AgencyKind::kMunicipalDivision, Role::kSecretariat, 3, {}, {}},
      {"ag-takikan",
       "多機関協働事業 (社協)",
       AgencyKind::kSocialWelfareCouncil,
       Role::kCoordinator,
       4,
       {},
       {P::kMultiAgencyCoordination, P::kSupportPlan}},
      {"ag-kyotaku",
       "居宅介護支援事業所",
       AgencyKind::kCareManagementOffice,
       Role::kCaseworker,
       6,
       {Field::kElderlyCare},
       {}},
      {"ag-houkatsu",
       "地域包括支援センター",
       AgencyKind::kCommunityGeneralSupportCenter,
       Role::kCaseworker,
       6,
       {Field::kElderlyCare},
       {P::kComprehensiveConsultation}},
      {"ag-hospital", "市立病院 地域連携室", AgencyKind::kHospital, Role::kCaseworker, 3, {}, {}},
      {"ag-homehelp",
       "訪問介護事業所",
       AgencyKind::kServiceProvider,
       Role::kCaseworker,
       3,
       {Field::kElderlyCare, Field::kDisability},
       {}},
      {"ag-outreach",
       "アウトリーチ支援員 (社協)",
       AgencyKind::kSocialWelfareCouncil,
       Role::kCaseworker,
       3,
       {},
       {P::kOutreach}},
      {"ag-sanka",
       "参加支援 (社協)",
       AgencyKind::kSocialWelfareCouncil,
       Role::kCaseworker,
       3,
       {},
       {P::kParticipationSupport}},
      {"ag-tax", "税務課", AgencyKind::kTaxDivision, Role::kCaseworker, 2, {}, {}},
      {"ag-water", "水道課", AgencyKind::kMunicipalDivision, Role::kCaseworker, 2, {}, {}},
      {"ag-minsei", "民生委員", AgencyKind::kWelfareCommissioner, Role::kCaseworker, 8, {}, {}},
      {"ag-school",
       "市立中学校",
       AgencyKind::kSchool,
       Role::kCaseworker,
       4,
       {Field::kChildren},
       {}},
      {"ag-hellowork", "ハローワーク", AgencyKind::kHelloWork, Role::kCaseworker, 2, {}, {}},
      {"ag-jiritsu",
       "自立相談支援機関",
       AgencyKind::kSelfRelianceSupport,
       Role::kCaseworker,
       4,
       {Field::kPoverty},
       {P::kComprehensiveConsultation}},
      {"ag-shougai",
       "基幹相談支援センター",
       AgencyKind::kDisabilityConsultation,
       Role::kCaseworker,
       4,
       {Field::kDisability},
       {P::kComprehensiveConsultation}},
      {"ag-kodomo",
       "子ども家庭センター",
       AgencyKind::kChildFamilyCenter,
       Role::kCaseworker,
       4,
       {Field::kChildren},
       {P::kComprehensiveConsultation}},
      {"ag-audit", "監査委員事務局", AgencyKind::kMunicipalDivision, Role::kAuditor, 1, {}, {}},
  };
  return kAgencies;
}

const AgencyId kSecretariat("ag-fukushi");
const AgencyId kCoordination("ag-takikan");
const AgencyId kOutreachAgency("ag-outreach");
const AgencyId kParticipationAgency("ag-sanka");
const AgencyId kTaxAgency("ag-tax");

// What each field brings: where intake happens, which agencies take roles, which kinds matter.
struct FieldProfile {
  Field field;
  std::vector<AgencyId> intake;
  std::vector<AgencyId> roles;
  std::vector<InformationKind> kinds;
};

const std::vector<FieldProfile>& FieldProfiles() {
  auto ids = [](std::initializer_list<const char*> l) {
    std::vector<AgencyId> out;
    for (const char* s : l) out.emplace_back(s);
    return out;
  };
  static const std::vector<FieldProfile> kProfiles = {
      {Field::kElderlyCare,
       ids({"ag-houkatsu", "ag-kyotaku", "ag-hospital"}),
       ids({"ag-houkatsu", "ag-kyotaku", "ag-hospital", "ag-homehelp", "ag-minsei"}),
       {K::kHealth, K::kCare, K::kHousehold}},
      {Field::kDisability,
       ids({"ag-shougai", "ag-hospital"}),
       ids({"ag-shougai", "ag-homehelp", "ag-hellowork", "ag-sanka"}),
       {K::kDisability, K::kHealth, K::kEmployment}},
      {Field::kChildren,
       ids({"ag-school", "ag-kodomo"}),
       ids({"ag-school", "ag-kodomo", "ag-sanka", "ag-minsei"}),
       {K::kEducation, K::kChildWelfare, K::kHousehold}},
      {Field::kPoverty,
       ids({"ag-jiritsu", "ag-water", "ag-minsei"}),
       ids({"ag-jiritsu", "ag-hellowork", "ag-sanka", "ag-minsei"}),
       {K::kFinance, K::kEmployment, K::kHousing}},
      {Field::kOther,
       ids({"ag-minsei", "ag-hospital", "ag-jiritsu"}),
       ids({"ag-outreach", "ag-sanka", "ag-hospital", "ag-jiritsu"}),
       {K::kHealth, K::kHousing, K::kNotes}},
  };
  return kProfiles;
}

const FieldProfile& ProfileOf(Field f) {
  for (const FieldProfile& p : FieldProfiles()) {
    if (p.field == f) return p;
  }
  return FieldProfiles().back();
}

// --- synthetic text ----------------------------------------------------------------------------

// Personal content is synthetic but treated as personal: it is sealed, and never printed.
// Three-byte characters only, so any cut at a multiple of 3 is valid UTF-8.
const std::string& Filler() {
  static const std::string kFiller = [] {
    const std::string phrase =
        "本人と面談し生活状況と今後の支援について確認した家族の協力が得られるよう調整を続ける"
        "関係機関と情報を共有し次回の訪問日程を決めた体調に変化はなく表情は穏やかであった";
    std::string s;
    while (s.size() < 6000) s += phrase;
    return s;
  }();
  return kFiller;
}

std::string Text(Rng& rng, std::string_view label, size_t min_chars, size_t max_chars) {
  const size_t chars = min_chars + rng.Below(max_chars - min_chars + 1);
  const size_t max_offset = Filler().size() / 3 - chars;
  const size_t offset = rng.Below(max_offset) * 3;
  std::string out(label);
  out += ' ';
  out.append(Filler(), offset, chars * 3);
  return out;
}

std::string Pad(uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

// "yyyymmdd" of `t` on the JST calendar.
std::string JstDay(UnixNanos t) {
  int64_t days = (t + kJst) / kDay;
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return Pad(static_cast<uint64_t>(y), 4) + Pad(static_cast<uint64_t>(m), 2) +
         Pad(static_cast<uint64_t>(d), 2);
}

// --- the appender pool -------------------------------------------------------------------------

// One stream's events of one window, appended in one call.
struct PendingAppend {
  std::string stream;
  eventstore::ExpectedVersion expected = eventstore::ExpectedVersion::Any();
  std::vector<DomainEvent> events;
};

// Appends the streams of one window from several threads (sealing each event first); the
// generator fills the next window meanwhile.
class AppendPool {
 public:
  AppendPool(eventstore::EventLog& log, int threads) : log_(&log) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Run(); });
  }
  ~AppendPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  AppendPool(const AppendPool&) = delete;
  AppendPool& operator=(const AppendPool&) = delete;

  // Waits for the window being appended, then starts on `window`. Returns the finished window's
  // status.
  Status Submit(std::vector<PendingAppend> window) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_ == batch_.size(); });
    if (!status_.ok()) return status_;
    batch_ = std::move(window);
    next_ = 0;
    done_ = 0;
    work_cv_.notify_all();
    return Status::Ok();
  }
  // Waits until the current window is appended; its status.
  Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_ == batch_.size(); });
    return status_;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return stop_ || next_ < batch_.size(); });
      if (stop_) return;
      PendingAppend& job = batch_[next_++];
      bool skip = !status_.ok();
      lock.unlock();
      Status st = skip ? Status::Ok() : Append(job);
      lock.lock();
      if (!st.ok() && status_.ok()) status_ = std::move(st);
      if (++done_ == batch_.size()) done_cv_.notify_all();
    }
  }

  Status Append(PendingAppend& job) {
    std::vector<eventstore::NewEvent> events;
    events.reserve(job.events.size());
    for (DomainEvent& e : job.events) {
      KASANE_ASSIGN_OR_RETURN(eventstore::NewEvent ne, ToLogEvent(std::move(e), *log_));
      events.push_back(std::move(ne));
    }
    return log_->Append(job.stream, job.expected, std::move(events)).status();
  }

  eventstore::EventLog* log_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<PendingAppend> batch_;
  size_t next_ = 0;
  size_t done_ = 0;
  Status status_ = Status::Ok();
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// --- one case ----------------------------------------------------------------------------------

// What a case does next. Each step is one command (or none when it no longer applies).
enum class Op : uint8_t {
  kOpen,
  kConsentMain,
  kConsentMember,
  kConsentDenyMember,
  kOutreach,
  kReferral,
  kReferralRefused,
  kAccept,
  kDecline,
  kLead,
  kAssessment,
  kDisclose,
  kDiscloseRefused,
  kMemberAdd,
  kMemberRemove,
  kDraft,
  kConvene,
  kAck,
  kMeetingDisclose,
  kTaxAttempt,
  kJoin,
  kAckJoined,
  kLeave,
  kConclude,
  kUrgentDisclose,
  kApprove,
  kRevise,
  kSuspend,
  kResume,
  kTerminate,
  kReturn,
  kMonitoring,
  kEvaluation,
  kParticipationMatch,
  kParticipationFollowUp,
  kCorrection,
  kDisclosureRequest,
  kDisclosureDecision,
  kCorrectionRequest,
  kCorrectionDecision,
  kUsageRequest,
  kUsageApply,
  kWithdrawConsent,
};

struct Step {
  Op op;
  int arg = 0;
  UnixNanos gap = 0;         // after the previous step
  UnixNanos not_before = 0;  // absolute (monitoring and evaluation due dates)
};

enum class Phase : uint8_t {
  kStart,
  kSupportMeeting,
  kLateConsent,
  kCloseWithoutConsent,
  kReferral,
  kPlanning,
  kRunning,
  kClosing,
  kDone,
};

struct PersonConsent {
  ConsentId id;
  std::vector<AgencyId> recipients;
  KindSet kinds;
};

struct Meeting {
  MeetingId id;
  MeetingKind kind = MeetingKind::kSupportMeeting;
  std::optional<MeetingPurpose> purpose;
  StaffId chair;
  std::vector<MeetingMember> members;  // as convened
  std::optional<MeetingMember> joined;
  bool urgent = false;
};

struct Sim {
  uint64_t number = 0;
  CaseId id;
  std::string stream;
  bool big = false;
  domain::CaseState state;
  Phase phase = Phase::kStart;
  std::deque<Step> steps;

  Field field = Field::kOther;
  std::set<Field> fields;
  AgencyId intake;
  domain::IntakeRoute route = domain::IntakeRoute::kWalkIn;
  uint64_t hint = 0;                                     // which staff member of an agency acts
  std::vector<std::pair<PersonId, Relation>> household;  // present members; [0] is the main person
  std::map<PersonId, PersonConsent> consents;            // permitting, not withdrawn
  std::set<PersonId> suspended;                          // 利用停止 applied
  std::vector<AgencyId> recipients;                      // of the main consent
  std::optional<ReferralId> referral;                    // the pending or accepted one
  std::optional<Meeting> meeting;                        // the one being held
  MeetingId decided_by;                                  // the last concluded 重層的支援会議
  PlanId plan;
  uint32_t plan_version = 0;
  int cycles_left = 0;
  bool resume_after_suspension = false;
  std::optional<RequestId> request;  // the open APPI request
  std::optional<domain::EventId> correction_target;
  int counter = 0;  // for ids within the case
  std::deque<DomainEvent> recent;

  const PersonId& main() const { return household.front().first; }
  std::string NextId(std::string_view prefix) {
    return std::string(prefix) + "-" + Pad(number, 7) + "-" + std::to_string(++counter);
  }
};

// A command as a step builds it: who acts, what, and whether a refusal is the expected outcome.
struct Planned {
  StaffId staff;
  Payload payload;
  bool expect_refusal = false;
};

class Generator {
 public:
  Generator(eventstore::EventLog& log, const SyntheticOptions& options)
      : log_(log),
        options_(options),
        rng_(options.seed * 0x2545f4914f6cdd1dULL + 0x1234567),
        ids_(options.seed ^ 0x6b617361'6e652d73ULL),
        pool_(log, options.appenders),
        window_events_(options.window_events != 0
                           ? options.window_events
                           : std::clamp<size_t>(options.active_cases / 2, 64, 4096)),
        now_(options.start) {}

  Result<SyntheticSummary> Run() {
    if (log_.GetStreamHead(std::string(kAdminStream)).ok()) {
      return FailedPrecondition("the log already has an admin stream");
    }
    KASANE_RETURN_IF_ERROR(RegisterDirectory());
    const uint64_t target = options_.events;
    if (options_.with_big_case && written_ < target) {
      big_ = std::make_unique<Sim>();
      NewCase(*big_, /*big=*/true);
      summary_.big_case_id = big_->id.value;
      big_from_ = written_;
      big_room_ = target - written_;
    }
    const size_t active = std::max<size_t>(1, options_.active_cases);
    cases_.resize(active);
    for (size_t i = 0; i < active; ++i) {
      NewCase(cases_[i], false);
      // The window fills over the first weeks, as a programme's first cases arrive.
      Schedule(i, now_ + rng_.Gap(0, 30 * kDay));
    }
    const uint64_t transfer_every = std::max<uint64_t>(5000, target / 40);
    uint64_t next_transfer = written_ + transfer_every;
    while (written_ < target) {
      if (written_ >= next_transfer && written_ + 2 <= target) {
        KASANE_RETURN_IF_ERROR(TransferStaff());
        next_transfer += transfer_every;
        continue;
      }
      // The big case keeps pace with the log: its share of the events written so far, aiming a
      // little beyond its size so that it ends (terminated) before the log does.
      if (big_ != nullptr && !(big_->phase == Phase::kDone && big_->steps.empty()) &&
          big_->state.version <
              (written_ - big_from_) * (options_.big_case_events + 40) / big_room_) {
        KASANE_RETURN_IF_ERROR(Advance(*big_));
        continue;
      }
      auto [at, seq, slot] = queue_.top();
      queue_.pop();
      now_ = std::max(now_, at);
      Sim& c = cases_[slot];
      KASANE_RETURN_IF_ERROR(Advance(c));
      if (c.steps.empty()) {
        ++summary_.finished_cases;
        c = Sim();
        NewCase(c, false);
        Schedule(slot, now_ + rng_.Gap(kHour, 3 * kDay));
      } else {
        const Step& s = c.steps.front();
        Schedule(slot, std::max(now_ + s.gap, s.not_before));
      }
      if (window_count_ >= window_events_) KASANE_RETURN_IF_ERROR(Flush());
    }
    KASANE_RETURN_IF_ERROR(Flush());
    KASANE_RETURN_IF_ERROR(pool_.Wait());
    if (options_.progress) options_.progress(written_, target);
    summary_.events = written_;
    if (big_ != nullptr) summary_.big_case_events = big_->state.version;
    return summary_;
  }

 private:
  // --- scheduling and emitting ---------------------------------------------------------------

  void Schedule(size_t slot, UnixNanos at) { queue_.emplace(at, ++sequence_, slot); }

  domain::EventId NewEventId() {
    domain::EventId id;
    ids_.Fill(id.bytes);
    if (id.IsZero()) id.bytes[15] = 1;
    return id;
  }

  void Emit(const std::string& stream, bool any_version, uint64_t version_before,
            DomainEvent event) {
    auto [it, fresh] = window_index_.try_emplace(stream, window_.size());
    if (fresh) {
      PendingAppend p;
      p.stream = stream;
      p.expected = any_version           ? eventstore::ExpectedVersion::Any()
                   : version_before == 0 ? eventstore::ExpectedVersion::NoStream()
                                         : eventstore::ExpectedVersion::Exact(version_before - 1);
      window_.push_back(std::move(p));
    }
    ++summary_.by_type[std::string(domain::TypeOf(event.payload))];
    if (summary_.first_occurred_at == 0) summary_.first_occurred_at = event.occurred_at;
    summary_.last_occurred_at = std::max(summary_.last_occurred_at, event.occurred_at);
    window_[it->second].events.push_back(std::move(event));
    ++window_count_;
    ++written_;
  }

  Status Flush() {
    if (window_.empty()) return Status::Ok();
    const uint64_t durable = written_ - window_count_;
    KASANE_RETURN_IF_ERROR(pool_.Submit(std::move(window_)));
    if (options_.progress && durable > 0) options_.progress(durable, options_.events);
    window_.clear();
    window_index_.clear();
    window_count_ = 0;
    return Status::Ok();
  }

  // --- the directory -------------------------------------------------------------------------

  domain::Actor ActorOf(const StaffId& staff) const {
    const domain::StaffInfo* info = directory_.FindStaff(staff);
    if (info == nullptr) return domain::Actor{staff, AgencyId("ag-unknown"), Role::kCaseworker};
    return domain::Actor{info->id, info->agency, *info->roles.begin()};
  }

  Status Admin(Payload payload) {
    const StaffId boot(std::string("st-fukushi-1"));
    domain::Command command{NewEventId(), ActorOf(boot), now_, std::move(payload)};
    if (!directory_.HasActiveSecretariat()) {
      command.actor = domain::Actor{boot, kSecretariat, Role::kSecretariat};
    }
    domain::DecisionContext ctx{now_, directory_, settings_};
    Result<domain::Decision> d = domain::DecideAdmin(directory_, command, ctx);
    if (!d.ok()) return Internal("synthetic admin command: " + d.status().ToString());
    if (!d->accepted()) return Internal("synthetic admin command refused: " + d->rejection->rule);
    for (DomainEvent& e : d->events) {
      directory_ = domain::EvolveDirectory(std::move(directory_), e);
      Emit(std::string(kAdminStream), false, admin_version_++, std::move(e));
      ++summary_.admin_events;
    }
    now_ += kSecond;
    return Status::Ok();
  }

  Status RegisterStaff(const AgencyId& agency, Role role) {
    int& n = staff_numbers_[agency];
    StaffId staff(std::string("st-") + agency.value.substr(3) + "-" + std::to_string(++n));
    KASANE_RETURN_IF_ERROR(Admin(domain::StaffRegistered{staff, agency, {role}}));
    active_staff_[agency].push_back(staff);
    return Status::Ok();
  }

  Status RegisterDirectory() {
    for (const AgencySpec& a : Agencies()) {
      KASANE_RETURN_IF_ERROR(
          Admin(domain::AgencyRegistered{AgencyId(a.id), a.name, a.kind, a.fields, a.parts}));
    }
    for (const AgencySpec& a : Agencies()) {
      for (int i = 0; i < a.staff; ++i)
        KASANE_RETURN_IF_ERROR(RegisterStaff(AgencyId(a.id), a.role));
    }
    return Status::Ok();
  }

  // A staff member moves: a successor is registered and one member who holds no open meeting
  // (as chair or member) is deactivated.
  Status TransferStaff() {
    const std::vector<AgencySpec>& all = Agencies();
    const AgencySpec& a = all[2 + rng_.Below(all.size() - 3)];  // caseworker agencies
    const AgencyId agency(a.id);
    KASANE_RETURN_IF_ERROR(RegisterStaff(agency, a.role));
    std::vector<StaffId>& staff = active_staff_[agency];
    for (size_t i = 0; i < staff.size() - 1; ++i) {
      auto it = busy_.find(staff[i]);
      if (it != busy_.end() && it->second > 0) continue;
      StaffId leaving = staff[i];
      staff.erase(staff.begin() + static_cast<long>(i));
      return Admin(domain::StaffDeactivated{leaving, "transferred"});
    }
    return Status::Ok();
  }

  StaffId StaffOf(const AgencyId& agency, uint64_t hint) const {
    const std::vector<StaffId>& staff = active_staff_.at(agency);
    return staff[hint % staff.size()];
  }
  MeetingMember MemberOf(const AgencyId& agency, uint64_t hint) const {
    return MeetingMember{StaffOf(agency, hint), agency};
  }
  void Busy(const StaffId& s, int delta) { busy_[s] += delta; }
  void BusyMeeting(const Meeting& m, int delta) {
    Busy(m.chair, delta);
    for (const MeetingMember& mm : m.members) Busy(mm.staff, delta);
    if (m.joined) Busy(m.joined->staff, delta);
  }

  // --- cases ---------------------------------------------------------------------------------

  void NewCase(Sim& c, bool big) {
    c.number = ++case_numbers_;
    c.id = CaseId("c-" + Pad(c.number, 7));
    c.stream = "case-" + c.id.value;
    c.big = big;
    c.hint = rng_.Next();
    static const Field kFields[] = {Field::kElderlyCare, Field::kElderlyCare, Field::kElderlyCare,
                                    Field::kPoverty,     Field::kPoverty,     Field::kChildren,
                                    Field::kDisability,  Field::kDisability,  Field::kOther,
                                    Field::kChildren};
    c.field = big ? Field::kElderlyCare : kFields[rng_.Below(std::size(kFields))];
    c.fields = {c.field};
    if (big || rng_.Chance(0.3)) c.fields.insert(kFields[rng_.Below(std::size(kFields))]);
    const FieldProfile& profile = ProfileOf(c.field);
    c.intake = rng_.Pick(profile.intake);
    static const domain::IntakeRoute kRoutes[] = {
        domain::IntakeRoute::kWalkIn,          domain::IntakeRoute::kPhone,
        domain::IntakeRoute::kHomeVisit,       domain::IntakeRoute::kAgencyReferral,
        domain::IntakeRoute::kAgencyReferral,  domain::IntakeRoute::kOutreach,
        domain::IntakeRoute::kCommunityReport,
    };
    c.route = kRoutes[rng_.Below(std::size(kRoutes))];
    // Household of 1-4: 35% alone, 35% two, 18% three, 12% four.
    const uint64_t r = rng_.Below(100);
    const int size = big ? 4 : r < 35 ? 1 : r < 70 ? 2 : r < 88 ? 3 : 4;
    const bool child_main = c.field == Field::kChildren;
    c.household.emplace_back(PersonId("p-" + Pad(c.number, 7) + "-1"), Relation::kSelf);
    for (int i = 1; i < size; ++i) {
      Relation rel;
      if (child_main) {
        rel = i <= 2 ? Relation::kParent : Relation::kSibling;
      } else if (c.field == Field::kElderlyCare) {
        rel = i == 1 ? (rng_.Chance(0.5) ? Relation::kSpouse : Relation::kChild) : Relation::kChild;
      } else {
        static const Relation kOthers[] = {Relation::kSpouse,     Relation::kChild,
                                           Relation::kParent,     Relation::kSibling,
                                           Relation::kGrandchild, Relation::kOtherRelative};
        rel = kOthers[rng_.Below(std::size(kOthers))];
      }
      c.household.emplace_back(PersonId("p-" + Pad(c.number, 7) + "-" + std::to_string(i + 1)),
                               rel);
    }
    c.phase = Phase::kStart;
    c.steps.push_back(Step{Op::kOpen});
  }

  StaffId Coordinator(const Sim& c) const { return StaffOf(kCoordination, c.hint); }
  StaffId IntakeStaff(const Sim& c) const { return StaffOf(c.intake, c.hint); }
  StaffId Secretary(const Sim& c) const { return StaffOf(kSecretariat, c.hint); }

  void Add(Sim& c, Op op, UnixNanos gap, int arg = 0) { c.steps.push_back(Step{op, arg, gap, 0}); }
  UnixNanos Minutes() { return rng_.Gap(kMinute, 15 * kMinute); }
  UnixNanos Days(int lo, int hi) { return rng_.Gap(lo * kDay, hi * kDay); }

  // Runs one step of `c` (planning the next phase when its steps ran out).
  Status Advance(Sim& c) {
    if (c.steps.empty()) Plan(c);
    if (c.steps.empty()) return Status::Ok();
    Step s = c.steps.front();
    c.steps.pop_front();
    KASANE_RETURN_IF_ERROR(Execute(c, s));
    if (c.steps.empty()) Plan(c);
    return Status::Ok();
  }

  // Queues the steps of the case's next phase.
  void Plan(Sim& c) {
    switch (c.phase) {
      case Phase::kStart: {
        const bool consenting = c.big || rng_.Chance(0.75);
        if (c.route == domain::IntakeRoute::kOutreach || !consenting) {
          Add(c, Op::kOutreach, Days(0, 3), static_cast<int>(OutreachActivity::kPreparation));
        }
        if (consenting) {
          Add(c, Op::kConsentMain, Days(0, 7));
          for (size_t i = 1; i < c.household.size(); ++i) {
            if (c.big || rng_.Chance(0.5)) {
              Add(c, Op::kConsentMember, Minutes(), static_cast<int>(i));
            } else if (rng_.Chance(0.1)) {
              Add(c, Op::kConsentDenyMember, Minutes(), static_cast<int>(i));
            }
          }
          c.phase = Phase::kReferral;
        } else {
          c.phase = Phase::kSupportMeeting;
        }
        return;
      }
      case Phase::kSupportMeeting: {
        const int letters = rng_.Between(1, 2);
        for (int i = 0; i < letters; ++i) {
          Add(c, Op::kOutreach, Days(3, 20),
              static_cast<int>(OutreachActivity::kRelationshipBuilding));
        }
        PlanSupportMeeting(c);
        const int visits = rng_.Between(1, 2);
        for (int i = 0; i < visits; ++i) {
          Add(c, Op::kOutreach, Days(7, 30), static_cast<int>(OutreachActivity::kHomeVisit));
        }
        c.phase = rng_.Chance(0.55) ? Phase::kLateConsent : Phase::kCloseWithoutConsent;
        return;
      }
      case Phase::kLateConsent:
        Add(c, Op::kOutreach, Days(3, 20), static_cast<int>(OutreachActivity::kAccompanying));
        Add(c, Op::kConsentMain, Days(1, 10));
        c.phase = Phase::kReferral;
        return;
      case Phase::kCloseWithoutConsent:
        Add(c, Op::kOutreach, Days(20, 60), static_cast<int>(OutreachActivity::kClosure));
        c.phase = Phase::kDone;
        return;
      case Phase::kReferral: {
        if (rng_.Chance(0.06)) Add(c, Op::kReferralRefused, Days(1, 10));
        Add(c, Op::kReferral, Days(1, 10));
        if (rng_.Chance(0.08)) {
          Add(c, Op::kDecline, Days(1, 7));
          Add(c, Op::kReferral, Days(7, 30));
        }
        Add(c, Op::kAccept, Days(1, 7));
        Add(c, Op::kLead, rng_.Gap(kHour, 2 * kDay));
        const int assessments = rng_.Between(1, 3);
        for (int i = 0; i < assessments; ++i) Add(c, Op::kAssessment, Days(1, 14));
        const int disclosures = rng_.Between(0, 3);
        for (int i = 0; i < disclosures; ++i) {
          Add(c, rng_.Chance(0.15) ? Op::kDiscloseRefused : Op::kDisclose, Days(1, 10));
        }
        if (rng_.Chance(0.08)) Add(c, Op::kMemberAdd, Days(1, 20));
        if (rng_.Chance(0.04)) Add(c, Op::kMemberRemove, Days(1, 20));
        c.phase = Phase::kPlanning;
        return;
      }
      case Phase::kPlanning: {
        Add(c, Op::kDraft, Days(3, 20));
        if (rng_.Chance(0.2)) Add(c, Op::kDraft, Days(1, 10));
        PlanMultiLayeredMeeting(c, MeetingPurpose::kPlanCreation);
        Add(c, Op::kApprove, rng_.Gap(kHour, kDay));
        c.cycles_left = c.big ? 1'000'000 : rng_.Between(1, 3);
        c.phase = Phase::kRunning;
        return;
      }
      case Phase::kRunning: {
        if (c.resume_after_suspension) {
          c.resume_after_suspension = false;
          Add(c, Op::kResume, Days(20, 90));
        }
        PlanCycle(c);
        if (--c.cycles_left > 0 && !(c.big && c.state.version + 25 >= options_.big_case_events)) {
          if (rng_.Chance(c.big ? 0.03 : 0.1)) {
            PlanMultiLayeredMeeting(c, MeetingPurpose::kSuspension);
            Add(c, Op::kSuspend, rng_.Gap(kHour, kDay));
            if (c.big || rng_.Chance(0.7)) {  // the big case runs to its size
              c.resume_after_suspension = true;
            } else {
              c.phase = Phase::kClosing;
            }
          } else {
            PlanMultiLayeredMeeting(c, MeetingPurpose::kPlanChange);
            Add(c, Op::kRevise, rng_.Gap(kHour, kDay));
          }
        } else {
          c.phase = Phase::kClosing;
        }
        return;
      }
      case Phase::kClosing:
        PlanMultiLayeredMeeting(c, MeetingPurpose::kTermination);
        Add(c, Op::kTerminate, rng_.Gap(kHour, kDay));
        if (rng_.Chance(0.3)) Add(c, Op::kReturn, Days(1, 14));
        if (rng_.Chance(0.05)) Add(c, Op::kWithdrawConsent, Days(7, 60), 0);
        c.phase = Phase::kDone;
        return;
      case Phase::kDone:
        return;
    }
  }

  // The body of a meeting is planned when its convening is accepted (PlanMeetingBody).
  void PlanSupportMeeting(Sim& c) { Add(c, Op::kConvene, Days(7, 21), -1); }

  void PlanMultiLayeredMeeting(Sim& c, MeetingPurpose purpose) {
    Add(c, Op::kConvene, Days(7, 28), static_cast<int>(purpose));
  }

  // One plan cycle: the work between approval and the next decision.
  void PlanCycle(Sim& c) {
    const UnixNanos due_m = c.state.plan ? c.state.plan->monitoring_due : 0;
    const UnixNanos due_e = c.state.plan ? c.state.plan->evaluation_due : 0;
    const bool big = c.big;
    if (big || rng_.Chance(0.4)) {
      Add(c, Op::kParticipationMatch, Days(7, 30));
      const int follow = rng_.Between(1, big ? 3 : 2);
      for (int i = 0; i < follow; ++i) Add(c, Op::kParticipationFollowUp, Days(7, 30));
    }
    if (big || rng_.Chance(0.25)) {
      Add(c, Op::kOutreach, Days(3, 20), static_cast<int>(OutreachActivity::kAccompanying));
    }
    const int disclosures = rng_.Between(0, big ? 4 : 2);
    for (int i = 0; i < disclosures; ++i) {
      Add(c, rng_.Chance(0.1) ? Op::kDiscloseRefused : Op::kDisclose, Days(1, 14));
    }
    if (rng_.Chance(big ? 0.6 : 0.3)) Add(c, Op::kAssessment, Days(3, 20));
    c.steps.push_back(Step{Op::kMonitoring, 0, Days(1, 5), big ? 0 : due_m});
    if (rng_.Chance(0.05)) Add(c, Op::kCorrection, Days(1, 10));
    if (rng_.Chance(0.02)) {
      Add(c, Op::kDisclosureRequest, Days(1, 30));
      Add(c, Op::kDisclosureDecision, Days(7, 14));
    }
    if (rng_.Chance(0.01)) {
      Add(c, Op::kCorrectionRequest, Days(1, 30));
      Add(c, Op::kCorrectionDecision, Days(7, 14));
    }
    if (rng_.Chance(0.006)) {
      Add(c, Op::kUsageRequest, Days(1, 30));
      Add(c, Op::kUsageApply, Days(3, 14));
      Add(c, Op::kDisclose, Days(3, 14), 1);  // an attempt about the person, refused
    }
    if (c.household.size() > 1 && rng_.Chance(0.03)) {
      Add(c, Op::kWithdrawConsent, Days(1, 30), 1);
    }
    c.steps.push_back(Step{Op::kEvaluation, 0, Days(1, 5), big ? 0 : due_e});
  }

  // Queues, before anything else of the case, what happens inside the meeting just convened:
  // acknowledgements, disclosures, the tax division's refused attempt, a late joiner, a member
  // leaving, the conclusion, and an urgent-case disclosure after it.
  void PlanMeetingBody(Sim& c) {
    const Meeting& m = *c.meeting;
    const int n = static_cast<int>(m.members.size());
    std::vector<Step> body;
    auto add = [&](Op op, UnixNanos gap, int arg = 0) { body.push_back(Step{op, arg, gap, 0}); };
    for (int i = 0; i < n; ++i) add(Op::kAck, Minutes(), i);
    const bool support = m.kind == MeetingKind::kSupportMeeting;
    const int disclosures = support ? rng_.Between(1, 3) : rng_.Between(0, 2);
    for (int i = 0; i < disclosures; ++i) {
      add(Op::kMeetingDisclose, Minutes(), static_cast<int>(rng_.Below(m.members.size())));
    }
    if (support) {
      for (int i = 0; i < n; ++i) {
        if (m.members[static_cast<size_t>(i)].agency == kTaxAgency) {
          add(Op::kTaxAttempt, Minutes(), i);
        }
      }
    }
    if (rng_.Chance(0.15)) {
      add(Op::kJoin, Minutes());
      add(Op::kAckJoined, Minutes());
      if (rng_.Chance(0.5)) {
        add(Op::kMeetingDisclose, Minutes(), static_cast<int>(rng_.Below(m.members.size())));
      }
    }
    if (n > 2 && rng_.Chance(0.1)) {
      add(Op::kLeave, Minutes(), static_cast<int>(rng_.Below(m.members.size())));
    }
    add(Op::kConclude, Minutes());
    if (support && m.urgent) add(Op::kUrgentDisclose, rng_.Gap(kHour, kDay));
    c.steps.insert(c.steps.begin(), body.begin(), body.end());
  }

  // --- executing a step ----------------------------------------------------------------------

  Status Execute(Sim& c, const Step& s) {
    std::optional<Planned> planned = Build(c, s);
    if (!planned) return Status::Ok();
    const std::string type(domain::TypeOf(planned->payload));
    domain::Command command{NewEventId(), ActorOf(planned->staff), now_,
                            std::move(planned->payload)};
    domain::DecisionContext ctx{now_, directory_, settings_};
    Result<domain::Decision> d = domain::Decide(c.state, command, ctx);
    if (!d.ok()) {
      return Internal("synthetic " + type + " in " + c.id.value + ": " + d.status().ToString());
    }
    if (d->rejection) {
      ++summary_.refused_commands;
      if (!planned->expect_refusal) ++summary_.unexpected_refusals;
    } else if (planned->expect_refusal) {
      ++summary_.unexpected_refusals;  // an attempt meant to be refused passed
    }
    if (s.op == Op::kConvene && !d->accepted()) c.meeting.reset();
    for (DomainEvent& e : d->events) {
      const uint64_t before = c.state.version;
      c.state = domain::Evolve(std::move(c.state), e);
      AfterAccepted(c, e);
      c.recent.push_back(e);
      if (c.recent.size() > kRecentEvents) c.recent.pop_front();
      if (std::holds_alternative<domain::CaseOpened>(e.payload)) ++summary_.cases;
      Emit(c.stream, false, before, std::move(e));
    }
    if (!d->events.empty() && written_ < options_.events && rng_.Chance(0.12)) RecordAccess(c);
    return Status::Ok();
  }

  // Bookkeeping the generator keeps beside the state (who is busy, which meeting is open).
  void AfterAccepted(Sim& c, const DomainEvent& e) {
    if (std::holds_alternative<domain::MeetingConvened>(e.payload)) {
      BusyMeeting(*c.meeting, 1);
      PlanMeetingBody(c);
    } else if (const auto* j = std::get_if<domain::MeetingMemberJoined>(&e.payload)) {
      Busy(j->member.staff, 1);
    } else if (std::holds_alternative<domain::MeetingConcluded>(e.payload)) {
      BusyMeeting(*c.meeting, -1);
      if (c.meeting->kind == MeetingKind::kMultiLayeredSupportMeeting) c.decided_by = c.meeting->id;
    }
  }

  // A reader of the case is shown its latest events; the access record the API would append.
  void RecordAccess(Sim& c) {
    static const AgencyId* const kReaders[] = {&kCoordination, &kSecretariat};
    const AgencyId& agency =
        rng_.Chance(0.5) ? c.intake : *kReaders[rng_.Below(std::size(kReaders))];
    const StaffId staff = StaffOf(agency, rng_.Next());
    const domain::Actor actor = ActorOf(staff);
    domain::Principal p{actor.staff, actor.agency, actor.role, std::nullopt};
    std::vector<DomainEvent> shown(c.recent.begin(), c.recent.end());
    std::optional<domain::AccessRecorded> record = domain::AccessRecordFor(p, c.state, shown, now_);
    if (!record) return;
    DomainEvent e{NewEventId(), now_, now_, actor, std::move(*record)};
    Emit("access-" + JstDay(now_), true, 0, std::move(e));
    ++summary_.access_events;
  }

  // --- building commands ---------------------------------------------------------------------

  domain::PersonProfile Profile(const PersonId& p) {
    domain::PersonProfile profile;
    profile.full_name = "仮名 " + p.value;
    profile.name_kana = "かめい";
    profile.birth_date = Pad(static_cast<uint64_t>(rng_.Between(1930, 2015)), 4) + "-" +
                         Pad(static_cast<uint64_t>(rng_.Between(1, 12)), 2) + "-" +
                         Pad(static_cast<uint64_t>(rng_.Between(1, 28)), 2);
    profile.address = "架空市 " + std::to_string(rng_.Between(1, 9)) + "丁目" +
                      std::to_string(rng_.Between(1, 40)) + "番";
    profile.description = Text(rng_, "状況", 10, 40);
    return profile;
  }

  KindSet ConsentKinds(const Sim& c) {
    KindSet k = KindSet::Of({K::kIdentity, K::kHousehold, K::kAssessment, K::kPlan, K::kNotes});
    for (Field f : c.fields) {
      for (InformationKind x : ProfileOf(f).kinds) k.Insert(x);
    }
    if (rng_.Chance(0.1)) k.Insert(K::kTax);
    return k;
  }

  std::vector<AgencyId> ConsentRecipients(const Sim& c) {
    std::vector<AgencyId> out = {kCoordination};
    auto add = [&](const AgencyId& a) {
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    };
    add(c.intake);
    for (Field f : c.fields) {
      for (const AgencyId& a : ProfileOf(f).roles) add(a);
    }
    add(kOutreachAgency);
    add(kParticipationAgency);
    return out;
  }

  domain::ConsentRecorded Consent(Sim& c, const PersonId& subject, std::vector<AgencyId> recipients,
                                  KindSet kinds) {
    domain::ConsentRecorded x;
    x.consent = ConsentId(c.NextId("cn"));
    x.subject = subject;
    x.form = rng_.Chance(0.85) ? domain::ConsentForm::kWritten : domain::ConsentForm::kOral;
    x.form_reference = "相談受付申込票 " + c.id.value;
    x.decision = domain::ConsentDecision::kPermit;
    x.recipients = std::move(recipients);
    x.kinds = kinds;
    x.purposes = {Purpose::kAssessment,      Purpose::kReferral,   Purpose::kSupportPlanning,
                  Purpose::kSupportDelivery, Purpose::kMonitoring, Purpose::kParticipationSupport};
    x.valid_from = now_ - kDay;
    return x;
  }

  // A random subset of `from` of size lo..hi (order kept).
  template <typename T>
  std::vector<T> Some(const std::vector<T>& from, size_t lo, size_t hi) {
    std::vector<T> pool = from;
    for (size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng_.Below(i)]);
    const size_t n = std::min(pool.size(), lo + rng_.Below(hi - lo + 1));
    pool.resize(n);
    return pool;
  }

  KindSet SomeKinds(const KindSet& allowed, size_t lo, size_t hi, bool tax = false) {
    std::vector<InformationKind> kinds;
    for (InformationKind k : allowed.Kinds()) {
      if (k != K::kTax || tax) kinds.push_back(k);
    }
    KindSet out;
    for (InformationKind k : Some(kinds, lo, hi)) out.Insert(k);
    return out;
  }

  // A person of the household with a permitting consent (the main person first).
  std::optional<PersonId> ConsentingPerson(const Sim& c, bool prefer_main) {
    if (prefer_main && c.consents.contains(c.main())) return c.main();
    std::vector<PersonId> with;
    for (const auto& [p, rel] : c.household) {
      if (c.consents.contains(p)) with.push_back(p);
    }
    if (with.empty()) return std::nullopt;
    return rng_.Pick(with);
  }

  bool ConsentInForce(const Sim& c, const PersonId& p) const {
    auto it = c.consents.find(p);
    if (it == c.consents.end()) return false;
    const domain::ConsentState* s = c.state.FindConsent(it->second.id);
    return s != nullptr && s->InForceAt(now_);
  }

  domain::PlanBody Body(Sim& c) {
    domain::PlanBody body;
    const int goals = rng_.Between(1, 3);
    for (int i = 0; i < goals; ++i) body.goals.push_back(Text(rng_, "目標", 15, 60));
    body.support_direction = Text(rng_, "支援の方向性", 40, 160);
    std::vector<AgencyId> candidates;
    for (const AgencyId& a : c.recipients) {
      if (a != kCoordination) candidates.push_back(a);
    }
    for (const AgencyId& a : Some(candidates, 2, 4)) {
      domain::PlanRole role{a, Text(rng_, "役割", 8, 30), {}};
      const int tasks = rng_.Between(1, 3);
      for (int i = 0; i < tasks; ++i) role.tasks.push_back(Text(rng_, "タスク", 8, 40));
      body.roles.push_back(std::move(role));
    }
    return body;
  }

  std::optional<Planned> Build(Sim& c, const Step& s) {
    switch (s.op) {
      case Op::kOpen: {
        domain::CaseOpened x;
        x.case_id = c.id;
        x.intake_agency = c.intake;
        x.route = c.route;
        x.fields = c.fields;
        x.main_person = c.main();
        for (const auto& [p, rel] : c.household) {
          x.members.push_back(domain::HouseholdMember{p, rel, Profile(p)});
        }
        x.summary = Text(rng_, "相談内容の要旨", 60, 250);
        return Planned{IntakeStaff(c), std::move(x)};
      }
      case Op::kConsentMain: {
        c.recipients = ConsentRecipients(c);
        domain::ConsentRecorded x = Consent(c, c.main(), c.recipients, ConsentKinds(c));
        if (c.field == Field::kChildren && c.household.size() > 1) {
          x.grantor = domain::Grantor::kProxy;
          x.proxy_relation = Relation::kParent;
          x.proxy_name = "代理人 " + c.household[1].first.value;
        }
        c.consents[c.main()] = PersonConsent{x.consent, x.recipients, x.kinds};
        return Planned{IntakeStaff(c), std::move(x)};
      }
      case Op::kConsentMember: {
        if (static_cast<size_t>(s.arg) >= c.household.size()) return std::nullopt;
        const PersonId p = c.household[static_cast<size_t>(s.arg)].first;
        std::vector<AgencyId> recipients = {kCoordination};
        for (const AgencyId& a : Some(ConsentRecipients(c), 1, 3)) {
          if (a != kCoordination) recipients.push_back(a);
        }
        KindSet kinds = KindSet::Of({K::kIdentity, K::kPlan});
        kinds.InsertAll(SomeKinds(ConsentKinds(c), 1, 3));
        domain::ConsentRecorded x = Consent(c, p, recipients, kinds);
        if (rng_.Chance(0.3)) x.valid_until = now_ + 365 * kDay;
        c.consents[p] = PersonConsent{x.consent, x.recipients, x.kinds};
        return Planned{IntakeStaff(c), std::move(x)};
      }
      case Op::kConsentDenyMember: {
        if (static_cast<size_t>(s.arg) >= c.household.size()) return std::nullopt;
        domain::ConsentRecorded x;
        x.consent = ConsentId(c.NextId("cn"));
        x.subject = c.household[static_cast<size_t>(s.arg)].first;
        x.form = domain::ConsentForm::kOral;
        x.form_reference = "聞き取り " + c.id.value;
        x.decision = domain::ConsentDecision::kDeny;
        x.valid_from = now_;
        return Planned{IntakeStaff(c), std::move(x)};
      }
      case Op::kOutreach: {
        const PersonId& p = rng_.Pick(c.household).first;
        return Planned{StaffOf(kOutreachAgency, c.hint),
                       domain::OutreachRecorded{p, static_cast<OutreachActivity>(s.arg),
                                                Text(rng_, "アウトリーチ記録", 30, 200)}};
      }
      case Op::kReferral:
      case Op::kReferralRefused: {
        if (!c.consents.contains(c.main())) return std::nullopt;
        const PersonConsent& consent = c.consents.at(c.main());
        domain::ReferralMade x;
        x.referral = ReferralId(c.NextId("r"));
        x.from_agency = c.intake;
        x.to_agency = kCoordination;
        x.to_programme = domain::ProgrammePart::kMultiAgencyCoordination;
        x.moment = domain::HandoffMoment::kReferralToCoordination;
        x.subject = c.main();
        x.reason = Text(rng_, "つなぎの理由", 20, 120);
        x.kinds_passed = SomeKinds(consent.kinds, 1, 3);
        x.basis = DisclosureBasis{BasisKind::kConsent, consent.id, std::nullopt};
        bool refused = false;
        if (s.op == Op::kReferralRefused) {
          // Passing a kind the consent does not name.
          for (InformationKind k : domain::AllKinds()) {
            if (!consent.kinds.Contains(k)) {
              x.kinds_passed.Insert(k);
              refused = true;
              break;
            }
          }
        } else if (!c.suspended.empty() && c.suspended.contains(c.main())) {
          refused = true;
        }
        if (!refused) c.referral = x.referral;
        return Planned{IntakeStaff(c), std::move(x), refused};
      }
      case Op::kAccept:
        if (!c.referral) return std::nullopt;
        return Planned{Coordinator(c), domain::ReferralAccepted{*c.referral}};
      case Op::kDecline: {
        if (!c.referral) return std::nullopt;
        domain::ReferralDeclined x{*c.referral, c.main(), Text(rng_, "見送りの理由", 20, 80)};
        c.referral.reset();
        return Planned{Coordinator(c), std::move(x)};
      }
      case Op::kLead:
        return Planned{Coordinator(c), domain::LeadAgencyAssigned{kCoordination}};
      case Op::kAssessment: {
        const PersonId& p = rng_.Pick(c.household).first;
        KindSet kinds = SomeKinds(ConsentKinds(c), 1, 3);
        kinds.Insert(K::kAssessment);
        const StaffId staff = rng_.Chance(0.6) ? Coordinator(c) : IntakeStaff(c);
        return Planned{staff,
                       domain::AssessmentRecorded{p, kinds, Text(rng_, "アセスメント", 120, 500)}};
      }
      case Op::kDisclose:
      case Op::kDiscloseRefused:
        return BuildDisclosure(c, s);
      case Op::kMemberAdd: {
        const PersonId p("p-" + Pad(c.number, 7) + "-" + std::to_string(10 + c.counter));
        ++c.counter;
        static const Relation kRel[] = {Relation::kChild, Relation::kGrandchild,
                                        Relation::kOtherRelative, Relation::kGuardian};
        const Relation rel = kRel[rng_.Below(std::size(kRel))];
        c.household.emplace_back(p, rel);
        return Planned{Coordinator(c),
                       domain::HouseholdMemberAdded{domain::HouseholdMember{p, rel, Profile(p)}}};
      }
      case Op::kMemberRemove: {
        if (c.household.size() < 2) return std::nullopt;
        const size_t i = 1 + rng_.Below(c.household.size() - 1);
        const PersonId p = c.household[i].first;
        c.household.erase(c.household.begin() + static_cast<long>(i));
        c.consents.erase(p);
        return Planned{Coordinator(c),
                       domain::HouseholdMemberRemoved{p, Text(rng_, "転出", 10, 40)}};
      }
      case Op::kDraft: {
        domain::PlanDrafted x;
        if (c.plan.empty()) c.plan = PlanId(c.NextId("pl"));
        x.plan = c.plan;
        x.version = ++c.plan_version;
        x.subject = c.main();
        x.body = Body(c);
        return Planned{Coordinator(c), std::move(x)};
      }
      case Op::kConvene:
        return BuildConvene(c, s);
      case Op::kAck: {
        if (!c.meeting || static_cast<size_t>(s.arg) >= c.meeting->members.size()) {
          return std::nullopt;
        }
        const MeetingMember& m = c.meeting->members[static_cast<size_t>(s.arg)];
        return Planned{m.staff,
                       domain::ConfidentialityAcknowledged{c.meeting->id, m.staff, m.agency}};
      }
      case Op::kAckJoined: {
        if (!c.meeting || !c.meeting->joined) return std::nullopt;
        const MeetingMember& m = *c.meeting->joined;
        return Planned{m.staff,
                       domain::ConfidentialityAcknowledged{c.meeting->id, m.staff, m.agency}};
      }
      case Op::kMeetingDisclose:
      case Op::kTaxAttempt:
        return BuildMeetingDisclosure(c, s);
      case Op::kJoin: {
        if (!c.meeting) return std::nullopt;
        std::vector<AgencyId> candidates;
        const std::vector<AgencyId>& from =
            c.meeting->kind == MeetingKind::kSupportMeeting
                ? std::vector<AgencyId>{AgencyId("ag-hospital"), AgencyId("ag-jiritsu"),
                                        AgencyId("ag-shougai"), AgencyId("ag-kodomo")}
                : c.recipients;
        for (const AgencyId& a : from) {
          bool present = a == kCoordination;
          for (const MeetingMember& m : c.meeting->members) present |= m.agency == a;
          if (!present) candidates.push_back(a);
        }
        if (candidates.empty()) return std::nullopt;
        c.meeting->joined = MemberOf(rng_.Pick(candidates), c.hint);
        return Planned{c.meeting->chair,
                       domain::MeetingMemberJoined{c.meeting->id, *c.meeting->joined}};
      }
      case Op::kLeave: {
        if (!c.meeting || static_cast<size_t>(s.arg) >= c.meeting->members.size()) {
          return std::nullopt;
        }
        const MeetingMember& m = c.meeting->members[static_cast<size_t>(s.arg)];
        const domain::MeetingState* ms = c.state.FindMeeting(c.meeting->id);
        const domain::MemberState* member = ms ? ms->FindMember(m.staff) : nullptr;
        if (member == nullptr || member->left_seq) return std::nullopt;
        return Planned{c.meeting->chair, domain::MeetingMemberLeft{c.meeting->id, m.staff}};
      }
      case Op::kConclude: {
        if (!c.meeting) return std::nullopt;
        domain::MeetingConcluded x;
        x.meeting = c.meeting->id;
        x.subject = c.main();
        x.support_direction = Text(rng_, "支援方針", 30, 150);
        const int decisions = rng_.Between(1, 3);
        for (int i = 0; i < decisions; ++i) x.decisions.push_back(Text(rng_, "決定事項", 15, 60));
        x.minutes = Text(rng_, "議事録", 150, 600);
        x.urgent_case = c.meeting->urgent;
        return Planned{c.meeting->chair, std::move(x)};
      }
      case Op::kUrgentDisclose: {
        if (!c.meeting) return std::nullopt;
        const Meeting& m = *c.meeting;
        // To an agency that took part under confidentiality, from the intake agency.
        std::vector<AgencyId> to;
        for (const MeetingMember& mm : m.members) {
          if (mm.agency != c.intake && mm.agency != kTaxAgency) to.push_back(mm.agency);
        }
        if (to.empty()) return std::nullopt;
        const StaffId staff = IntakeStaff(c);
        domain::DisclosureMade x;
        x.subject = c.main();
        x.discloser_agency = c.intake;
        x.discloser_staff = staff;
        x.kinds = KindSet::Of({K::kHealth, K::kNotes});
        x.purpose = Purpose::kSupportDelivery;
        x.basis = DisclosureBasis{BasisKind::kUrgentCase, std::nullopt, m.id};
        x.recipients = {Recipient{rng_.Pick(to), std::nullopt}};
        x.content = Text(rng_, "緊急の情報提供", 40, 200);
        return Planned{staff, std::move(x), c.suspended.contains(c.main())};
      }
      case Op::kApprove:
        if (c.decided_by.empty() || c.plan.empty()) return std::nullopt;
        return Planned{Coordinator(c), domain::PlanApproved{c.plan, c.plan_version, c.decided_by}};
      case Op::kRevise: {
        if (c.decided_by.empty() || c.plan.empty()) return std::nullopt;
        domain::PlanRevised x;
        x.plan = c.plan;
        x.version = ++c.plan_version;
        x.meeting = c.decided_by;
        x.subject = c.main();
        x.body = Body(c);
        return Planned{Coordinator(c), std::move(x)};
      }
      case Op::kSuspend:
        return Planned{Coordinator(c), domain::SupportSuspended{c.plan, c.decided_by, c.main(),
                                                                Text(rng_, "中断の理由", 20, 80)}};
      case Op::kResume:
        return Planned{Coordinator(c),
                       domain::SupportResumed{c.plan, c.main(), Text(rng_, "再開の理由", 20, 80)}};
      case Op::kTerminate:
        return Planned{Coordinator(c),
                       domain::SupportTerminated{c.plan, c.decided_by, c.intake, c.main(),
                                                 Text(rng_, "終結の理由", 20, 120)}};
      case Op::kReturn: {
        if (!c.referral) return std::nullopt;
        return Planned{Coordinator(c),
                       domain::ReferralReturned{*c.referral, c.intake, c.intake,
                                                domain::HandoffMoment::kReturnAfterCoordination,
                                                c.main(), Text(rng_, "つなぎもどし", 20, 80)}};
      }
      case Op::kMonitoring: {
        if (!c.state.plan) return std::nullopt;
        return Planned{Coordinator(c),
                       domain::MonitoringRecorded{c.plan, c.state.plan->approved_version, c.main(),
                                                  Text(rng_, "モニタリング", 80, 400)}};
      }
      case Op::kEvaluation: {
        if (!c.state.plan) return std::nullopt;
        return Planned{Coordinator(c),
                       domain::PlanEvaluated{c.plan, c.state.plan->approved_version, c.main(),
                                             Text(rng_, "評価", 80, 400), rng_.Chance(0.6)}};
      }
      case Op::kParticipationMatch: {
        static const std::vector<std::string> kResources = {
            "農園での就労体験", "地域食堂", "居場所サロン", "学習支援教室", "ボランティア活動"};
        const PersonId& p = rng_.Pick(c.household).first;
        return Planned{StaffOf(kParticipationAgency, c.hint),
                       domain::ParticipationMatched{p, rng_.Pick(kResources),
                                                    Text(rng_, "マッチング", 30, 150)}};
      }
      case Op::kParticipationFollowUp: {
        const PersonId& p = rng_.Pick(c.household).first;
        return Planned{StaffOf(kParticipationAgency, c.hint),
                       domain::ParticipationFollowedUp{p, Text(rng_, "定着支援", 30, 150)}};
      }
      case Op::kCorrection: {
        if (c.recent.empty()) return std::nullopt;
        const DomainEvent& target = c.recent.front();
        std::optional<PersonId> subject = domain::SubjectOf(target.payload);
        return Planned{Coordinator(c),
                       domain::CorrectionRecorded{target.id, subject.value_or(c.main()),
                                                  Text(rng_, "訂正理由", 10, 60),
                                                  Text(rng_, "訂正内容", 30, 150)}};
      }
      case Op::kDisclosureRequest: {
        c.request = RequestId(c.NextId("rq"));
        return Planned{IntakeStaff(c), domain::DisclosureRequestReceived{
                                           *c.request, c.main(), Text(rng_, "開示請求", 20, 100)}};
      }
      case Op::kDisclosureDecision: {
        if (!c.request) return std::nullopt;
        domain::DisclosureRequestDecided x{*c.request, c.main(), Decision(),
                                           Text(rng_, "決定理由", 10, 60)};
        c.request.reset();
        return Planned{Secretary(c), std::move(x)};
      }
      case Op::kCorrectionRequest: {
        c.request = RequestId(c.NextId("rq"));
        std::optional<domain::EventId> target;
        if (!c.recent.empty()) target = c.recent.front().id;
        c.correction_target = target;
        return Planned{IntakeStaff(c),
                       domain::CorrectionRequestReceived{*c.request, c.main(), target,
                                                         Text(rng_, "訂正請求", 20, 100)}};
      }
      case Op::kCorrectionDecision: {
        if (!c.request) return std::nullopt;
        const domain::RequestDecision decision = Decision();
        domain::CorrectionRequestDecided x{*c.request, c.main(), decision,
                                           Text(rng_, "決定理由", 10, 60)};
        c.request.reset();
        if (decision != domain::RequestDecision::kRefused && c.correction_target) {
          c.steps.push_front(Step{Op::kCorrection, 0, Days(1, 7), 0});
        }
        return Planned{Secretary(c), std::move(x)};
      }
      case Op::kUsageRequest: {
        c.request = RequestId(c.NextId("rq"));
        const PersonId& p = c.household.back().first;
        return Planned{IntakeStaff(c), domain::UsageSuspensionRequested{
                                           *c.request, p, Text(rng_, "利用停止請求", 20, 100)}};
      }
      case Op::kUsageApply: {
        if (!c.request) return std::nullopt;
        auto request = c.state.requests.find(*c.request);
        if (request == c.state.requests.end()) return std::nullopt;
        const PersonId p = request->second.subject;
        domain::UsageSuspensionApplied x{*c.request, p};
        c.request.reset();
        c.suspended.insert(p);
        return Planned{Secretary(c), std::move(x)};
      }
      case Op::kWithdrawConsent: {
        // arg 0: the main person (at the end of a case); 1: another member.
        std::optional<PersonId> p;
        if (s.arg == 0) {
          if (c.consents.contains(c.main())) p = c.main();
        } else {
          for (size_t i = 1; i < c.household.size(); ++i) {
            if (c.consents.contains(c.household[i].first)) p = c.household[i].first;
          }
        }
        if (!p) return std::nullopt;
        const ConsentId id = c.consents.at(*p).id;
        c.consents.erase(*p);
        return Planned{IntakeStaff(c),
                       domain::ConsentWithdrawn{id, *p, Text(rng_, "撤回の理由", 10, 60)}};
      }
    }
    return std::nullopt;
  }

  domain::RequestDecision Decision() {
    const uint64_t r = rng_.Below(10);
    return r < 6   ? domain::RequestDecision::kGranted
           : r < 9 ? domain::RequestDecision::kPartiallyGranted
                   : domain::RequestDecision::kRefused;
  }

  // A disclosure by consent outside a meeting. kDiscloseRefused: to an agency the consent does
  // not name, or by the tax division without consent to tax. arg 1: about a person whose usage
  // was just suspended (refused).
  std::optional<Planned> BuildDisclosure(Sim& c, const Step& s) {
    std::optional<PersonId> subject;
    if (s.arg == 1) {
      if (c.suspended.empty()) return std::nullopt;
      subject = *c.suspended.begin();
      if (!c.consents.contains(*subject)) return std::nullopt;
    } else {
      subject = ConsentingPerson(c, rng_.Chance(0.7));
    }
    if (!subject) return std::nullopt;
    const PersonConsent& consent = c.consents.at(*subject);
    std::vector<AgencyId> named;
    for (const AgencyId& a : consent.recipients) {
      if (a != kCoordination) named.push_back(a);
    }
    if (named.empty()) return std::nullopt;
    AgencyId discloser = kCoordination;
    bool refused = false;
    domain::DisclosureMade x;
    x.kinds = SomeKinds(consent.kinds, 1, 2, consent.kinds.Contains(K::kTax));
    if (s.op == Op::kDiscloseRefused) {
      if (!consent.kinds.Contains(K::kTax) && rng_.Chance(0.3)) {
        discloser = kTaxAgency;  // 地方税法 Art. 22: what the tax division holds is tax
        x.kinds = KindSet::Of({K::kFinance});
        x.recipients = {Recipient{rng_.Pick(named), std::nullopt}};
      } else {
        std::vector<AgencyId> others;
        for (const AgencySpec& a : Agencies()) {
          const AgencyId id(a.id);
          if (a.role == Role::kCaseworker && id != kTaxAgency &&
              std::find(consent.recipients.begin(), consent.recipients.end(), id) ==
                  consent.recipients.end()) {
            others.push_back(id);
          }
        }
        if (others.empty()) return std::nullopt;
        x.recipients = {Recipient{rng_.Pick(others), std::nullopt}};
      }
      refused = true;
    } else {
      if (rng_.Chance(0.4)) discloser = rng_.Pick(named);
      for (const AgencyId& a : Some(named, 1, 2)) {
        if (a != discloser) x.recipients.push_back(Recipient{a, std::nullopt});
      }
      if (x.recipients.empty()) {
        discloser = kCoordination;
        x.recipients.push_back(Recipient{named.front(), std::nullopt});
      }
      refused = !ConsentInForce(c, *subject) || c.suspended.contains(*subject);
    }
    if (c.suspended.contains(*subject)) refused = true;
    const StaffId staff = StaffOf(discloser, c.hint);
    x.subject = *subject;
    x.discloser_agency = discloser;
    x.discloser_staff = staff;
    x.purpose = Purpose::kSupportDelivery;
    x.basis = DisclosureBasis{BasisKind::kConsent, consent.id, std::nullopt};
    x.content = Text(rng_, "提供内容", 40, 300);
    return Planned{staff, std::move(x), refused};
  }

  // arg: -1 for a 支援会議; otherwise the MeetingPurpose of a 重層的支援会議.
  std::optional<Planned> BuildConvene(Sim& c, const Step& s) {
    Meeting m;
    m.id = MeetingId(c.NextId("m"));
    std::vector<AgencyId> agencies;
    if (s.arg < 0) {
      m.kind = MeetingKind::kSupportMeeting;
      m.chair = Secretary(c);
      agencies = {c.intake, AgencyId("ag-minsei"), kOutreachAgency};
      if (rng_.Chance(0.6)) agencies.push_back(AgencyId("ag-water"));
      if (rng_.Chance(0.4)) agencies.push_back(kTaxAgency);
      if (rng_.Chance(0.5)) agencies.push_back(AgencyId("ag-houkatsu"));
      m.urgent = rng_.Chance(0.15);
    } else {
      m.kind = MeetingKind::kMultiLayeredSupportMeeting;
      m.purpose = static_cast<MeetingPurpose>(s.arg);
      m.chair = Coordinator(c);
      std::vector<AgencyId> named;
      for (const AgencyId& a : c.recipients) {
        if (a != kCoordination) named.push_back(a);
      }
      const bool big_meeting = m.purpose == MeetingPurpose::kPlanCreation;
      agencies = Some(named, 2, big_meeting ? 6 : 3);
    }
    std::vector<AgencyId> unique;
    for (const AgencyId& a : agencies) {
      if (std::find(unique.begin(), unique.end(), a) == unique.end()) unique.push_back(a);
    }
    for (const AgencyId& a : unique) m.members.push_back(MemberOf(a, c.hint + m.members.size()));
    domain::MeetingConvened x;
    x.meeting = m.id;
    x.kind = m.kind;
    x.purpose = m.purpose;
    x.held_at = now_ + rng_.Gap(kHour, 3 * kDay);
    x.chair = m.chair;
    x.members = m.members;
    c.meeting = std::move(m);
    // The meeting's body is planned once the convening is accepted (AfterAccepted).
    return Planned{x.chair, std::move(x)};
  }

  // A disclosure inside the open meeting by member `arg`: under the main person's consent in a
  // 重層的支援会議, under the 支援会議 otherwise; kTaxAttempt is the tax division's refused try.
  std::optional<Planned> BuildMeetingDisclosure(Sim& c, const Step& s) {
    if (!c.meeting || static_cast<size_t>(s.arg) >= c.meeting->members.size()) {
      return std::nullopt;
    }
    const Meeting& m = *c.meeting;
    const MeetingMember& by = m.members[static_cast<size_t>(s.arg)];
    const domain::MeetingState* ms = c.state.FindMeeting(m.id);
    const domain::MemberState* member = ms ? ms->FindMember(by.staff) : nullptr;
    if (member == nullptr || !member->EligibleFor(c.state.version + 1)) return std::nullopt;
    // Someone else must be able to receive it.
    size_t others = 0;
    for (const domain::MemberState& x : ms->members) {
      others += x.member.staff != by.staff && x.EligibleFor(c.state.version + 1) ? 1 : 0;
    }
    if (others == 0) return std::nullopt;
    domain::DisclosureMade x;
    x.subject = c.main();
    x.discloser_agency = by.agency;
    x.discloser_staff = by.staff;
    x.purpose = Purpose::kSupportDelivery;
    x.content = Text(rng_, "会議での情報提供", 40, 300);
    bool refused = c.suspended.contains(c.main());
    if (m.kind == MeetingKind::kSupportMeeting) {
      x.basis = DisclosureBasis{BasisKind::kSupportMeeting, std::nullopt, m.id};
      if (s.op == Op::kTaxAttempt) {
        x.kinds = KindSet::Of({K::kTax});
        refused = true;
      } else if (by.agency == kTaxAgency) {
        return std::nullopt;  // the tax division discloses nothing without consent
      } else {
        static const InformationKind kByKind[] = {K::kNotes, K::kFinance, K::kCare, K::kHousehold,
                                                  K::kHealth};
        x.kinds = KindSet::Of({kByKind[rng_.Below(std::size(kByKind))]});
      }
    } else {
      if (!c.consents.contains(c.main()) || by.agency == kTaxAgency) return std::nullopt;
      const PersonConsent& consent = c.consents.at(c.main());
      x.basis = DisclosureBasis{BasisKind::kConsent, consent.id, m.id};
      x.kinds = SomeKinds(consent.kinds, 1, 2, consent.kinds.Contains(K::kTax));
      refused = refused || !ConsentInForce(c, c.main());
    }
    return Planned{by.staff, std::move(x), refused};
  }

  eventstore::EventLog& log_;
  const SyntheticOptions& options_;
  Rng rng_;
  SeededRandom ids_;
  domain::Directory directory_;
  domain::MunicipalSettings settings_ = domain::DefaultSettings();
  AppendPool pool_;
  const size_t window_events_;

  UnixNanos now_;
  uint64_t written_ = 0;
  uint64_t admin_version_ = 0;
  uint64_t case_numbers_ = 0;
  uint64_t sequence_ = 0;
  std::vector<Sim> cases_;
  std::unique_ptr<Sim> big_;
  uint64_t big_from_ = 0;  // events written when the big case started
  uint64_t big_room_ = 1;  // events the log had left then
  std::priority_queue<std::tuple<UnixNanos, uint64_t, size_t>,
                      std::vector<std::tuple<UnixNanos, uint64_t, size_t>>, std::greater<>>
      queue_;

  std::map<AgencyId, std::vector<StaffId>> active_staff_;
  std::map<AgencyId, int> staff_numbers_;
  std::map<StaffId, int> busy_;  // open meetings each staff member chairs or sits in

  std::vector<PendingAppend> window_;
  std::unordered_map<std::string, size_t> window_index_;
  size_t window_count_ = 0;

  SyntheticSummary summary_;
};

}  // namespace

Result<SyntheticSummary> WriteSyntheticLog(eventstore::EventLog& log,
                                           const SyntheticOptions& options) {
  Generator generator(log, options);
  return generator.Run();
}

}  // namespace kasane::projections

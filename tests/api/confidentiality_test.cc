// The confidentiality attack suite (issue 8 item 5): every personal field of every scenario
// carries a unique marker; for every GET route of the OpenAPI document and every principal, no
// response (body or header, errors included), feed event (JSON and Server-Sent Events), metric or
// log line carries a marker the rules of DOMAIN.md do not grant to that principal, and every
// marker they do grant is delivered.
//
// The oracle is not the production scope policy: each scenario step has a table, written here
// from DOMAIN.md's rules, naming who may see each event's content at that moment (rule 8: the
// recording agency; the recipients of a disclosure; meeting members who acknowledged before it
// (rule 4); an agency with a role in the approved plan, through a consent of the content's own
// data subject in force that names the agency and the kinds (rule 3); apps by their scope;
// auditors and the secretariat never content; erased subjects nobody (rule 9); tax only under a
// consent naming it (rule 5)).
//
// The scenarios run through the real HTTP API on loopback: the worked examples of
// tests/domain/worked_examples.h (the 8050 household, the 支援会議 with a late joiner and a
// refused tax disclosure) and two written here (a consent that expires, is renewed and
// withdrawn, with tax information under a consent naming it; usage suspension and the erasure
// of a household member). The World of tests/domain/fixture.h decides each step; its log is
// replayed through the command routes with every non-empty personal field replaced by a marker
// `MK-<scenario>-<event>-<field>` (a refused disclosure's attempted content too).
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "domain/personal_content.h"
#include "tests/api/api_fixture.h"
#include "tests/api/log_capture.h"
#include "tests/domain/worked_examples.h"

namespace kasane::api::testing {
namespace {

using domain::InformationKind;
using domain::Relation;
using domain::testing::kDay;
using domain::testing::Kinds;
using domain::testing::kSecond;
using domain::testing::World;
using K = InformationKind;
using Grants = std::map<std::string, std::set<std::string>>;

// --- markers ------------------------------------------------------------------------------------

struct Marker {
  std::string label;  // the event's label, "<type>#<n>" (n counts that type in the scenario)
  std::string path;   // the personal field, as PersonalFieldsOf names it
  std::string subject;
};

std::string Slug(std::string_view s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string Frame(std::string_view bytes) {
  std::string out;
  size_t n = bytes.size();
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    out += static_cast<char>(n ? (b | 0x80) : b);
  } while (n);
  out += bytes;
  return out;
}

size_t CountFrames(std::string_view encoded) {
  size_t count = 0, i = 0;
  while (i < encoded.size()) {
    size_t len = 0;
    int shift = 0;
    while (i < encoded.size()) {
      const uint8_t b = static_cast<uint8_t>(encoded[i++]);
      len |= size_t(b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    i += len;
    ++count;
  }
  return count;
}

// The principals of every scenario: the World's staff, two apps, and three callers without a
// usable token.
const domain::Principal kAppNotes{domain::StaffId(""), domain::AgencyId("ag-app-casework"),
                                  domain::Role::kApp,
                                  domain::AppScope{{}, Kinds({K::kNotes, K::kEmployment}), true}};
const domain::Principal kAppStats{
    domain::StaffId(""), domain::AgencyId("ag-app-stats"), domain::Role::kApp,
    domain::AppScope{{},
                     Kinds({K::kIdentity, K::kHousehold, K::kHealth, K::kDisability, K::kCare,
                            K::kChildWelfare, K::kFinance, K::kTax, K::kEmployment, K::kEducation,
                            K::kHousing, K::kAssessment, K::kPlan, K::kNotes}),
                     false}};

// Totals over every scenario (one process runs them all).
struct Totals {
  std::set<std::string> principals;
  std::set<std::string> routes;  // GET route templates and command routes exercised
  std::set<std::pair<std::string, std::string>> pairs;  // (principal, route)
  size_t requests = 0, markers = 0, checks = 0, leaks = 0, delivered = 0;
};

// One scenario: a server, its World, the markers, and the scan.
class Scenario {
 public:
  Scenario(std::string name, Totals& totals) : name_(std::move(name)), totals_(totals) {
    ServerOptions o;
    o.auth_failure_limit = 0;  // the scan sends many unauthenticated requests on purpose
    o.sse_keepalive = std::chrono::milliseconds(50);
    a_ = std::make_unique<ApiWorld>(o);
    a_->Bootstrap();
    principals_ = {};
    for (const auto& [id, s] : a_->w.directory.staff) {
      principals_[id.value] = a_->TokenOf(id.value);
    }
    principals_["app-notes"] = a_->TokenFor(kAppNotes);
    principals_["app-stats"] = a_->TokenFor(kAppStats);
    // A token of the coordinator, revoked; a well-formed token nobody issued; no token.
    const std::string revoked = a_->TokenFor(a_->w.PrincipalOf("st-coord"), "revoked");
    EXPECT_TRUE(a_->server->tokens().Revoke(revoked.substr(4, 12), a_->clock().Now()).ok());
    principals_["revoked-token"] = revoked;
    principals_["unknown-token"] = "ksn_0123456789ab_" + std::string(43, 'Q');
    principals_["no-token"] = "";
  }

  World& w() { return a_->w; }
  ApiWorld& api() { return *a_; }

  // Replays w().log[replayed_, end) through the API with markers in every personal field.
  void Replay() {
    for (; replayed_ < w().log.size(); ++replayed_) {
      domain::DomainEvent e = w().log[replayed_];
      a_->clock().Set(e.occurred_at);
      const std::string token = a_->TokenFor(
          domain::Principal{e.actor.staff, e.actor.agency, e.actor.role, std::nullopt});
      if (auto* refused = std::get_if<domain::DisclosureRefused>(&e.payload)) {
        const std::string label = Label("attempt");
        const std::string marker = Register(label, "content", refused->subject.value);
        domain::DomainEvent cmd = e;
        cmd.payload = domain::testing::AttemptBehind(*refused, marker);
        Reply r =
            a_->Call("POST", ApiWorld::PathFor(cmd, "c-1"), token, ApiWorld::BodyFor(cmd).dump());
        EXPECT_TRUE(r.status == 403 || r.status == 422) << replayed_ << " " << r.body;
        EXPECT_EQ(r.Json().value("rule", ""), refused->rule) << r.body;
        continue;
      }
      const std::string label = Label(std::string(domain::TypeOf(e.payload)));
      Status marked = domain::ForEachPersonalSlot(e.payload, [&](domain::PersonalSlot& slot) {
        if (slot.empty()) return Status::Ok();
        if (slot.path().ends_with("profile")) {
          const std::string base = NextText(slot.path());
          // PersonProfile: every field, each its own marker (registered under the same field).
          std::string enc;
          for (const char* f : {"fullName", "nameKana", "birthDate", "address", "description"}) {
            enc += Frame(f) + Frame(RegisterAs(base + "-" + f, label, slot.path(), slot.subject()));
          }
          return slot.Set(enc);
        }
        const std::string& p = slot.path();
        if (p.ends_with("decisions") || p.ends_with("goals") || p.ends_with("tasks")) {
          const std::string base = NextText(slot.path());
          std::string enc;
          const size_t n = CountFrames(slot.Encode());
          for (size_t i = 0; i < n; ++i) {
            enc += Frame(
                RegisterAs(base + "-" + std::to_string(i), label, slot.path(), slot.subject()));
          }
          return slot.Set(enc);
        }
        return slot.Set(Register(label, slot.path(), slot.subject().value));
      });
      ASSERT_TRUE(marked.ok()) << marked.ToString();
      Reply r = a_->Call("POST", ApiWorld::PathFor(e, "c-1"), token, ApiWorld::BodyFor(e).dump());
      EXPECT_EQ(r.status, 201) << "event " << replayed_ << " " << domain::TypeOf(e.payload) << ": "
                               << r.body;
    }
  }

  // Commands the caller may not issue (or that no rule admits), each carrying markers in
  // personal fields and in an unknown field: their answers (problems) must echo none of them.
  void AttackWithCommands() {
    const RouteSpec* disclose = CommandRouteFor("disclosure.made");
    ASSERT_NE(disclose, nullptr);
    std::string path(disclose->path);
    path.replace(path.find("{caseId}"), 8, "c-1");
    for (const auto& [who, token] : principals_) {
      const std::string label = Label("attack");
      domain::DisclosureMade d;
      d.subject = w().state.main_person;
      d.discloser_agency = a_->w.ActorOf(who).agency;
      d.discloser_staff = domain::StaffId(who);
      d.kinds = Kinds({K::kNotes});
      d.purpose = domain::Purpose::kSupportDelivery;
      d.basis = World::ByConsent("cn-nowhere");
      d.recipients = {World::To("ag-hospital")};
      d.content = Register(label, "content", d.subject.value);
      json body = projections::PayloadJson(domain::Payload(d), true);
      Reply refused = Request("POST", who, path, token, body.dump());
      EXPECT_GE(refused.status, 400) << who << " " << refused.body;
      body["nickname"] = Register(label, "nickname", d.subject.value);
      Reply invalid = Request("POST", who, path, token, body.dump());
      EXPECT_GE(invalid.status, 400) << who << " " << invalid.body;
      totals_.routes.insert("POST " + std::string(disclose->path));
      totals_.pairs.insert({who, "POST " + std::string(disclose->path)});
    }
  }

  // Scans every GET route for every principal at the API clock's current time against
  // `grants` (label or "label:path" -> principals who may see that content now).
  void Checkpoint(const std::string& step, const Grants& grants) {
    SCOPED_TRACE(name_ + " / " + step);
    // Every table key names markers of this scenario (a typo would grant nothing silently).
    for (const auto& [key, who] : grants) {
      bool used = false;
      for (const auto& [m, info] : markers_) {
        used = used || key == info.label || key == info.label + ":" + info.path;
      }
      EXPECT_TRUE(used) << "grant for " << key << " matches no marker";
      for (const std::string& p : who) EXPECT_TRUE(principals_.contains(p)) << p;
    }
    auto allowed = [&](const std::string& principal, const Marker& m) {
      auto it = grants.find(m.label + ":" + m.path);
      if (it == grants.end()) it = grants.find(m.label);
      return it != grants.end() && it->second.contains(principal);
    };

    const std::vector<std::pair<std::string, std::string>> requests = GetRequests();
    size_t scanned = 0;
    for (const auto& [who, token] : principals_) {
      std::set<std::string> seen;
      for (const auto& [route, target] : requests) {
        totals_.pairs.insert({who, route});
        Reply r;
        if (target == "SSE") {
          r = EventStream(who, token);
        } else {
          r = Request("GET", who, target, token);
        }
        ++scanned;
        // Without a usable token every authenticated route is 401 (only the two public ones
        // answer), so there is nothing to leak.
        const bool is_public = route == "/v1/health" || route == "/v1/openapi.json";
        if (who == "revoked-token" || who == "unknown-token" || who == "no-token") {
          EXPECT_EQ(r.status, is_public ? 200 : 401) << who << " " << target;
        }
        // The auditor sees every event's metadata (rule 8): the whole timeline, all redacted.
        if (who == "st-audit" && target == "/v1/cases/c-1/timeline") {
          EXPECT_EQ(r.status, 200);
          const json& entries = r.Json()["entries"];
          EXPECT_GT(entries.size(), 5u);
          for (const json& e : entries) EXPECT_TRUE(e.contains("redacted")) << e.dump();
        }
        std::string text = r.body;
        for (const auto& [n, v] : r.headers) text += "\n" + n + ": " + v;
        for (const std::string& found : Scan(text)) {
          const Marker& m = markers_.at(found);
          seen.insert(found);
          if (!allowed(who, m)) {
            ++totals_.leaks;
            ADD_FAILURE() << "LEAK " << who << " GET "
                          << (target == "SSE" ? "/v1/feed (SSE)" : target) << " -> " << r.status
                          << ": " << found << " (" << m.label << " " << m.path << " of "
                          << m.subject << ")";
          }
        }
        totals_.checks += markers_.size();
      }
      // The positive side: every granted marker reached this principal (through the timeline,
      // the case view or the feed), so the suite cannot pass by answering nothing.
      for (const auto& [text, m] : markers_) {
        if (!allowed(who, m)) continue;
        ++totals_.delivered;
        EXPECT_TRUE(seen.contains(text)) << who << " may see " << m.label << " " << m.path << " ("
                                         << text << ") but no answer carried it";
      }
    }
    std::cout << "[confidentiality] scenario=" << name_ << " step=" << step
              << " principals=" << principals_.size() << " requests=" << scanned
              << " markers=" << markers_.size() << "\n";
  }

  // The server's log so far and its metrics carry no marker at all.
  void ScanLogsAndMetrics(LogCapture& logs) {
    for (const std::string& found : Scan(logs.Text())) {
      ++totals_.leaks;
      ADD_FAILURE() << "LEAK in the server log: " << found;
    }
    Reply m = Request("GET", "st-sec", "/v1/metrics", principals_["st-sec"]);
    EXPECT_EQ(m.status, 200);
    for (const std::string& found : Scan(m.body)) {
      ++totals_.leaks;
      ADD_FAILURE() << "LEAK in the metrics: " << found;
    }
    totals_.checks += 2 * markers_.size();
    totals_.markers += markers_.size();
    for (const auto& [who, t] : principals_) totals_.principals.insert(who);
  }

  // The markers a text carries: every "MK-<scenario>-" token, each of which must be a whole
  // registered marker (a cut-off marker is reported as the marker it starts).
  std::vector<std::string> Scan(const std::string& text) const {
    std::vector<std::string> out;
    const std::string prefix = "MK-" + name_ + "-";
    for (size_t i = text.find(prefix); i != std::string::npos; i = text.find(prefix, i + 1)) {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) ||
                                 text[j] == '-' || text[j] == '_')) {
        ++j;
      }
      std::string token = text.substr(i, j - i);
      if (markers_.contains(token)) {
        out.push_back(token);
        continue;
      }
      // A fragment: attribute it to the first marker it begins.
      auto it = markers_.lower_bound(token);
      EXPECT_TRUE(it != markers_.end() && it->first.starts_with(token))
          << "an unregistered marker-like text " << token;
      if (it != markers_.end() && it->first.starts_with(token)) out.push_back(it->first);
    }
    return out;
  }

  std::map<std::string, std::string>& principals() { return principals_; }

 private:
  std::string Label(const std::string& type) { return type + "#" + std::to_string(++count_[type]); }

  // A new marker text for a field at `path` (not registered).
  std::string NextText(const std::string& path) {
    return "MK-" + name_ + "-" + std::to_string(++serial_) + "-" + Slug(path);
  }
  std::string Register(const std::string& label, const std::string& path,
                       const std::string& subject) {
    return RegisterAs(NextText(path), label, path, domain::PersonId(subject));
  }
  std::string RegisterAs(const std::string& text, const std::string& label, const std::string& path,
                         const domain::PersonId& subject) {
    for (const auto& [m, info] : markers_) {
      EXPECT_FALSE(m.find(text) != std::string::npos || text.find(m) != std::string::npos)
          << "markers must not contain each other: " << m << " " << text;
    }
    markers_[text] = Marker{label, path, subject.value};
    return text;
  }

  Reply Request(const std::string& method, const std::string& who, const std::string& target,
                const std::string& token, const std::string& body = "") {
    httplib::Headers h;
    std::string path = target;
    if (auto at = path.find(" Accept:"); at != std::string::npos) {
      h.emplace("Accept", path.substr(at + 8));
      path = path.substr(0, at);
    }
    ++totals_.requests;
    (void)who;
    return a_->Call(method, path, token, body, h);
  }

  // The feed as Server-Sent Events, read until the first keep-alive comment (the server has
  // scanned the whole log by then) or the end of an error answer.
  Reply EventStream(const std::string& who, const std::string& token) {
    (void)who;
    ++totals_.requests;
    httplib::Client c = a_->Client();
    c.set_read_timeout(10, 0);
    httplib::Headers h = {{"Accept", "text/event-stream"}};
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    Reply out;
    std::string data;
    c.Get(
        "/v1/feed", h,
        [&](const httplib::Response& res) {
          out.status = res.status;
          out.headers = res.headers;
          return true;
        },
        [&](const char* d, size_t n) {
          data.append(d, n);
          return data.find(": keep-alive") == std::string::npos;
        });
    out.body = std::move(data);
    EXPECT_NE(out.status, 0) << who << ": no answer from the event stream";
    return out;
  }

  // Every GET operation of the OpenAPI document, with its path parameters filled from the
  // scenario (every person, staff ids, the case) and its query variants: (template, target).
  std::vector<std::pair<std::string, std::string>> GetRequests() {
    std::ifstream in(std::string(KASANE_SOURCE_DIR) + "/api/openapi.json");
    const json doc = json::parse(in, nullptr, false);
    EXPECT_TRUE(doc.is_object());
    std::set<std::string> documented, routed;
    for (const auto& [path, item] : doc["paths"].items()) {
      if (item.contains("get")) documented.insert(path);
    }
    for (const RouteSpec& r : Routes()) {
      if (r.method == "GET") routed.insert(std::string(r.path));
    }
    EXPECT_EQ(documented, routed);

    std::set<std::string> persons = {"p-nobody"};
    for (const auto& [p, r] : w().state.household) persons.insert(p.value);
    const uint64_t size = a_->server->log().Size();
    const std::string mid = std::to_string(size / 2), last = std::to_string(size - 1);
    const std::string now = std::to_string(a_->clock().Now());
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& t : documented) {
      totals_.routes.insert("GET " + t);
      auto add = [&](const std::string& target) { out.emplace_back(t, target); };
      std::string base = t;
      if (auto b = base.find("{caseId}"); b != std::string::npos) base.replace(b, 8, "c-1");
      if (t.find("{personId}") != std::string::npos) {
        for (const std::string& p : persons) {
          std::string x = base;
          x.replace(x.find("{personId}"), 10, p);
          add(x);
          add(x + "?as_of_position=" + mid);
        }
      } else if (t.find("{staffId}") != std::string::npos) {
        for (const char* s : {"st-sec", "st-coord", "st-cm", "st-houkatsu", "st-msw"}) {
          std::string x = base;
          x.replace(x.find("{staffId}"), 9, s);
          add(x);
        }
      } else if (t == "/v1/cases/{caseId}" || t == "/v1/cases/{caseId}/timeline") {
        add(base);
        add(base + "?as_of_position=" + mid);
        add(base + "?as_of_time=" + now);
        add(base + "?min_position=" + last);
        if (t.ends_with("timeline")) add(base + "?after=" + mid + "&limit=3");
      } else if (t == "/v1/feed") {
        add(base + "?limit=1000");
        add(base + "?after=" + mid + "&limit=1000&wait=0");
        add("SSE");
      } else if (t == "/v1/statistics") {
        add(base);
        add(base + " Accept:text/csv");
      } else if (t == "/v1/monitoring-due") {
        add(base);
        add(base + "?horizon_days=3660");
      } else if (t == "/v1/log/inclusion") {
        add(base + "?position=" + mid);
      } else if (t == "/v1/log/consistency") {
        add(base + "?from=1");
      } else {
        add(base);
      }
    }
    // A case that does not exist answers the same for everyone (no marker, no hint).
    out.emplace_back("/v1/cases/{caseId}", "/v1/cases/c-none");
    return out;
  }

  std::string name_;
  Totals& totals_;
  std::unique_ptr<ApiWorld> a_;
  std::map<std::string, std::string> principals_;  // name -> token ("" = none)
  std::map<std::string, Marker> markers_;          // marker text -> what it marks
  std::map<std::string, int> count_;
  size_t replayed_ = 0;
  int serial_ = 0;
};

// Runs a command the World must refuse (any rule; the refusal is a disclosure.refused).
void Refuse(World& w, const std::string& staff, domain::Payload payload) {
  Result<domain::Decision> d = w.Try(staff, std::move(payload));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->accepted());
  ASSERT_FALSE(w.log.empty());
  EXPECT_EQ(domain::TypeOf(w.log.back().payload), "disclosure.refused");
}

size_t IndexOf(const std::vector<domain::DomainEvent>& log, std::string_view type) {
  for (size_t i = 0; i < log.size(); ++i) {
    if (domain::TypeOf(log[i].payload) == type) return i;
  }
  return log.size();
}

// --- the scenarios ------------------------------------------------------------------------------

// The 8050 household (worked example 1), read after the plan's approval and after 終結.
void Run8050(Totals& totals, LogCapture& logs) {
  Scenario s("8050", totals);
  domain::testing::Build8050Household(s.w());
  // Replay up to and including plan.approved; read at that moment.
  std::vector<domain::DomainEvent> full = s.w().log;
  const size_t approved = IndexOf(full, "plan.approved");
  s.w().log.resize(approved + 1);
  s.Replay();
  s.api().clock().Set(full[approved].occurred_at + kSecond);
  // Plan roles: hospital, home help, outreach, participation, care manager. The father's consent
  // cn-father names them (and the coordinator) for identity, household, health, care, plan,
  // notes, assessment. The son has consented to nothing yet.
  const std::set<std::string> plan_roles = {"st-msw", "st-helper", "st-outreach", "st-sanka",
                                            "st-cm"};
  auto with = [](std::set<std::string> a, std::initializer_list<std::string> b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  s.Checkpoint("plan approved",
               {
                   // The care manager recorded the intake; the plan roles read it under the
                   // father's consent ...
                   {"case.opened#1", plan_roles},
                   // ... except the son's profile: his, and he has consented to nothing.
                   {"case.opened#1:members[1].profile", {"st-cm"}},
                   // Outreach to the son before any consent: the outreach worker only.
                   {"outreach.recorded#1", {"st-outreach", "app-notes"}},
                   // The referral to coordination: the coordinator receives it.
                   {"referral.made#1", with(plan_roles, {"st-coord"})},
                   {"assessment.recorded#1", with(plan_roles, {"st-coord"})},
                   {"plan.drafted#1", with(plan_roles, {"st-coord"})},
                   // The discharge outlook inside m-plan: the members who acknowledged (the
                   // coordinator chairs but is no member).
                   {"disclosure.made#1", plan_roles},
                   {"meeting.concluded#1", with(plan_roles, {"st-coord", "app-notes"})},
               });
  // The rest of the story: the son's consent (participation only), 終結 with 伴走支援 by the
  // care manager.
  s.w().log = full;
  s.Replay();
  s.AttackWithCommands();
  s.api().clock().Set(s.w().now);
  s.Checkpoint("terminated",
               {
                   // After 終結 only the accompanying agency (the care manager) keeps the plan
                   // relation.
                   {"case.opened#1", {"st-cm"}},
                   {"outreach.recorded#1", {"st-outreach", "app-notes"}},
                   {"outreach.recorded#2", {"st-outreach", "app-notes"}},
                   {"outreach.recorded#3", {"st-outreach", "app-notes"}},
                   {"referral.made#1", {"st-cm", "st-coord"}},
                   {"assessment.recorded#1", {"st-coord", "st-cm"}},
                   {"plan.drafted#1", {"st-coord", "st-cm"}},
                   {"disclosure.made#1", plan_roles},
                   {"meeting.concluded#1", with(plan_roles, {"st-coord", "app-notes"})},
                   // The son's employment to participation support, under his consent.
                   {"disclosure.made#2", {"st-outreach", "st-sanka", "app-notes"}},
                   {"participation.matched#1", {"st-sanka", "app-notes"}},
                   {"participation.followed_up#1", {"st-sanka", "app-notes"}},
                   {"plan.monitoring_recorded#1", {"st-coord", "st-cm"}},
                   {"plan.evaluated#1", {"st-coord", "st-cm"}},
                   {"meeting.concluded#2", {"st-coord", "st-msw", "st-cm", "app-notes"}},
                   {"support.terminated#1", {"st-coord", "st-cm"}},
                   // The refused attempt (the son's notes to home help) and the attacks: nobody.
               });
  s.ScanLogsAndMetrics(logs);
}

// Seed 001: a 支援会議 without consent; the tax division's attempt is refused; the hospital
// worker joins late.
void RunSupportMeeting(Totals& totals, LogCapture& logs) {
  Scenario s("meeting", totals);
  domain::testing::BuildSupportMeetingTaxRefusal(s.w());
  s.Replay();
  s.AttackWithCommands();
  s.api().clock().Set(s.w().now);
  const std::set<std::string> first = {"st-minsei", "st-water", "st-houkatsu", "st-outreach",
                                       "st-tax"};
  s.Checkpoint("concluded",
               {
                   {"case.opened#1", {"st-houkatsu"}},
                   // Disclosed before the hospital worker joined: the first members only (the
                   // notes of the 民生委員 too: an app with `notes` is no member).
                   {"disclosure.made#1", first},
                   {"disclosure.made#2", first},
                   // The tax arrears: refused (rule 5), so nobody (the attempt#1 marker).
                   // Disclosed after the late joiner acknowledged: they receive it.
                   {"disclosure.made#3",
                    {"st-minsei", "st-water", "st-houkatsu", "st-outreach", "st-tax", "st-msw"}},
                   // The minutes: members who acknowledged before the first disclosure, and the
                   // secretariat that recorded them; not the late joiner. No app: what a
                   // 支援会議 shares goes to its members only (rule 4), whatever an app's kinds.
                   {"meeting.concluded#1",
                    {"st-sec", "st-minsei", "st-water", "st-houkatsu", "st-outreach", "st-tax"}},
                   {"outreach.recorded#1", {"st-outreach", "app-notes"}},
               });
  s.ScanLogsAndMetrics(logs);
}

// A consent that expires, a new one, its withdrawal; tax information under a consent naming
// it; a proxy's name.
void RunConsentLifecycle(Totals& totals, LogCapture& logs) {
  Scenario s("consent", totals);
  World& w = s.w();
  w.OpenCase("st-houkatsu", {{"p-a", Relation::kSelf}});
  domain::ConsentRecorded cn_a = World::ConsentFor(
      "cn-a", "p-a", {"ag-takikan", "ag-jiritsu", "ag-houkatsu"},
      Kinds({K::kIdentity, K::kHousehold, K::kNotes, K::kFinance, K::kPlan, K::kAssessment}));
  cn_a.grantor = domain::Grantor::kProxy;
  cn_a.proxy_relation = Relation::kSpouse;
  cn_a.proxy_name = "proxy";
  cn_a.valid_until = w.now + 60 * kDay;
  w.Must("st-houkatsu", cn_a);
  w.Must("st-coord",
         domain::AssessmentRecorded{domain::PersonId("p-a"), Kinds({K::kFinance}), "debts"});
  w.Must("st-coord", w.Draft("pl-1", 1, {"ag-jiritsu"}));
  w.HoldMultiLayeredMeeting("m-plan", domain::MeetingPurpose::kPlanCreation, {"st-jiritsu"});
  w.Must("st-coord", domain::PlanApproved{domain::PlanId("pl-1"), 1, domain::MeetingId("m-plan")});
  // Tax information (税情報) only under a consent that names it (rule 5).
  w.Must("st-houkatsu",
         World::ConsentFor("cn-tax", "p-a", {"ag-jiritsu", "ag-tax"}, Kinds({K::kTax})));
  w.Must("st-tax", w.Disclose("st-tax", "p-a", Kinds({K::kTax}), World::ByConsent("cn-tax"),
                              {World::To("ag-jiritsu")}));
  Refuse(w, "st-tax",
         w.Disclose("st-tax", "p-a", Kinds({K::kTax}), World::ByConsent("cn-a"),
                    {World::To("ag-takikan")}));
  w.Must("st-coord", w.Disclose("st-coord", "p-a", Kinds({K::kFinance}), World::ByConsent("cn-a"),
                                {World::To("ag-jiritsu")}));
  s.Replay();
  s.api().clock().Set(w.now);
  const Grants in_force = {
      {"case.opened#1", {"st-houkatsu", "st-jiritsu"}},
      {"consent.recorded#1", {"st-houkatsu", "st-jiritsu"}},  // the proxy's name
      {"assessment.recorded#1", {"st-coord", "st-jiritsu"}},
      {"plan.drafted#1", {"st-coord", "st-jiritsu"}},
      {"meeting.concluded#1", {"st-coord", "st-jiritsu", "app-notes"}},
      {"disclosure.made#1", {"st-tax", "st-jiritsu"}},    // tax, under cn-tax
      {"disclosure.made#2", {"st-coord", "st-jiritsu"}},  // finance, under cn-a
  };
  s.Checkpoint("consent in force", in_force);

  // cn-a expires: the plan role reads nothing more through it; recipients keep what they got.
  w.AdvanceDays(61);
  Refuse(w, "st-coord",
         w.Disclose("st-coord", "p-a", Kinds({K::kFinance}), World::ByConsent("cn-a"),
                    {World::To("ag-jiritsu")}));
  s.Replay();
  s.api().clock().Set(w.now);
  const Grants lapsed = {
      {"case.opened#1", {"st-houkatsu"}},
      {"consent.recorded#1", {"st-houkatsu"}},
      {"assessment.recorded#1", {"st-coord"}},
      {"plan.drafted#1", {"st-coord"}},
      {"meeting.concluded#1", {"st-coord", "st-jiritsu", "app-notes"}},
      {"disclosure.made#1", {"st-tax", "st-jiritsu"}},
      {"disclosure.made#2", {"st-coord", "st-jiritsu"}},
  };
  s.Checkpoint("consent expired", lapsed);

  // A new consent opens the plan role's reading again.
  domain::ConsentRecorded cn_c = World::ConsentFor(
      "cn-c", "p-a", {"ag-takikan", "ag-jiritsu", "ag-houkatsu"},
      Kinds({K::kIdentity, K::kHousehold, K::kNotes, K::kFinance, K::kPlan, K::kAssessment}));
  cn_c.valid_from = w.now;
  w.Must("st-houkatsu", cn_c);
  s.Replay();
  s.api().clock().Set(w.now);
  s.Checkpoint("consent renewed", in_force);

  // Withdrawn: closed again; a disclosure under it is refused; the reason is the recorder's.
  w.Must("st-houkatsu",
         domain::ConsentWithdrawn{domain::ConsentId("cn-c"), domain::PersonId("p-a"), "reason"});
  Refuse(w, "st-coord",
         w.Disclose("st-coord", "p-a", Kinds({K::kFinance}), World::ByConsent("cn-c"),
                    {World::To("ag-jiritsu")}));
  s.Replay();
  s.AttackWithCommands();
  s.api().clock().Set(w.now);
  Grants withdrawn = lapsed;
  withdrawn["consent.withdrawn#1"] = {"st-houkatsu"};
  s.Checkpoint("consent withdrawn", withdrawn);
  s.ScanLogsAndMetrics(logs);
}

// 利用停止 of the main person; erasure (消去) of a household member through the API.
void RunRights(Totals& totals, LogCapture& logs) {
  Scenario s("rights", totals);
  World& w = s.w();
  w.OpenCase("st-houkatsu", {{"p-u", Relation::kSelf}, {"p-e", Relation::kChild}});
  w.Must("st-houkatsu",
         World::ConsentFor("cn-u", "p-u", {"ag-jiritsu"}, Kinds({K::kIdentity, K::kNotes})));
  w.Must("st-houkatsu",
         World::ConsentFor("cn-e", "p-e", {"ag-jiritsu"}, Kinds({K::kIdentity, K::kCare})));
  w.Must("st-houkatsu", w.Disclose("st-houkatsu", "p-u", Kinds({K::kNotes}),
                                   World::ByConsent("cn-u"), {World::To("ag-jiritsu")}));
  w.Must("st-houkatsu", domain::OutreachRecorded{domain::PersonId("p-e"),
                                                 domain::OutreachActivity::kHomeVisit, "visit"});
  w.Must("st-houkatsu",
         domain::AssessmentRecorded{domain::PersonId("p-e"), Kinds({K::kCare}), "care"});
  w.Must("st-houkatsu", w.Disclose("st-houkatsu", "p-e", Kinds({K::kCare}),
                                   World::ByConsent("cn-e"), {World::To("ag-jiritsu")}));
  w.Must("st-houkatsu", domain::UsageSuspensionRequested{domain::RequestId("rq-1"),
                                                         domain::PersonId("p-u"), "why"});
  w.Must("st-sec",
         domain::UsageSuspensionApplied{domain::RequestId("rq-1"), domain::PersonId("p-u")});
  w.MustRefuse("st-houkatsu",
               w.Disclose("st-houkatsu", "p-u", Kinds({K::kNotes}), World::ByConsent("cn-u"),
                          {World::To("ag-jiritsu")}),
               domain::kRuleUsageSuspension);
  s.Replay();
  s.api().clock().Set(w.now);
  Grants before = {
      {"case.opened#1", {"st-houkatsu"}},
      {"disclosure.made#1", {"st-houkatsu", "st-jiritsu", "app-notes"}},
      {"outreach.recorded#1", {"st-houkatsu", "app-notes"}},
      {"assessment.recorded#1", {"st-houkatsu"}},
      {"disclosure.made#2", {"st-houkatsu", "st-jiritsu"}},
      {"rights.usage_suspension_requested#1", {"st-houkatsu"}},
  };
  s.Checkpoint("usage suspended", before);

  // Erasure of p-e: their content is nobody's any more, not even the recorder's.
  w.Must("st-sec", domain::PersonErased{domain::PersonId("p-e"), "保存期間満了"});
  s.Replay();
  s.AttackWithCommands();
  s.api().clock().Set(w.now);
  Grants after = before;
  after["case.opened#1:members[1].profile"] = {};
  after["outreach.recorded#1"] = {};
  after["assessment.recorded#1"] = {};
  after["disclosure.made#2"] = {};
  s.Checkpoint("member erased", after);
  s.ScanLogsAndMetrics(logs);
}

TEST(ConfidentialityTest, NoMarkerReachesAnyoneTheRulesDoNotGrantItTo) {
  LogCapture logs;
  Totals totals;
  Run8050(totals, logs);
  RunSupportMeeting(totals, logs);
  RunConsentLifecycle(totals, logs);
  RunRights(totals, logs);
  EXPECT_GT(totals.delivered, 100u);
  std::cout << "[confidentiality] principals=" << totals.principals.size()
            << " routes=" << totals.routes.size() << " pairs=" << totals.pairs.size()
            << " requests=" << totals.requests << " markers=" << totals.markers
            << " checks=" << totals.checks << " delivered=" << totals.delivered
            << " leaks=" << totals.leaks << std::endl;
}

}  // namespace
}  // namespace kasane::api::testing

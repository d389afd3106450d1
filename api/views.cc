// The scoped views: every answer passes through domain::Evaluate, one event at a time.
#include <spdlog/spdlog.h>

#include "api/internal/decimal.h"
#include "api/internal/server_impl.h"
#include "api/records.h"
#include "domain/personal_content.h"
#include "projections/access_register.h"
#include "projections/case_view.h"
#include "projections/consent_register.h"
#include "projections/disclosure_register.h"
#include "projections/event_codec.h"
#include "projections/event_json.h"
#include "projections/monitoring_due.h"
#include "projections/statistics.h"
#include "projections/timeline.h"

namespace kasane::api {
namespace {

using nlohmann::json;

constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 10000;

Problem NotFoundCase() { return MakeProblem(404, "not-found", "Not found", "case not found"); }

bool SeesEverything(const domain::Principal& p) {
  return p.role == domain::Role::kAuditor || p.role == domain::Role::kSecretariat;
}

}  // namespace

Result<std::optional<uint64_t>> QueryU64(const httplib::Request& req, const std::string& name) {
  if (!req.has_param(name)) return std::optional<uint64_t>();
  std::optional<uint64_t> n = ParseDecimal(req.get_param_value(name));
  if (!n) return InvalidArgument(name + ": must be a non-negative integer");
  return n;
}

Status ApiServer::Impl::RecordShown(const RequestContext& ctx, const CaseSnapshot& snap,
                                    const std::vector<domain::DomainEvent>& shown) {
  if (shown.empty()) return Status::Ok();
  const auto started = std::chrono::steady_clock::now();
  auto r = RecordAccess(*log, *random, ctx.principal, snap.state, shown, ctx.now, ctx.request_id,
                        ctx.channel);
  append_seconds.With({"access"})
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!r.ok()) {
    spdlog::error("api: access record failed; content withheld (request {}): {}", ctx.request_id,
                  r.status().ToString());
    return r.status();
  }
  if (*r) {
    appends_total.With({"access"}).Increment();
    access_records_total.With({}).Increment();
  }
  return Status::Ok();
}

Result<std::optional<json>> ApiServer::Impl::ScopedEvent(const RequestContext& ctx,
                                                         const CaseSnapshot& snap,
                                                         const CaseEvent& e,
                                                         std::vector<domain::DomainEvent>& shown) {
  const domain::ScopeDecision d = domain::Evaluate(ctx.principal, snap.state, e.event, ctx.now);
  if (d.level == domain::ScopeLevel::kNothing) return std::optional<json>();
  if (d.level == domain::ScopeLevel::kMetadataOnly) {
    json j = projections::EventJson(e.event, /*with_personal=*/false);
    j["position"] = e.position;
    j["redacted"] = {{"reason", d.reason}};
    return std::optional<json>(std::move(j));
  }
  KASANE_ASSIGN_OR_RETURN(eventstore::RecordedEvent recorded, log->ReadAt(e.position));
  KASANE_ASSIGN_OR_RETURN(projections::DecodedEvent decoded,
                          projections::FromLogEvent(recorded, *log));
  // Rule 3 field by field: another person's fields inside the event (a household member's
  // profile in case.opened) need that person's own consent when read through a plan role.
  std::vector<std::string> withheld;
  KASANE_RETURN_IF_ERROR(
      domain::ForEachPersonalSlot(decoded.event.payload, [&](domain::PersonalSlot& slot) {
        if (!slot.empty() && !domain::ShowsField(ctx.principal, snap.state, e.event, d,
                                                 {slot.path(), slot.subject()}, ctx.now)) {
          slot.Clear();
          withheld.push_back(slot.path());
        }
        return Status::Ok();
      }));
  json j = projections::EventJson(decoded.event, /*with_personal=*/true);
  j["position"] = e.position;
  j["accessBasis"] = d.reason;
  if (decoded.HasErasedContent()) j["erased"] = decoded.erased_paths;
  if (!withheld.empty()) j["withheld"] = withheld;
  shown.push_back(e.event);
  return std::optional<json>(std::move(j));
}

void ApiServer::Impl::HandleView(RequestContext& ctx, const httplib::Request& req,
                                 httplib::Response& res) {
  const std::string_view path = ctx.route->path;
  auto fail = [&](const Status& s) { SendProblem(res, ctx, ProblemFromStatus(s)); };

  auto min_position = QueryU64(req, "min_position");
  auto as_of_position = QueryU64(req, "as_of_position");
  auto as_of_time = QueryU64(req, "as_of_time");
  auto after = QueryU64(req, "after");
  auto limit_q = QueryU64(req, "limit");
  for (const auto* q : {&min_position, &as_of_position, &as_of_time, &after, &limit_q}) {
    if (!q->ok()) return fail(q->status());
  }
  projections::AsOf as_of;
  as_of.position = *as_of_position;
  if (*as_of_time) {
    if (**as_of_time > static_cast<uint64_t>(INT64_MAX)) {
      return fail(InvalidArgument("as_of_time: at most " + std::to_string(INT64_MAX)));
    }
    as_of.time = static_cast<UnixNanos>(**as_of_time);
  }
  if (*min_position && **min_position >= log->Size()) {
    return fail(InvalidArgument("min_position: the log has " + std::to_string(log->Size()) +
                                " events; name a position a command returned"));
  }
  size_t limit = kDefaultLimit;
  if (*limit_q) {
    if (**limit_q == 0 || **limit_q > kMaxLimit) {
      return fail(InvalidArgument("limit: must be 1 to " + std::to_string(kMaxLimit)));
    }
    limit = **limit_q;
  }
  const uint64_t from_position = *after ? **after + 1 : 0;

  // Read-your-writes: wait (bounded) until the projection has applied min_position.
  auto wait_for = [&](std::string_view projection) {
    if (!*min_position) return true;
    const auto deadline = std::chrono::steady_clock::now() + options.max_wait;
    while (!stopping && std::chrono::steady_clock::now() < deadline) {
      if (engine->WaitFor(projection, **min_position, std::chrono::milliseconds(250))) return true;
    }
    res.set_header("Retry-After", "1");
    SendProblem(res, ctx,
                MakeProblem(503, "projection-behind", "The view has not reached that position",
                            "min_position " + std::to_string(**min_position) +
                                " is not applied yet; retry"));
    return false;
  };

  if (path == "/v1/cases/{caseId}" || path == "/v1/cases/{caseId}/timeline" ||
      path == "/v1/cases/{caseId}/accesses") {
    const domain::CaseId id{ctx.params["caseId"]};
    if (!domain::ValidateId("caseId", id.value).ok()) {
      return SendProblem(res, ctx, NotFoundCase());
    }
    const std::string_view projection = path == "/v1/cases/{caseId}" ? projections::kCaseViewName
                                        : path == "/v1/cases/{caseId}/timeline"
                                            ? projections::kTimelineName
                                            : projections::kAccessRegisterName;
    const bool case_view = path == "/v1/cases/{caseId}";
    if (!case_view && !wait_for(projection)) return;
    // The projection is read first, then the case: the snapshot is at least as new.
    json view;
    std::vector<json> entries;
    if (!case_view) {
      auto reader = engine->Reader(projection);
      if (!reader.ok()) return fail(reader.status());
      if (path == "/v1/cases/{caseId}/timeline") {
        auto t = projections::ReadTimeline(*reader, {id, as_of, from_position, limit});
        if (!t.ok()) return fail(t.status());
        entries = std::move(*t);
      } else {
        auto a = projections::AccessRegisterForCase(*reader, id, {as_of, from_position, limit});
        if (!a.ok()) return fail(a.status());
        entries = std::move(*a);
      }
    }
    auto snap = cases->Load(id);
    if (!snap.ok()) return fail(snap.status());
    const CaseSnapshot& s = **snap;
    if (!RelatedTo(ctx.principal, s, ctx.now)) return SendProblem(res, ctx, NotFoundCase());
    std::vector<domain::DomainEvent> shown;

    if (path == "/v1/cases/{caseId}") {
      if (!as_of.unbounded()) {
        auto v = projections::CaseViewAsOf(*log, id, as_of);
        if (!v.ok()) return fail(v.status());
        if (!*v) return SendProblem(res, ctx, NotFoundCase());
        view = std::move(**v);
      }
      if (!SeesCaseStructure(ctx.principal, s, ctx.now)) {
        // Related, but not to the case as a whole: its id and version, nothing built from
        // events the policy does not grant (rule 8).
        json minimal = {{"caseId", id.value},
                        {"version", s.count()},
                        {"redacted", {{"reason", "case_structure"}}}};
        res.set_header("ETag", "\"" + std::to_string(s.count()) + "\"");
        return SendJson(res, 200, minimal);
      }
      if (view.is_null()) {
        // The current view: BuildCaseView (what the case_view projection stores) over the case
        // store's state, built once per version of the case and shared by its readers. It is
        // never behind the log (min_position needs no wait) and costs no read of the views.
        view = *s.View();
      }
      std::map<uint64_t, std::string> withheld;
      Status resolved = projections::ResolveProfiles(
          view, [&](uint64_t position) { return s.Unsealed(position, *log); },
          [&](uint64_t position) {
            const CaseEvent* e = s.AtPosition(position);
            if (e == nullptr) return false;
            domain::ScopeDecision d = domain::Evaluate(ctx.principal, s.state, e->event, ctx.now);
            if (d.level != domain::ScopeLevel::kFull) {
              withheld[position] = d.reason;
              return false;
            }
            shown.push_back(e->event);
            return true;
          },
          ctx.now);
      if (!resolved.ok()) return fail(resolved);
      if (view.contains("household")) {
        for (json& member : view["household"]) {
          // Rule 3 field by field (as ScopedEvent): a member's own profile read through a plan
          // role needs the member's own consent.
          if (member.contains("profile") && !member["profile"].contains("erased") &&
              member["profilePosition"].is_number()) {
            const uint64_t position = member["profilePosition"].get<uint64_t>();
            const CaseEvent* e = s.AtPosition(position);
            if (e != nullptr) {
              const domain::ScopeDecision d =
                  domain::Evaluate(ctx.principal, s.state, e->event, ctx.now);
              const domain::PersonalField field{
                  "profile", domain::PersonId(member["person"].get<std::string>())};
              if (!domain::ShowsField(ctx.principal, s.state, e->event, d, field, ctx.now)) {
                member.erase("profile");
                withheld[position] = "subject_consent";
              }
            }
          }
          if (member.contains("profile") || !member.contains("profilePosition") ||
              member["profilePosition"].is_null()) {
            continue;
          }
          auto it = withheld.find(member["profilePosition"].get<uint64_t>());
          member["redacted"] = {
              {"reason", it != withheld.end() ? it->second : std::string("no_relation")}};
        }
      }
      Status recorded = RecordShown(ctx, s, shown);
      if (!recorded.ok()) return fail(Unavailable("the access could not be recorded"));
      res.set_header("ETag", "\"" + std::to_string(view.value("version", uint64_t{0})) + "\"");
      return SendJson(res, 200, view);
    }

    if (path == "/v1/cases/{caseId}/timeline") {
      json items = json::array();
      for (json& entry : entries) {
        const uint64_t position = entry["position"].get<uint64_t>();
        const CaseEvent* e = s.AtPosition(position);
        if (e == nullptr) continue;
        auto scoped = ScopedEvent(ctx, s, *e, shown);
        if (!scoped.ok()) return fail(scoped.status());
        if (!*scoped) continue;
        json& j = **scoped;
        entry["payload"] = std::move(j["payload"]);
        if (j.contains("redacted")) entry["redacted"] = std::move(j["redacted"]);
        if (j.contains("erased")) entry["erased"] = std::move(j["erased"]);
        if (j.contains("withheld")) entry["withheld"] = std::move(j["withheld"]);
        items.push_back(std::move(entry));
      }
      Status recorded = RecordShown(ctx, s, shown);
      if (!recorded.ok()) return fail(Unavailable("the access could not be recorded"));
      json body = {{"caseId", id.value}, {"entries", std::move(items)}};
      if (entries.size() == limit) body["next"] = entries.back()["position"];
      res.set_header("ETag", "\"" + std::to_string(s.count()) + "\"");
      return SendJson(res, 200, body);
    }

    // The case's access register: who read it. Auditors and the secretariat see every entry;
    // other staff see their own agency's; apps see none.
    if (ctx.principal.role == domain::Role::kApp) {
      return SendProblem(
          res, ctx,
          MakeProblem(403, "forbidden", "Not allowed", "apps do not read access registers"));
    }
    json items = json::array();
    for (json& entry : entries) {
      if (!SeesEverything(ctx.principal) &&
          entry.value("agency", std::string()) != ctx.principal.agency.value) {
        continue;
      }
      items.push_back(std::move(entry));
    }
    json body = {{"caseId", id.value}, {"entries", std::move(items)}};
    if (entries.size() == limit) body["next"] = entries.back()["position"];
    return SendJson(res, 200, body);
  }

  if (path == "/v1/persons/{personId}/consents" || path == "/v1/persons/{personId}/disclosures") {
    const domain::PersonId person{ctx.params["personId"]};
    if (!domain::ValidateId("personId", person.value).ok()) {
      return SendJson(res, 200, {{"personId", person.value}, {"entries", json::array()}});
    }
    const bool consents = path == "/v1/persons/{personId}/consents";
    const std::string_view projection =
        consents ? projections::kConsentRegisterName : projections::kDisclosureRegisterName;
    if (!wait_for(projection)) return;
    std::vector<json> entries;
    {
      auto reader = engine->Reader(projection);
      if (!reader.ok()) return fail(reader.status());
      auto r = consents ? projections::ConsentRegisterFor(*reader, person)
                        : projections::DisclosureRegisterFor(*reader, person,
                                                             {as_of, from_position, limit});
      if (!r.ok()) return fail(r.status());
      entries = std::move(*r);
    }
    // Each entry is shown when the policy lets the reader see its event at all; a register
    // holds no content, so nothing here needs an access record.
    std::map<std::string, std::shared_ptr<const CaseSnapshot>> snaps;
    // Paging continues after the last entry read, whatever the policy left of it.
    const json last_position = entries.empty() ? json() : entries.back()["position"];
    json items = json::array();
    for (json& entry : entries) {
      const std::string case_id = entry.value("case", std::string());
      auto& snap = snaps[case_id];
      if (!snap) {
        auto loaded = cases->Load(domain::CaseId{case_id});
        if (!loaded.ok()) return fail(loaded.status());
        snap = *loaded;
      }
      const CaseEvent* e = snap->AtPosition(entry.value("position", uint64_t{0}));
      if (e == nullptr) continue;
      domain::ScopeDecision d = domain::Evaluate(ctx.principal, snap->state, e->event, ctx.now);
      if (d.level == domain::ScopeLevel::kNothing) continue;
      entry["accessBasis"] = d.reason;
      items.push_back(std::move(entry));
    }
    json body = {{"personId", person.value}, {"entries", std::move(items)}};
    if (!consents && entries.size() == limit) body["next"] = last_position;
    return SendJson(res, 200, body);
  }

  if (path == "/v1/staff/{staffId}/accesses") {
    const domain::StaffId staff{ctx.params["staffId"]};
    if (!SeesEverything(ctx.principal) && ctx.principal.staff != staff) {
      return SendProblem(res, ctx,
                         MakeProblem(403, "forbidden", "Not allowed",
                                     "only the staff member, the secretariat and auditors "
                                     "read a staff member's accesses"));
    }
    if (!wait_for(projections::kAccessRegisterName)) return;
    auto reader = engine->Reader(projections::kAccessRegisterName);
    if (!reader.ok()) return fail(reader.status());
    auto r = projections::AccessRegisterForStaff(*reader, staff, {as_of, from_position, limit});
    if (!r.ok()) return fail(r.status());
    json body = {{"staffId", staff.value}, {"entries", *r}};
    if (r->size() == limit) body["next"] = r->back()["position"];
    return SendJson(res, 200, body);
  }

  if (path == "/v1/monitoring-due") {
    if (!wait_for(projections::kMonitoringDueName)) return;
    std::vector<json> entries;
    {
      auto reader = engine->Reader(projections::kMonitoringDueName);
      if (!reader.ok()) return fail(reader.status());
      auto horizon = QueryU64(req, "horizon_days");
      if (!horizon.ok()) return fail(horizon.status());
      auto r = projections::MonitoringDue(
          *reader, ctx.now, static_cast<int>(std::min<uint64_t>(horizon->value_or(0), 3660)));
      if (!r.ok()) return fail(r.status());
      entries = std::move(*r);
    }
    std::map<std::string, bool> related;
    json items = json::array();
    for (json& entry : entries) {
      const std::string case_id = entry.value("case", std::string());
      auto it = related.find(case_id);
      if (it == related.end()) {
        auto snap = cases->Load(domain::CaseId{case_id});
        if (!snap.ok()) return fail(snap.status());
        it = related.emplace(case_id, RelatedTo(ctx.principal, **snap, ctx.now)).first;
      }
      if (it->second) items.push_back(std::move(entry));
    }
    return SendJson(res, 200, {{"entries", std::move(items)}});
  }

  if (path == "/v1/statistics") {
    if (!wait_for(projections::kStatisticsName)) return;
    auto reader = engine->Reader(projections::kStatisticsName);
    if (!reader.ok()) return fail(reader.status());
    auto stats = projections::Statistics(*reader);
    if (!stats.ok()) return fail(stats.status());
    const std::string accept = req.get_header_value("Accept");
    if (accept.find("text/csv") != std::string::npos) {
      res.status = 200;
      res.set_content(projections::StatisticsCsv(*stats), "text/csv; charset=utf-8");
      res.set_header("Content-Disposition", "attachment; filename=\"kasane-statistics.csv\"");
      return;
    }
    return SendJson(res, 200, *stats);
  }

  SendProblem(res, ctx, MakeProblem(404, "not-found", "Not found", "no such view"));
}

}  // namespace kasane::api

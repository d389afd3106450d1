// Test fixture for kasane::api: a real ApiServer on a loopback port over a data folder in a
// temporary directory, a fake clock the test moves, and helpers that call the API over HTTP as
// a given staff member (a bearer token per principal, issued through the server's TokenStore).
//
// ReplayStory drives a domain World's story (tests/domain/worked_examples.h) through the HTTP
// command routes: every event of the World's log becomes the POST of its route with the
// payload's JSON, its event id and occurred time, as its actor. A disclosure.refused in the
// story becomes the disclosure.made it refused (which the API must refuse with the same rule).
//
//   ApiWorld a;
//   Build8050Household(a.w);
//   a.Bootstrap();
//   a.ReplayStory();
//   auto r = a.Get("st-cm", "/v1/cases/c-1");
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/routes.h"
#include "api/server.h"
#include "api/tokens.h"
#include "base/clock.h"
#include "domain/enum_names.h"
#include "projections/event_json.h"
#include "tests/domain/fixture.h"
#include "tests/eventstore/test_util.h"

namespace kasane::api::testing {

using nlohmann::json;

struct Reply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  // The body parsed once (a reference into this Reply, so range-for over it is safe).
  const json& Json() const {
    if (!parsed) parsed = json::parse(body, nullptr, false);
    return *parsed;
  }
  mutable std::optional<json> parsed;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class ApiWorld {
 public:
  explicit ApiWorld(ServerOptions options = {}) : clock_(domain::testing::kStart) {
    options.data_dir = dir.Sub("data");
    options.host = "127.0.0.1";
    options.port = 0;
    options.clock = &clock_;
    options.threads = 16;
    options.max_wait = std::chrono::milliseconds(3000);
    auto opened = ApiServer::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return;
    server = std::move(opened).value();
    Status s = server->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  // A token for a principal (issued once per distinct principal and label).
  std::string TokenFor(const domain::Principal& p, const std::string& label = "test") {
    const std::string key = p.staff.value + "|" + p.agency.value + "|" +
                            std::string(domain::EnumName(p.role)) + "|" + label;
    auto it = tokens_.find(key);
    if (it != tokens_.end()) return it->second;
    auto issued = server->tokens().Issue(p, label, clock_.Now());
    EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    if (!issued.ok()) return "";
    return tokens_[key] = issued->token;
  }
  // The token of a World staff member (their first role).
  std::string TokenOf(const std::string& staff) { return TokenFor(w.PrincipalOf(staff)); }

  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_read_timeout(30, 0);
    c.set_keep_alive(false);
    return c;
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& token,
             const std::string& body = "", httplib::Headers headers = {},
             const std::string& content_type = "application/json") {
    httplib::Client c = Client();
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result r = [&] {
      if (method == "GET") return c.Get(path.c_str(), headers);
      if (method == "POST") return c.Post(path.c_str(), headers, body, content_type.c_str());
      if (method == "PUT") return c.Put(path.c_str(), headers, body, content_type.c_str());
      return c.Delete(path.c_str(), headers);
    }();
    Reply out;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no answer (" << httplib::to_string(r.error())
                    << ")";
      return out;
    }
    out.status = r->status;
    out.body = r->body;
    out.headers = r->headers;
    return out;
  }
  Reply Get(const std::string& staff, const std::string& path, httplib::Headers headers = {}) {
    return Call("GET", path, TokenOf(staff), "", std::move(headers));
  }
  Reply Post(const std::string& staff, const std::string& path, const json& body,
             httplib::Headers headers = {}) {
    return Call("POST", path, TokenOf(staff), body.dump(), std::move(headers));
  }

  // The route path for a command recording `e` in case `case_id`, its path parameters filled
  // from the payload; and the body (payload fields, eventId, occurredAt).
  static std::string PathFor(const domain::DomainEvent& e, const std::string& case_id) {
    const RouteSpec* route = CommandRouteFor(domain::TypeOf(e.payload));
    if (route == nullptr) return "";
    json fields = projections::PayloadJson(e.payload, true);
    std::string path(route->path);
    for (const PathParam& p : route->params) {
      if (p.name.empty()) continue;
      const std::string value =
          p.field.empty() ? case_id : fields[std::string(p.field)].get<std::string>();
      const std::string token = "{" + std::string(p.name) + "}";
      path.replace(path.find(token), token.size(), value);
    }
    return path;
  }
  static json BodyFor(const domain::DomainEvent& e) {
    json body = projections::PayloadJson(e.payload, true);
    body["eventId"] = e.id.ToHex();
    body["occurredAt"] = e.occurred_at;
    return body;
  }

  // Registers the World's agencies and staff through the admin routes (bootstrap: the
  // secretariat st-sec of ag-fukushi registers its agency and itself first).
  void Bootstrap() {
    const std::string boot =
        TokenFor(domain::Principal{domain::StaffId("st-sec"), domain::AgencyId("ag-fukushi"),
                                   domain::Role::kSecretariat, std::nullopt});
    auto post = [&](const std::string& path, const json& body) {
      Reply r = Call("POST", path, boot, body.dump());
      ASSERT_EQ(r.status, 201) << path << " " << r.body;
    };
    auto agency_json = [](const domain::AgencyInfo& a) {
      return json{{"agency", a.id.value},
                  {"name", a.name},
                  {"kind", std::string(domain::EnumName(a.kind))},
                  {"fields", json::array()},
                  {"programmeParts", json::array()}};
    };
    auto staff_json = [](const domain::StaffInfo& s) {
      json roles = json::array();
      for (domain::Role r : s.roles) roles.push_back(std::string(domain::EnumName(r)));
      return json{{"staff", s.id.value}, {"agency", s.agency.value}, {"roles", roles}};
    };
    const auto& dir = w.directory;
    post("/v1/agencies", agency_json(dir.agencies.at(domain::AgencyId("ag-fukushi"))));
    post("/v1/staff", staff_json(dir.staff.at(domain::StaffId("st-sec"))));
    for (const auto& [id, a] : dir.agencies) {
      if (id.value != "ag-fukushi") post("/v1/agencies", agency_json(a));
    }
    for (const auto& [id, s] : dir.staff) {
      if (id.value != "st-sec") post("/v1/staff", staff_json(s));
    }
  }

  // Replays w.log (from event `from`) through the API. Every accepted event must answer 201;
  // every refused disclosure 403/422 with its rule. Returns the last position written.
  uint64_t ReplayStory(const std::string& case_id = "c-1", size_t from = 0) {
    uint64_t last = 0;
    for (size_t i = from; i < w.log.size(); ++i) {
      const domain::DomainEvent& e = w.log[i];
      clock_.Set(e.occurred_at);
      const std::string token =
          TokenFor(domain::Principal{e.actor.staff, e.actor.agency, e.actor.role, std::nullopt});
      if (auto* refused = std::get_if<domain::DisclosureRefused>(&e.payload)) {
        domain::DomainEvent cmd = e;
        cmd.payload = domain::testing::AttemptBehind(*refused, "attempted content");
        Reply r = Call("POST", PathFor(cmd, case_id), token, BodyFor(cmd).dump());
        EXPECT_TRUE(r.status == 403 || r.status == 422) << i << " " << r.body;
        EXPECT_EQ(r.Json().value("rule", ""), refused->rule) << r.body;
        continue;
      }
      Reply r = Call("POST", PathFor(e, case_id), token, BodyFor(e).dump());
      EXPECT_EQ(r.status, 201) << "event " << i << " " << domain::TypeOf(e.payload) << ": "
                               << r.body;
      if (r.status == 201) last = r.Json()["position"].get<uint64_t>();
    }
    clock_.Set(w.now);
    return last;
  }

  FakeClock& clock() { return clock_; }

  eventstore::testing::TempDir dir;
  domain::testing::World w;
  std::unique_ptr<ApiServer> server;

 private:
  FakeClock clock_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace kasane::api::testing

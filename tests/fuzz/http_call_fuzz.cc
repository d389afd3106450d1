// Fuzz target: the HTTP request path, in process (api::ApiServer::Call): routing, path and query
// parameters, headers (Content-Type, Idempotency-Key, If-Match, Accept), the JSON depth guard and
// body parsing, the command service, the domain's decision, views through the scope policy,
// access records, proofs. The server is opened once over a data folder holding the worked
// example of the 8050 household (its agencies and staff registered, the story replayed), and
// reopened from a pristine copy of that folder after every 256 inputs that wrote to the log, so
// state stays small and runs stay reproducible.
//
// Input: "<staff id>\n<METHOD> <target>\n" then header lines "<name>: <value>\n", a blank line
// and the body. The staff id names the principal (their first role in the story's directory;
// an unknown staff id acts as a caseworker of ag-unknown). Every answer must be a status in
// 200..599 with a body; 500 (an internal error) is a finding.
// Seeds: every command of the story (as its actor, with its route and JSON body) and a read of
// every view and proof route by several staff members.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/routes.h"
#include "api/server.h"
#include "domain/enum_names.h"
#include "tests/api/api_fixture.h"
#include "tests/domain/worked_examples.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace kasane;
using api::testing::ApiWorld;
using nlohmann::json;

constexpr int kWritesBeforeReset = 256;

// The story, the server and the pristine copy of its data folder.
struct Harness {
  std::string root;  // a temporary folder: data/, pristine/
  domain::testing::World w;
  FakeClock clock{domain::testing::kStart};
  std::unique_ptr<SeededRandom> random;
  std::unique_ptr<api::ApiServer> server;
  int writes = 0;

  std::string Data() const { return root + "/data"; }

  void Open() {
    random = std::make_unique<SeededRandom>(42);
    api::ServerOptions options;
    options.data_dir = Data();
    options.origin = "kasane.fuzz/log";
    std::array<uint8_t, 32> master{};
    master.fill(0x4b);
    options.master_key = master;
    options.clock = &clock;
    options.random = random.get();
    options.max_wait = std::chrono::milliseconds(1);
    options.threads = 1;
    auto opened = api::ApiServer::Open(options);
    if (!opened.ok()) {
      std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
      std::abort();
    }
    server = std::move(opened).value();
  }

  api::LocalResponse Post(const domain::Principal& p, const std::string& target, const json& body) {
    api::LocalRequest r;
    r.principal = p;
    r.method = "POST";
    r.target = target;
    r.body = body.dump();
    return server->Call(r);
  }

  Harness() {
    const char* shm = "/dev/shm";
    std::string base = std::filesystem::is_directory(shm) ? shm : "/tmp";
    std::string templ = base + "/kasane-fuzz-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    root = templ;
    domain::testing::Build8050Household(w);
    Open();
    // Bootstrap as ApiWorld::Bootstrap does, in process.
    const domain::Principal boot{domain::StaffId("st-sec"), domain::AgencyId("ag-fukushi"),
                                 domain::Role::kSecretariat, std::nullopt};
    auto must = [](const api::LocalResponse& r, const std::string& what) {
      if (r.status != 201) {
        std::fprintf(stderr, "bootstrap %s: %d %s\n", what.c_str(), r.status, r.body.c_str());
        std::abort();
      }
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
    must(Post(boot, "/v1/agencies", agency_json(dir.agencies.at(domain::AgencyId("ag-fukushi")))),
         "ag-fukushi");
    must(Post(boot, "/v1/staff", staff_json(dir.staff.at(domain::StaffId("st-sec")))), "st-sec");
    for (const auto& [id, a] : dir.agencies) {
      if (id.value != "ag-fukushi") must(Post(boot, "/v1/agencies", agency_json(a)), id.value);
    }
    for (const auto& [id, s] : dir.staff) {
      if (id.value != "st-sec") must(Post(boot, "/v1/staff", staff_json(s)), id.value);
    }
    for (const domain::DomainEvent& e : w.log) {
      if (std::holds_alternative<domain::DisclosureRefused>(e.payload)) continue;
      clock.Set(e.occurred_at);
      must(Post(domain::Principal{e.actor.staff, e.actor.agency, e.actor.role, std::nullopt},
                ApiWorld::PathFor(e, "c-1"), ApiWorld::BodyFor(e)),
           std::string(domain::TypeOf(e.payload)));
    }
    clock.Set(w.now);
    server.reset();
    std::filesystem::copy(Data(), root + "/pristine", std::filesystem::copy_options::recursive);
    Open();
  }

  ~Harness() {
    server.reset();
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }

  void Reset() {
    server.reset();
    std::filesystem::remove_all(Data());
    std::filesystem::copy(root + "/pristine", Data(), std::filesystem::copy_options::recursive);
    clock.Set(w.now);
    Open();
    writes = 0;
  }

  domain::Principal PrincipalOf(const std::string& staff) const {
    if (w.directory.staff.contains(domain::StaffId(staff))) return w.PrincipalOf(staff);
    return domain::Principal{domain::StaffId(staff), domain::AgencyId("ag-unknown"),
                             domain::Role::kCaseworker, std::nullopt};
  }
};

Harness& TheHarness() {
  static Harness* h = new Harness();  // lives for the process; its folder is removed at exit
  static const bool cleanup = [] {
    std::atexit([] { delete h; });
    return true;
  }();
  (void)cleanup;
  return *h;
}

// Parses the input format above; false when the first two lines are missing.
bool ParseInput(std::string_view in, std::string& staff, api::LocalRequest& r) {
  auto line = [&in](std::string_view& out) {
    const size_t nl = in.find('\n');
    if (nl == std::string_view::npos) return false;
    out = in.substr(0, nl);
    in.remove_prefix(nl + 1);
    return true;
  };
  std::string_view first, request;
  if (!line(first) || !line(request)) return false;
  staff = std::string(first);
  const size_t sp = request.find(' ');
  if (sp == std::string_view::npos) return false;
  r.method = std::string(request.substr(0, sp));
  r.target = std::string(request.substr(sp + 1));
  std::string_view header;
  while (line(header) && !header.empty()) {
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.headers[std::string(header.substr(0, colon))] = std::string(value);
  }
  r.body = std::string(in);
  return true;
}

std::string Format(const std::string& staff, const std::string& method, const std::string& target,
                   const std::map<std::string, std::string>& headers, const std::string& body) {
  std::string out = staff + "\n" + method + " " + target + "\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\n";
  return out + "\n" + body;
}

void WriteSeeds(const std::string& dir) {
  domain::testing::World w;
  domain::testing::Build8050Household(w);
  int n = 0;
  for (const domain::DomainEvent& e : w.log) {
    domain::DomainEvent cmd = e;
    if (auto* refused = std::get_if<domain::DisclosureRefused>(&e.payload)) {
      cmd.payload = domain::testing::AttemptBehind(*refused, "attempted content");
    }
    json body = ApiWorld::BodyFor(cmd);
    std::map<std::string, std::string> headers;
    if (n % 3 == 0) {
      body.erase("eventId");
      headers["Idempotency-Key"] = "seed-" + std::to_string(n);
    }
    if (n % 4 == 1) headers["If-Match"] = "\"" + std::to_string(n) + "\"";
    fuzz::WriteSeed(
        dir, "command-" + std::to_string(n++),
        Format(e.actor.staff.value, "POST", ApiWorld::PathFor(cmd, "c-1"), headers, body.dump()));
  }
  // Reads: every view, proof and ops route, with the story's ids in its path parameters.
  const std::map<std::string, std::string> ids = {{"caseId", "c-1"},     {"personId", "p-father"},
                                                  {"staffId", "st-cm"},  {"consentId", "cn-father"},
                                                  {"planId", "pl-1"},    {"meetingId", "m-plan"},
                                                  {"referralId", "r-1"}, {"requestId", "rq-1"}};
  int m = 0;
  for (const api::RouteSpec& route : api::Routes()) {
    if (route.kind == api::RouteKind::kCommand || route.kind == api::RouteKind::kAdminCommand) {
      continue;
    }
    std::string path(route.path);
    for (const auto& [name, value] : ids) {
      const std::string token = "{" + name + "}";
      if (auto at = path.find(token); at != std::string::npos)
        path.replace(at, token.size(), value);
    }
    if (path == "/v1/log/inclusion") path += "?position=3&size=10";
    if (path == "/v1/log/consistency") path += "?from=3&to=10";
    if (path == "/v1/cases/c-1/timeline") path += "?as_of=5&min_position=2";
    for (const char* staff : {"st-cm", "st-helper", "st-audit"}) {
      fuzz::WriteSeed(
          dir, "read-" + std::to_string(m++),
          Format(staff, std::string(route.method), path, {{"Accept", "application/json"}}, ""));
    }
  }
}

}  // namespace

KASANE_FUZZ_SEEDS(WriteSeeds)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness& h = TheHarness();
  std::string staff;
  api::LocalRequest r;
  if (!ParseInput(std::string_view(reinterpret_cast<const char*>(data), size), staff, r)) return 0;
  r.principal = h.PrincipalOf(staff);
  const uint64_t before = h.server->log().Size();
  const api::LocalResponse res = h.server->Call(r);
  FUZZ_CHECK(res.status >= 200 && res.status < 600);
  if (res.status == 500) {
    std::fprintf(stderr, "500: %s\n", res.body.c_str());
    std::abort();
  }
  if (h.server->log().Size() != before && ++h.writes >= kWritesBeforeReset) h.Reset();
  return 0;
}

#include "api/http_benchmark.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/case_store.h"
#include "api/server.h"
#include "api/tokens.h"
#include "base/stats.h"
#include "domain/enum_names.h"
#include "domain/events.h"
#include "domain/scope_policy.h"
#include "eventstore/event_log.h"
#include "eventstore/file_util.h"
#include "projections/case_view.h"
#include "projections/event_codec.h"
#include "projections/event_json.h"

namespace kasane::api {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr int kThreads = kHttpBenchConnections;

// The directory the benchmark registers: the secretariat that bootstraps it, and the caseworker
// of a 地域包括支援センター who opens every case and records every outreach.
constexpr const char* kSecretariatAgency = "ag-fukushi";
constexpr const char* kSecretariatStaff = "st-sec";
constexpr const char* kCaseAgency = "ag-houkatsu";
constexpr const char* kCaseStaff = "st-houkatsu";

// Event ids are unique in the run's fresh log without randomness: which phase, round, thread
// and the thread's count, packed into EventId::FromNumber.
enum class IdSpace : uint64_t {
  kStoreOpen = 1,
  kStoreAppend = 2,
  kHttpOpen = 3,
  kHttpAppend = 4,
  kReadSetup = 5,
};
domain::EventId BenchEventId(IdSpace space, int round, int thread, uint64_t n) {
  return domain::EventId::FromNumber(
      (static_cast<uint64_t>(space) << 56) | (static_cast<uint64_t>(round & 0xff) << 48) |
      (static_cast<uint64_t>(thread & 0xff) << 40) | (n & ((uint64_t{1} << 40) - 1)));
}

domain::Principal CasePrincipal() {
  return domain::Principal{domain::StaffId(kCaseStaff), domain::AgencyId(kCaseAgency),
                           domain::Role::kCaseworker, std::nullopt};
}

std::string MainPerson(const std::string& case_id) { return "p-" + case_id + "-1"; }

// A case of two people (本人 and spouse), each with a synthetic profile.
domain::CaseOpened CaseOpening(const std::string& case_id) {
  domain::CaseOpened o;
  o.case_id = domain::CaseId(case_id);
  o.intake_agency = domain::AgencyId(kCaseAgency);
  o.route = domain::IntakeRoute::kAgencyReferral;
  o.fields = {domain::Field::kElderlyCare};
  o.main_person = domain::PersonId(MainPerson(case_id));
  o.members.push_back(domain::HouseholdMember{
      domain::PersonId(MainPerson(case_id)), domain::Relation::kSelf,
      domain::PersonProfile{"氏名 ベンチ 一郎", "べんち いちろう", "1950-01-01", "架空市架空町1-1",
                            "要介護認定の申請中"}});
  o.members.push_back(
      domain::HouseholdMember{domain::PersonId("p-" + case_id + "-2"), domain::Relation::kSpouse,
                              domain::PersonProfile{"氏名 ベンチ 花子", "べんち はなこ",
                                                    "1952-02-02", "架空市架空町1-1", ""}});
  o.summary = "相談内容の要旨 (ベンチマーク用の架空の内容)";
  return o;
}

// The event every append phase records: one home visit to the case's main person.
domain::OutreachRecorded Outreach(const std::string& case_id) {
  return domain::OutreachRecorded{domain::PersonId(MainPerson(case_id)),
                                  domain::OutreachActivity::kHomeVisit,
                                  "家庭訪問: 本人と面談し生活状況を確認した (架空の記録)"};
}

// --- phases ------------------------------------------------------------------------------

// What one operation of a phase came to.
struct Outcome {
  bool ok = false;
  std::string error;  // when !ok: a status code and problem type, or a transport error
};

struct PhaseResult {
  double per_second = 0;
  uint64_t ok = 0;
  uint64_t errors = 0;
  std::vector<double> latencies_us;
  std::string error_sample;
};

// Runs `setup(t)` on each of kThreads threads, then `op(t)` on each in a loop: `warmup` seconds
// unmeasured, then `seconds` measured (operations completing inside the window count). Fails
// with the first setup failure (after joining every thread).
template <typename Setup, typename Op>
Result<PhaseResult> RunPhase(double warmup, double seconds, Setup setup, Op op) {
  struct PerThread {
    Status setup;
    uint64_t ok = 0;
    uint64_t errors = 0;
    std::vector<double> latencies_us;
    std::string error_sample;
  };
  std::vector<PerThread> per(kThreads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, measuring{false}, stop{false};
  std::vector<std::thread> pool;
  pool.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      PerThread& me = per[t];
      me.setup = setup(t);
      ready.fetch_add(1);
      if (!me.setup.ok()) return;
      while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      while (!stop.load()) {
        const auto start = SteadyClock::now();
        Outcome o = op(t);
        const auto end = SteadyClock::now();
        if (!measuring.load() || stop.load()) continue;
        if (o.ok) {
          ++me.ok;
          me.latencies_us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
        } else {
          ++me.errors;
          if (me.error_sample.empty()) me.error_sample = std::move(o.error);
        }
      }
    });
  }
  while (ready.load() < kThreads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Status failed;
  for (const PerThread& p : per) {
    if (!p.setup.ok()) {
      failed = p.setup;
      break;
    }
  }
  double elapsed = 0;
  if (failed.ok()) {
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    const auto start = SteadyClock::now();
    measuring = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  } else {
    stop = true;
    go = true;
  }
  for (std::thread& th : pool) th.join();
  if (!failed.ok()) return failed;
  PhaseResult r;
  for (PerThread& p : per) {
    r.ok += p.ok;
    r.errors += p.errors;
    r.latencies_us.insert(r.latencies_us.end(), p.latencies_us.begin(), p.latencies_us.end());
    if (r.error_sample.empty()) r.error_sample = std::move(p.error_sample);
  }
  r.per_second = elapsed > 0 ? static_cast<double>(r.ok) / elapsed : 0;
  return r;
}

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * q))];
}

// --- HTTP ----------------------------------------------------------------------------------

// A keep-alive client to the server that counts the TCP connections it opens.
std::unique_ptr<httplib::Client> NewClient(int port, std::atomic<uint64_t>* connections) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(30, 0);
  c->set_write_timeout(30, 0);
  if (connections != nullptr) {
    c->set_socket_options([connections](socket_t) { connections->fetch_add(1); });
  }
  return c;
}

// The measured requests' client: one keep-alive HTTP/1.1 connection writing a prepared request
// and reading the status line, the headers and a Content-Length body, nothing more. A load
// generator should cost as little CPU as it can (wrk is built the same way); on this 2-core
// machine httplib::Client's per-request work was 17% of all CPU samples, taken from the server.
// Setup requests still go through httplib::Client.
class RawConnection {
 public:
  RawConnection(int port, std::atomic<uint64_t>* connections)
      : port_(port), connections_(connections) {}
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends `request` (complete, with Content-Length) and returns the answer's status, or a
  // transport error; reconnects once when the kept-alive connection was closed.
  Result<int> Send(const std::string& request) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0) KASANE_RETURN_IF_ERROR(Connect());
      if (WriteAll(request)) {
        auto status = ReadAnswer();
        if (status.ok()) return status;
      }
      Close();
    }
    return Unavailable("no answer on a fresh connection");
  }

 private:
  Status Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return Unavailable("socket failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return Unavailable("connect failed");
    }
    if (connections_ != nullptr) connections_->fetch_add(1);
    buffer_.clear();
    return Status::Ok();
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool WriteAll(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  Result<int> ReadAnswer() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return Unavailable("connection closed");
    }
    if (buffer_.size() < 12 || buffer_.compare(0, 5, "HTTP/") != 0) {
      return Internal("not an HTTP answer");
    }
    const int status = std::atoi(buffer_.c_str() + 9);
    size_t length = 0;
    for (size_t line = buffer_.find("\r\n") + 2; line < end;) {
      const size_t next = buffer_.find("\r\n", line);
      constexpr std::string_view kLength = "content-length:";
      if (next - line > kLength.size()) {
        bool match = true;
        for (size_t i = 0; i < kLength.size() && match; ++i) {
          match = std::tolower(static_cast<unsigned char>(buffer_[line + i])) == kLength[i];
        }
        if (match) length = std::strtoull(buffer_.c_str() + line + kLength.size(), nullptr, 10);
      }
      line = next + 2;
    }
    const size_t total = end + 4 + length;
    while (buffer_.size() < total) {
      if (!Fill()) return Unavailable("connection closed");
    }
    buffer_.erase(0, total);
    return status;
  }

  const int port_;
  std::atomic<uint64_t>* connections_;
  int fd_ = -1;
  std::string buffer_;
};

std::string RawRequest(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                  token + "\r\n";
  if (method == "POST") {
    r +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

httplib::Headers Bearer(const std::string& token) {
  return httplib::Headers{{"Authorization", "Bearer " + token}};
}

// "HTTP <status> <problem type>" or the transport error: never the body's content.
std::string Describe(const httplib::Result& r) {
  if (!r) return "no answer: " + httplib::to_string(r.error());
  std::string out = "HTTP " + std::to_string(r->status);
  json body = json::parse(r->body, nullptr, false);
  if (body.is_object() && body.contains("type") && body["type"].is_string()) {
    out += " " + body["type"].get<std::string>();
  }
  return out;
}

// POSTs `body` and requires a 201; returns the answer's JSON. With `retries` (only for bodies
// carrying an eventId, whose repeat is an idempotent replay), a request that got no answer is
// sent again, up to twice, counted in *retries, and a replay's 200 is accepted too.
Result<json> PostCreated(httplib::Client& client, const std::string& path, const std::string& token,
                         const json& body, std::atomic<uint64_t>* retries = nullptr) {
  const std::string text = body.dump();
  httplib::Result r = client.Post(path.c_str(), Bearer(token), text, "application/json");
  for (int attempt = 0; retries != nullptr && !r && attempt < 2; ++attempt) {
    retries->fetch_add(1);
    r = client.Post(path.c_str(), Bearer(token), text, "application/json");
    if (r && r->status == 200) return json::parse(r->body, nullptr, false);
  }
  if (!r || r->status != 201) {
    return Internal("bench http: POST " + path + " answered " + Describe(r));
  }
  return json::parse(r->body, nullptr, false);
}

// The body of a case.opened command for `case_id`.
json OpenCaseBody(const std::string& case_id, const domain::EventId& id) {
  json body = projections::PayloadJson(CaseOpening(case_id), true);
  body["eventId"] = id.ToHex();
  return body;
}

// Opens `case_id` over `client` and returns the log position of its case.opened (see
// PostCreated for `retries`).
Result<uint64_t> OpenCaseOverHttp(httplib::Client& client, const std::string& token,
                                  const std::string& case_id, const domain::EventId& id,
                                  std::atomic<uint64_t>* retries) {
  KASANE_ASSIGN_OR_RETURN(
      json answer, PostCreated(client, "/v1/cases", token, OpenCaseBody(case_id, id), retries));
  // A replay's answer may carry no position: 0 then (the caller waits for the largest).
  if (!answer.is_object() || !answer.contains("position") || !answer["position"].is_number()) {
    return uint64_t{0};
  }
  return answer["position"].get<uint64_t>();
}

// Registers the two agencies and staff members through the admin routes.
Status Bootstrap(int port, const std::string& secretariat_token) {
  auto client = NewClient(port, nullptr);
  auto agency = [](const char* id, const char* name, domain::AgencyKind kind) {
    return json{{"agency", id},
                {"name", name},
                {"kind", std::string(domain::EnumName(kind))},
                {"fields", json::array()},
                {"programmeParts", json::array()}};
  };
  auto staff = [](const char* id, const char* agency_id, domain::Role role) {
    return json{{"staff", id},
                {"agency", agency_id},
                {"roles", json::array({std::string(domain::EnumName(role))})}};
  };
  const std::pair<const char*, json> steps[] = {
      {"/v1/agencies",
       agency(kSecretariatAgency, "福祉政策課", domain::AgencyKind::kMunicipalDivision)},
      {"/v1/staff", staff(kSecretariatStaff, kSecretariatAgency, domain::Role::kSecretariat)},
      {"/v1/agencies", agency(kCaseAgency, "地域包括支援センター",
                              domain::AgencyKind::kCommunityGeneralSupportCenter)},
      {"/v1/staff", staff(kCaseStaff, kCaseAgency, domain::Role::kCaseworker)},
  };
  for (const auto& [path, body] : steps) {
    KASANE_ASSIGN_OR_RETURN(json answer, PostCreated(*client, path, secretariat_token, body));
    (void)answer;
  }
  return Status::Ok();
}

// Splits the JSON of `body` (whose "eventId" is a placeholder) around the event id, so each
// request only splices in its own id.
std::pair<std::string, std::string> SplitAroundEventId(json body) {
  const std::string placeholder(32, '0');
  body["eventId"] = placeholder;
  const std::string text = body.dump();
  const size_t at = text.find("\"" + placeholder + "\"") + 1;
  return {text.substr(0, at), text.substr(at + placeholder.size())};
}

// --- the phases ----------------------------------------------------------------------------

Result<PhaseResult> StoreAppendPhase(const HttpBenchOptions& options, ApiServer& server,
                                     const Clock& clock, int round) {
  eventstore::EventLog& log = server.log();
  const domain::Actor actor{domain::StaffId(kCaseStaff), domain::AgencyId(kCaseAgency),
                            domain::Role::kCaseworker};
  std::vector<std::string> streams(kThreads), case_ids(kThreads);
  std::vector<uint64_t> counts(kThreads, 0);
  auto append = [&](int t, IdSpace space, domain::Payload payload) -> Status {
    domain::DomainEvent e;
    e.id = BenchEventId(space, round, t, counts[t]++);
    e.occurred_at = clock.Now();
    e.actor = actor;
    e.payload = std::move(payload);
    KASANE_ASSIGN_OR_RETURN(eventstore::NewEvent ne, projections::ToLogEvent(std::move(e), log));
    std::vector<eventstore::NewEvent> events;
    events.push_back(std::move(ne));
    KASANE_ASSIGN_OR_RETURN(
        auto appended,
        log.Append(streams[t], eventstore::ExpectedVersion::Any(), std::move(events)));
    (void)appended;
    return Status::Ok();
  };
  return RunPhase(
      options.warmup_seconds, options.seconds,
      [&](int t) -> Status {
        case_ids[t] = "bs-" + std::to_string(round) + "-" + std::to_string(t);
        streams[t] = CaseStream(domain::CaseId(case_ids[t]));
        return append(t, IdSpace::kStoreOpen, CaseOpening(case_ids[t]));
      },
      [&](int t) -> Outcome {
        Status s = append(t, IdSpace::kStoreAppend, Outreach(case_ids[t]));
        if (s.ok()) return Outcome{true, ""};
        return Outcome{false, std::string(StatusCodeName(s.code()))};
      });
}

Result<PhaseResult> HttpAppendPhase(const HttpBenchOptions& options, int port,
                                    const std::string& token, int round,
                                    std::atomic<uint64_t>* connections,
                                    std::atomic<uint64_t>* retries) {
  struct Conn {
    std::unique_ptr<httplib::Client> client;  // setup
    std::unique_ptr<RawConnection> raw;       // the measured requests
    std::string path, prefix, suffix;
    uint64_t n = 0;
  };
  std::vector<Conn> conns(kThreads);
  const httplib::Headers headers = Bearer(token);
  return RunPhase(
      options.warmup_seconds, options.seconds,
      [&](int t) -> Status {
        Conn& c = conns[t];
        c.client = NewClient(port, connections);
        const std::string case_id = "ha-" + std::to_string(round) + "-" + std::to_string(t);
        c.path = "/v1/cases/" + case_id + "/outreach";
        std::tie(c.prefix, c.suffix) =
            SplitAroundEventId(projections::PayloadJson(Outreach(case_id), true));
        auto opened = OpenCaseOverHttp(*c.client, token, case_id,
                                       BenchEventId(IdSpace::kHttpOpen, round, t, 0), retries);
        c.client.reset();
        c.raw = std::make_unique<RawConnection>(port, connections);
        return opened.ok() ? Status::Ok() : opened.status();
      },
      [&](int t) -> Outcome {
        Conn& c = conns[t];
        const std::string body =
            c.prefix + BenchEventId(IdSpace::kHttpAppend, round, t, c.n++).ToHex() + c.suffix;
        auto status = c.raw->Send(RawRequest("POST", c.path, token, body));
        if (status.ok() && *status == 201) return Outcome{true, ""};
        return Outcome{false, status.ok() ? "HTTP " + std::to_string(*status)
                                          : "no answer: " + status.status().message()};
      });
}

Result<PhaseResult> HttpReadPhase(const HttpBenchOptions& options, int port,
                                  const std::string& token,
                                  const std::vector<std::string>& read_cases,
                                  std::atomic<uint64_t>* connections) {
  std::vector<std::unique_ptr<RawConnection>> clients(kThreads);
  std::vector<std::string> requests(kThreads);
  return RunPhase(
      options.warmup_seconds, options.seconds,
      [&](int t) -> Status {
        clients[t] = std::make_unique<RawConnection>(port, connections);
        requests[t] = RawRequest("GET", "/v1/cases/" + read_cases[t], token, "");
        return Status::Ok();
      },
      [&](int t) -> Outcome {
        auto status = clients[t]->Send(requests[t]);
        if (status.ok() && *status == 200) return Outcome{true, ""};
        return Outcome{false, status.ok() ? "HTTP " + std::to_string(*status)
                                          : "no answer: " + status.status().message()};
      });
}

}  // namespace

Result<json> RunHttpBenchmark(const HttpBenchOptions& options) {
  auto progress = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  SystemClock system_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  const int rounds = std::max(1, options.rounds);

  KASANE_ASSIGN_OR_RETURN(eventstore::ScratchDir dir,
                          eventstore::ScratchDir::Make(options.temp_root, "kasane-bench-http"));
  ServerOptions server_options;
  server_options.data_dir = dir.path() + "/data";
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  server_options.threads = std::max<size_t>(options.server_threads, 2 * kThreads);
  server_options.clock = options.clock;
  KASANE_ASSIGN_OR_RETURN(std::unique_ptr<ApiServer> server,
                          ApiServer::Open(std::move(server_options)));
  KASANE_RETURN_IF_ERROR(server->Start());
  const int port = server->port();
  progress("server on 127.0.0.1:" + std::to_string(port) + " in " + dir.path());

  // Setup: the directory, the caseworker's token, and one read case per connection.
  KASANE_ASSIGN_OR_RETURN(
      IssuedToken secretariat,
      server->tokens().Issue(domain::Principal{domain::StaffId(kSecretariatStaff),
                                               domain::AgencyId(kSecretariatAgency),
                                               domain::Role::kSecretariat, std::nullopt},
                             "bench http bootstrap", clock.Now()));
  KASANE_RETURN_IF_ERROR(Bootstrap(port, secretariat.token));
  KASANE_ASSIGN_OR_RETURN(IssuedToken caseworker,
                          server->tokens().Issue(CasePrincipal(), "bench http", clock.Now()));
  std::vector<std::string> read_cases(kThreads);
  std::atomic<uint64_t> setup_retries{0};
  {
    auto client = NewClient(port, nullptr);
    uint64_t last = 0;
    for (int t = 0; t < kThreads; ++t) {
      read_cases[t] = "hr-" + std::to_string(t);
      KASANE_ASSIGN_OR_RETURN(
          uint64_t position,
          OpenCaseOverHttp(*client, caseworker.token, read_cases[t],
                           BenchEventId(IdSpace::kReadSetup, 0, t, 0), &setup_retries));
      last = std::max(last, position);
    }
    if (!server->engine().WaitFor(projections::kCaseViewName, last, std::chrono::seconds(30))) {
      return Unavailable("bench http: the case view did not catch up with the read cases");
    }
  }

  std::vector<double> store_r, append_r, read_r, ratio_append_r, ratio_read_r;
  std::vector<double> store_lat, append_lat, read_lat;
  uint64_t append_ok = 0, append_err = 0, read_ok = 0, read_err = 0;
  std::string append_sample, read_sample;
  std::atomic<uint64_t> append_conns{0}, read_conns{0};
  for (int round = 0; round < rounds; ++round) {
    KASANE_ASSIGN_OR_RETURN(PhaseResult store, StoreAppendPhase(options, *server, clock, round));
    progress("round " + std::to_string(round + 1) + ": store_append_c32_eps " +
             std::to_string(store.per_second));
    KASANE_ASSIGN_OR_RETURN(
        PhaseResult append,
        HttpAppendPhase(options, port, caseworker.token, round, &append_conns, &setup_retries));
    progress("round " + std::to_string(round + 1) + ": http_append_c32_eps " +
             std::to_string(append.per_second) + " (" + std::to_string(append.errors) + " errors)");
    KASANE_ASSIGN_OR_RETURN(
        PhaseResult read, HttpReadPhase(options, port, caseworker.token, read_cases, &read_conns));
    progress("round " + std::to_string(round + 1) + ": http_read_c32_rps " +
             std::to_string(read.per_second) + " (" + std::to_string(read.errors) + " errors)");

    store_r.push_back(store.per_second);
    append_r.push_back(append.per_second);
    read_r.push_back(read.per_second);
    if (store.per_second > 0) {
      ratio_append_r.push_back(append.per_second / store.per_second);
      ratio_read_r.push_back(read.per_second / store.per_second);
    }
    store_lat.insert(store_lat.end(), store.latencies_us.begin(), store.latencies_us.end());
    append_lat.insert(append_lat.end(), append.latencies_us.begin(), append.latencies_us.end());
    read_lat.insert(read_lat.end(), read.latencies_us.begin(), read.latencies_us.end());
    append_ok += append.ok;
    append_err += append.errors;
    read_ok += read.ok;
    read_err += read.errors;
    if (append_sample.empty()) append_sample = append.error_sample;
    if (read_sample.empty()) read_sample = read.error_sample;
    if (store.errors > 0) {
      return Internal("bench http: an in-process append failed: " + store.error_sample);
    }
  }
  server->Stop();

  auto within = [&](uint64_t ok, uint64_t errors) {
    const uint64_t total = ok + errors;
    return total > 0 &&
           static_cast<double>(errors) <= options.max_error_fraction * static_cast<double>(total);
  };
  json j;
  j["store_append_c32_eps"] = Median(store_r);
  j["http_append_c32_eps"] = Median(append_r);
  j["http_read_c32_rps"] = Median(read_r);
  j["ratio_http_append"] = Median(ratio_append_r);
  j["ratio_http_read"] = Median(ratio_read_r);
  j["store_append_c32_eps_rounds"] = store_r;
  j["http_append_c32_eps_rounds"] = append_r;
  j["http_read_c32_rps_rounds"] = read_r;
  j["ratio_http_append_rounds"] = ratio_append_r;
  j["ratio_http_read_rounds"] = ratio_read_r;
  j["store_append_p50_us"] = Percentile(store_lat, 0.50);
  j["store_append_p99_us"] = Percentile(store_lat, 0.99);
  j["http_append_p50_us"] = Percentile(append_lat, 0.50);
  j["http_append_p99_us"] = Percentile(append_lat, 0.99);
  j["http_read_p50_us"] = Percentile(read_lat, 0.50);
  j["http_read_p99_us"] = Percentile(read_lat, 0.99);
  j["http_append_requests"] = append_ok + append_err;
  j["http_append_errors"] = append_err;
  j["http_append_error_sample"] = append_sample;
  j["http_read_requests"] = read_ok + read_err;
  j["http_read_errors"] = read_err;
  j["http_read_error_sample"] = read_sample;
  j["http_append_connections_opened"] = append_conns.load();
  j["http_read_connections_opened"] = read_conns.load();
  j["setup_retries"] = setup_retries.load();
  j["errors_within_budget"] = within(append_ok, append_err) && within(read_ok, read_err);
  j["connections"] = kThreads;
  j["server_threads"] = std::max<size_t>(options.server_threads, 2 * kThreads);
  j["seconds"] = options.seconds;
  j["warmup_seconds"] = options.warmup_seconds;
  j["rounds"] = rounds;
  j["nproc"] = std::thread::hardware_concurrency();
  j["temp_root"] = options.temp_root.empty() ? std::string("(default)") : options.temp_root;
  return j;
}

}  // namespace kasane::api

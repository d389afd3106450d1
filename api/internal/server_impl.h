// The server's internals, shared by api/server.cc (routing, authentication, commands, proofs,
// operations), api/views.cc (scoped views) and api/feed.cc (the change feed). Not a public
// interface: see api/server.h.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/case_store.h"
#include "api/command_service.h"
#include "api/metrics.h"
#include "api/problem.h"
#include "api/routes.h"
#include "api/server.h"
#include "api/tokens.h"
#include "domain/scope_policy.h"
#include "projections/engine.h"

namespace kasane::api {

// One request as the handlers see it.
struct RequestContext {
  std::string request_id;
  const RouteSpec* route = nullptr;
  std::map<std::string, std::string> params;  // path parameters by name
  domain::Principal principal;
  UnixNanos now = 0;
  std::optional<UnixNanos> decide_at;  // in-process calls only (ApiServer::Call)
  // ApiServer::Call: the command reading or writing on the principal's behalf (never empty for
  // an in-process request); "" over HTTP (a bearer token). Goes into access records.
  std::string channel;
};

// Failed authentication per source address (docs/api.md, "Throttling failed authentication"):
// a fixed window opens at a source's first failure; once `limit` failures fall in it, the
// source is throttled until the window ends. At most kMaxSources sources are tracked (expired
// windows are dropped first; past that, new sources share one entry), so memory is bounded.
//
// Thread-safety: safe to call concurrently (one mutex).
class AuthThrottle {
 public:
  static constexpr size_t kMaxSources = 65536;
  // limit 0: never throttles (Fail still counts).
  AuthThrottle(uint64_t limit, UnixNanos window) : limit_(limit), window_(window) {}

  // Seconds until `source` may authenticate again (at least 1), or nullopt when it may now.
  std::optional<int64_t> Blocked(const std::string& source, UnixNanos now);
  struct Failure {
    uint64_t failures = 0;  // in the current window, this one included
    bool started = false;   // this failure reached the limit: throttling starts now
    UnixNanos until = 0;    // the window's end
  };
  // Counts one failed authentication of `source` at `now`.
  Failure Fail(const std::string& source, UnixNanos now);

 private:
  struct Window {
    UnixNanos start = 0;
    uint64_t failures = 0;
  };
  std::string KeyFor(const std::string& source, UnixNanos now);  // REQUIRES(mu_)

  const uint64_t limit_;
  const UnixNanos window_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;  // GUARDED_BY(mu_)
};

class ApiServer::Impl {
 public:
  explicit Impl(ServerOptions options);
  // Stops, then releases in dependency order: the log last (its commit hook feeds `metrics`).
  ~Impl();
  Status Open();
  Status Start();
  void Stop();
  void Wait();

  ServerOptions options;
  const Clock* clock = nullptr;
  Random* random = nullptr;
  std::unique_ptr<Clock> own_clock;
  std::unique_ptr<Random> own_random;
  std::unique_ptr<eventstore::EventLog> log;
  std::unique_ptr<projections::ProjectionEngine> engine;
  std::unique_ptr<TokenStore> tokens;
  std::unique_ptr<CaseStore> cases;
  std::unique_ptr<CommandService> commands;
  // An httplib::SSLServer when ServerOptions names a TLS certificate and key (Open).
  std::unique_ptr<httplib::Server> http;
  std::thread listener;
  int bound_port = 0;
  // The listening socket, recorded by the socket-options callback when httplib creates it, so
  // that Start can raise its accept backlog (httplib listens with a backlog of 5).
  std::atomic<int> listen_fd{-1};
  std::atomic<bool> stopping{false};
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopped = false;

  MetricsRegistry metrics;
  CounterFamily requests_total;
  HistogramFamily request_seconds;
  HistogramFamily append_seconds;
  CounterFamily appends_total;
  CounterFamily refusals_total;
  CounterFamily access_records_total;
  HistogramFamily commit_seconds;
  HistogramFamily commit_batch_events;
  HistogramFamily commit_batch_requests;
  CounterFamily auth_failures_total;
  CounterFamily auth_throttled_total;
  AuthThrottle auth_throttle;

  // --- server.cc ---
  void Handle(const httplib::Request& req, httplib::Response& res);
  // Routing: sets ctx.route and ctx.params, or answers 404/405 and returns false.
  bool Route(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  // Refuses a deactivated staff member (401); false when refused.
  bool Admit(const RequestContext& ctx, httplib::Response& res);
  void Serve(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  void Dispatch(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  void SendJson(httplib::Response& res, int status, const nlohmann::json& body);
  void SendProblem(httplib::Response& res, const RequestContext& ctx, const Problem& p);
  // The headers every answer carries (docs/api.md, "Security headers").
  void SetStandardHeaders(httplib::Response& res, const std::string& request_id) const;
  // Authentication of `req` failed for `reason` ("missing", "invalid", "deactivated"; the caller
  // answers 401): counts it, and when its source reaches the throttle's limit records the
  // throttling (a warning line and an auth.throttled event in the stream "security", with the
  // source address and the token's public id when the text has the token shape; never the
  // token text).
  void AuthFailed(const RequestContext& ctx, const httplib::Request& req, std::string_view reason);
  void HandleCommand(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  void HandleProof(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  void HandleOps(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);

  // --- views.cc ---
  void HandleView(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
  // Appends the access record for `shown` (fail closed: a failure means "do not send").
  Status RecordShown(const RequestContext& ctx, const CaseSnapshot& snap,
                     const std::vector<domain::DomainEvent>& shown);
  // The JSON of one case event for this principal: nullopt when the policy gives nothing;
  // metadata only with "redacted" {"reason"}; or the full payload (read and unsealed from the
  // log, `shown` collects it).
  Result<std::optional<nlohmann::json>> ScopedEvent(const RequestContext& ctx,
                                                    const CaseSnapshot& snap, const CaseEvent& e,
                                                    std::vector<domain::DomainEvent>& shown);

  // --- feed.cc ---
  void HandleFeed(RequestContext& ctx, const httplib::Request& req, httplib::Response& res);
};

// Query helpers (views.cc): an unsigned integer parameter, absent -> nullopt; malformed ->
// InvalidArgument naming the parameter.
Result<std::optional<uint64_t>> QueryU64(const httplib::Request& req, const std::string& name);

}  // namespace kasane::api

#include "api/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "api/internal/server_impl.h"
#include "api/openapi.h"
#include "api/plain_http_server.h"
#include "api/records.h"
#include "eventstore/audit_bundle.h"
#include "eventstore/signed_note.h"

namespace kasane::api {
namespace {

using nlohmann::json;

// The "subject" of an erasure body, or "" when absent or not a string (the body was validated
// by then only when the command was accepted).
std::string SubjectOfBody(const json& body) {
  auto it = body.is_object() ? body.find("subject") : body.end();
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The log-level record of a source's throttling (docs/api.md); projections pass over it.
constexpr std::string_view kSecurityStream = "security";
constexpr std::string_view kAuthThrottledType = "auth.throttled";
// The shared throttle entry of sources past AuthThrottle::kMaxSources (no address has this form).
constexpr std::string_view kOverflowSource = "*";

bool IsPublic(const RouteSpec& r) { return r.path == "/v1/health" || r.path == "/v1/openapi.json"; }

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// The route templates split into segments, once.
const std::vector<std::vector<std::string_view>>& TemplateSegments() {
  static const std::vector<std::vector<std::string_view>> segments = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const RouteSpec& r : Routes()) out.push_back(Split(r.path));
    return out;
  }();
  return segments;
}

// Matches the request's segments `p` against a template's `t`; fills `params`.
bool Match(const std::vector<std::string_view>& t, const std::vector<std::string_view>& p,
           std::map<std::string, std::string>& params) {
  if (t.size() != p.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i].size() > 2 && t[i].front() == '{' && t[i].back() == '}') {
      if (p[i].empty()) return false;
      found[std::string(t[i].substr(1, t[i].size() - 2))] = std::string(p[i]);
    } else if (t[i] != p[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// The deepest nesting of arrays and objects in `text` (outside strings); stops counting past
// `limit`.
int JsonDepth(std::string_view text, int limit) {
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
      if (max > limit) return max;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

std::string Base64(const uint8_t* data, size_t n) {
  return eventstore::Base64Encode(std::span<const uint8_t>(data, n));
}

json HashesJson(const std::vector<eventstore::Hash>& hashes) {
  json a = json::array();
  for (const auto& h : hashes) a.push_back(Base64(h.data(), h.size()));
  return a;
}

// The last OpenSSL error as text (the queue is per thread; it is emptied).
std::string OpenSslError() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out = buf;
  }
  return out.empty() ? std::string("unknown OpenSSL error") : out;
}

// Plain HTTP, or HTTPS (httplib::SSLServer) when the options name a certificate and a key.
// TLS 1.2 at least, no compression, no renegotiation; the certificate file may hold a chain
// (leaf first, PEM). A file that does not load, or a key that does not match the certificate,
// is kInvalidArgument naming the file (never the key material).
Result<std::unique_ptr<httplib::Server>> MakeHttpServer(const ServerOptions& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a private key file");
  }
  // Plain HTTP runs on kasane's connection loop (api/plain_http_server.h).
  if (o.tls_cert_file.empty()) {
    return std::unique_ptr<httplib::Server>(std::make_unique<PlainHttpServer>());
  }
  std::string error;
  auto server = std::make_unique<httplib::SSLServer>([&o, &error](SSL_CTX& ctx) {
    ERR_clear_error();
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) {
      error = "cannot require TLS 1.2: " + OpenSslError();
      return false;
    }
    if (SSL_CTX_use_certificate_chain_file(&ctx, o.tls_cert_file.c_str()) != 1) {
      error = "cannot load the certificate " + o.tls_cert_file + ": " + OpenSslError();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(&ctx, o.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = "cannot load the private key " + o.tls_key_file +
              " (or it does not match the certificate): " + OpenSslError();
      return false;
    }
    if (SSL_CTX_check_private_key(&ctx) != 1) {
      error = "the private key " + o.tls_key_file + " does not match the certificate " +
              o.tls_cert_file;
      ERR_clear_error();
      return false;
    }
    return true;
  });
  if (!server->is_valid()) {
    return InvalidArgument("TLS: " + (error.empty() ? "cannot set up OpenSSL" : error));
  }
  return std::unique_ptr<httplib::Server>(std::move(server));
}

}  // namespace

ApiServer::Impl::Impl(ServerOptions o)
    : options(std::move(o)),
      requests_total(metrics.AddCounter("kasane_http_requests_total",
                                        "HTTP requests by route template, method and status",
                                        {"route", "method", "status"})),
      request_seconds(metrics.AddHistogram("kasane_http_request_duration_seconds",
                                           "HTTP request latency by route template", {"route"},
                                           LatencyBuckets())),
      append_seconds(metrics.AddHistogram(
          "kasane_append_commit_seconds",
          "Latency of the API's appends to the log (queue, group commit, fsync)", {"kind"},
          LatencyBuckets())),
      appends_total(
          metrics.AddCounter("kasane_appends_total", "Events the API appended, by kind", {"kind"})),
      refusals_total(metrics.AddCounter("kasane_command_refusals_total",
                                        "Commands refused by a domain rule", {"rule"})),
      access_records_total(metrics.AddCounter(
          "kasane_access_records_total", "Access records (閲覧記録) committed before content")),
      commit_seconds(metrics.AddHistogram("kasane_log_commit_seconds",
                                          "Duration of the log's synced group-commit writes", {},
                                          LatencyBuckets())),
      commit_batch_events(metrics.AddHistogram("kasane_log_commit_batch_events",
                                               "Events made durable per group commit", {},
                                               ExponentialBuckets(1, 2, 14))),
      commit_batch_requests(metrics.AddHistogram("kasane_log_commit_batch_requests",
                                                 "Append calls answered per group commit", {},
                                                 ExponentialBuckets(1, 2, 12))),
      auth_failures_total(metrics.AddCounter(
          "kasane_auth_failures_total",
          "Requests refused 401: no bearer token, an invalid (malformed, unknown or revoked) one, "
          "or a deactivated staff member's",
          {"reason"})),
      auth_throttled_total(metrics.AddCounter(
          "kasane_auth_throttled_total",
          "Requests answered 429 because their source failed to authenticate too often")),
      auth_throttle(options.auth_failure_limit,
                    static_cast<UnixNanos>(options.auth_failure_window.count()) * 1'000'000'000) {}

ApiServer::Impl::~Impl() {
  Stop();
  commands.reset();
  cases.reset();
  tokens.reset();
  engine.reset();
  log.reset();
}

Status ApiServer::Impl::Open() {
  if (options.clock == nullptr) {
    own_clock = std::make_unique<SystemClock>();
    options.clock = own_clock.get();
  }
  // The log creates its keys (master key, signing key) from the caller's Random, else from the
  // kernel's (SystemRandom); never from the pool below.
  Random* const caller_random = options.random;
  if (options.random == nullptr) {
    // Used for request and event ids only (tokens draw from libsodium): pooled, public values.
    own_random = std::make_unique<PooledSystemRandom>();
    options.random = own_random.get();
  }
  clock = options.clock;
  random = options.random;
  // TLS first: a certificate or key that does not load fails before the data folder is opened.
  KASANE_ASSIGN_OR_RETURN(http, MakeHttpServer(options));
  eventstore::EventLogOptions lo;
  lo.dir = options.data_dir;
  lo.origin = options.origin;
  lo.clock = clock;
  lo.random = caller_random;
  lo.master_key = options.master_key;
  lo.min_free_bytes = options.min_free_bytes;
  lo.priority_min_free_bytes = options.priority_min_free_bytes;
  {
    CounterFamily refused = metrics.AddCounter(
        "kasane_log_writes_refused_for_space_total",
        "Appends (and seals, checkpoints) the log refused because free disk space was below its "
        "reserve, by kind (ordinary, or priority: access and refusal records)",
        {"kind"});
    Counter& ordinary = refused.With({"ordinary"});
    Counter& priority = refused.With({"priority"});
    lo.on_space_refused = [&ordinary, &priority](bool is_priority) {
      (is_priority ? priority : ordinary).Increment();
    };
  }
  if (options.TEST_log_options) options.TEST_log_options(lo);
  {
    Histogram& seconds = commit_seconds.With({});
    Histogram& events = commit_batch_events.With({});
    Histogram& requests = commit_batch_requests.With({});
    lo.on_commit = [&seconds, &events, &requests](const eventstore::CommitStats& c) {
      seconds.Observe(std::chrono::duration<double>(c.write_time).count());
      events.Observe(static_cast<double>(c.events));
      requests.Observe(static_cast<double>(c.requests));
    };
  }
  KASANE_ASSIGN_OR_RETURN(log, eventstore::EventLog::Open(lo));
  KASANE_ASSIGN_OR_RETURN(
      engine, projections::ProjectionEngine::Open(*log, options.data_dir + "/views", {}));
  KASANE_RETURN_IF_ERROR(engine->CatchUp());
  engine->Start();
  KASANE_ASSIGN_OR_RETURN(tokens, TokenStore::Open(*log));
  cases = std::make_unique<CaseStore>(*log);
  commands = std::make_unique<CommandService>(*log, *cases, *clock, *random, options.settings);

  metrics.AddGaugeCallback("kasane_projection_lag_events",
                           "Events of the log a projection has not applied yet", [this] {
                             std::vector<std::pair<Labels, double>> out;
                             for (const auto& s : engine->Statuses()) {
                               out.push_back({{{"projection", s.name}}, double(s.lag)});
                             }
                             return out;
                           });
  metrics.AddGaugeCallback(
      "kasane_log_size_events", "Events in the log (the Merkle tree size)", [this] {
        return std::vector<std::pair<Labels, double>>{{{}, double(log->Size())}};
      });

  const size_t threads = options.threads;
  http->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http->set_payload_max_length(options.max_body_bytes);
  // httplib writes headers and body in separate sends: without TCP_NODELAY the body waits
  // for the client's delayed ACK (about 40 ms per request; BENCHMARKS.md, HTTP).
  http->set_tcp_nodelay(true);
  // The listening socket: SO_REUSEADDR (a restart may bind while old connections linger in
  // TIME_WAIT), not httplib's default SO_REUSEPORT, under which a second server could bind the
  // same port and silently take half the connections. Its descriptor is kept for Start.
  http->set_socket_options([this](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd.store(sock);
  });
  http->set_keep_alive_max_count(100000);
  http->set_keep_alive_timeout(30);
  http->set_read_timeout(10, 0);
  http->set_write_timeout(10, 0);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  http->Get(".*", handler);
  http->Post(".*", handler);
  http->Put(".*", handler);
  http->Patch(".*", handler);
  http->Delete(".*", handler);
  http->Options(".*", handler);
  http->set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&,
                                                                      httplib::Response& res) {
    if (!res.body.empty() || res.status < 400) return httplib::Server::HandlerResponse::Unhandled;
    RequestContext ctx;
    ctx.request_id = NewRequestId(*random);
    SetStandardHeaders(res, ctx.request_id);
    Problem p = res.status == 413
                    ? MakeProblem(413, "body-too-large", "The request body is too large",
                                  "at most " + std::to_string(options.max_body_bytes) + " bytes")
                    : MakeProblem(res.status, res.status == 404 ? "not-found" : "bad-request",
                                  res.status == 404 ? "Not found" : "Bad request",
                                  "the request could not be read");
    SendProblem(res, ctx, p);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http->set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        RequestContext ctx;
        ctx.request_id = NewRequestId(*random);
        SetStandardHeaders(res, ctx.request_id);
        spdlog::error("http: a handler threw; answered 500 (request {})", ctx.request_id);
        SendProblem(res, ctx, MakeProblem(500, "internal", "Internal error", "unexpected failure"));
      });
  return Status::Ok();
}

Status ApiServer::Impl::Start() {
  if (options.port == 0) {
    bound_port = http->bind_to_any_port(options.host);
    if (bound_port <= 0) return Unavailable("cannot bind " + options.host);
  } else {
    if (!http->bind_to_port(options.host, options.port)) {
      return Unavailable("cannot bind " + options.host + ":" + std::to_string(options.port));
    }
    bound_port = options.port;
  }
  // httplib (Debian's build) listens with a backlog of 5: a burst of new connections (32
  // clients starting at once) overflowed it, and a connection whose handshake the kernel then
  // dropped waited for an answer that never came. Listening again on the same socket raises
  // the backlog (Linux applies the new value to a listening socket).
  if (int fd = listen_fd.load(); fd >= 0 && ::listen(fd, SOMAXCONN) != 0) {
    spdlog::warn("http: could not raise the listen backlog: {}", std::strerror(errno));
  }
  listener = std::thread([this] { http->listen_after_bind(); });
  spdlog::info("http: listening on {}:{}{}", options.host, bound_port,
               options.tls_cert_file.empty() ? "" : " (TLS)");
  return Status::Ok();
}

void ApiServer::Impl::Stop() {
  {
    std::lock_guard lock(stop_mu);
    if (stopped) return;
    stopped = true;
  }
  stopping = true;
  if (http) http->stop();
  if (listener.joinable()) listener.join();
  if (engine) engine->Stop();
  stop_cv.notify_all();
}

void ApiServer::Impl::Wait() {
  std::unique_lock lock(stop_mu);
  stop_cv.wait(lock, [this] { return stopped; });
}

void ApiServer::Impl::SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                  "application/json");
}

void ApiServer::Impl::SendProblem(httplib::Response& res, const RequestContext& ctx,
                                  const Problem& p) {
  res.status = p.status;
  res.set_content(
      p.Body(ctx.request_id).dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
      std::string(kProblemContentType));
}

bool ApiServer::Impl::Route(RequestContext& ctx, const httplib::Request& req,
                            httplib::Response& res) {
  std::string allow;
  // A trailing slash names no route.
  const bool trailing_slash = req.path.size() > 1 && req.path.back() == '/';
  const std::vector<std::string_view> segments = Split(req.path);
  const std::span<const RouteSpec> routes = Routes();
  for (size_t i = 0; i < routes.size() && !trailing_slash; ++i) {
    const RouteSpec& r = routes[i];
    std::map<std::string, std::string> params;
    if (!Match(TemplateSegments()[i], segments, params)) continue;
    if (r.method == req.method) {
      ctx.route = &r;
      ctx.params = std::move(params);
      break;
    }
    if (!allow.empty()) allow += ", ";
    allow += r.method;
  }
  if (ctx.route == nullptr) {
    if (!allow.empty()) {
      res.set_header("Allow", allow);
      SendProblem(res, ctx,
                  MakeProblem(405, "method-not-allowed", "Method not allowed",
                              req.method + " is not allowed here; allowed: " + allow));
    } else {
      SendProblem(res, ctx, MakeProblem(404, "not-found", "Not found", "no such route"));
    }
    // The method is the client's text: only known methods become label values.
    static const std::set<std::string> kMethods = {"GET",    "POST",    "PUT", "PATCH",
                                                   "DELETE", "OPTIONS", "HEAD"};
    requests_total
        .With({"unmatched", kMethods.contains(req.method) ? req.method : "other",
               std::to_string(res.status)})
        .Increment();
    return false;
  }
  return true;
}

void ApiServer::Impl::Handle(const httplib::Request& req, httplib::Response& res) {
  const auto started = std::chrono::steady_clock::now();
  RequestContext ctx;
  ctx.request_id = NewRequestId(*random);
  ctx.now = clock->Now();
  SetStandardHeaders(res, ctx.request_id);
  if (!Route(ctx, req, res)) return;
  Dispatch(ctx, req, res);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  requests_total.With({ctx.route->path, req.method, std::to_string(res.status)}).Increment();
  request_seconds.With({ctx.route->path}).Observe(seconds);
  // One structured line per request: ids, the route template, the status; never content.
  if (res.status >= 500) {
    spdlog::error("http request_id={} method={} route={} status={} seconds={:.6f}", ctx.request_id,
                  req.method, ctx.route->path, res.status, seconds);
  } else {
    spdlog::debug("http request_id={} method={} route={} status={} staff={} seconds={:.6f}",
                  ctx.request_id, req.method, ctx.route->path, res.status,
                  ctx.principal.staff.value, seconds);
  }
}

void ApiServer::Impl::Dispatch(RequestContext& ctx, const httplib::Request& req,
                               httplib::Response& res) {
  if (!IsPublic(*ctx.route)) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"kasane\"");
    if (std::optional<int64_t> wait = auth_throttle.Blocked(req.remote_addr, ctx.now)) {
      // The token is not even looked at: a source guessing tokens gets no answer about them.
      auth_throttled_total.With({}).Increment();
      res.set_header("Retry-After", std::to_string(*wait));
      SendProblem(res, ctx,
                  MakeProblem(429, "too-many-requests", "Too many failed authentications",
                              "this source failed to authenticate too often; retry after " +
                                  std::to_string(*wait) + " seconds"));
      return;
    }
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() <= kBearer.size() || header.compare(0, kBearer.size(), kBearer) != 0) {
      AuthFailed(ctx, req, "missing");
      SendProblem(res, ctx,
                  MakeProblem(401, "unauthorized", "Authentication required",
                              "send Authorization: Bearer <token>"));
      return;
    }
    std::optional<TokenInfo> token = tokens->Authenticate(header.substr(kBearer.size()));
    if (!token) {
      AuthFailed(ctx, req, "invalid");
      SendProblem(res, ctx,
                  MakeProblem(401, "unauthorized", "Authentication required",
                              "the token is unknown or revoked"));
      return;
    }
    ctx.principal = token->principal;
    if (!Admit(ctx, res)) {
      if (res.status == 401) AuthFailed(ctx, req, "deactivated");
      return;
    }
  }
  Serve(ctx, req, res);
}

void ApiServer::Impl::SetStandardHeaders(httplib::Response& res,
                                         const std::string& request_id) const {
  auto set = [&res](const char* name, const std::string& value) {
    res.headers.erase(name);  // once each, also when an error handler answers after a handler
    res.set_header(name, value);
  };
  set("X-Request-Id", request_id);
  // Content lawfully shown once is not for caches to keep.
  set("Cache-Control", "no-store");
  set("X-Content-Type-Options", "nosniff");
  // An API answer is never a page: nothing in it may load, run or be framed.
  set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  set("X-Frame-Options", "DENY");
  set("Referrer-Policy", "no-referrer");
  if (!options.tls_cert_file.empty()) set("Strict-Transport-Security", "max-age=31536000");
}

void ApiServer::Impl::AuthFailed(const RequestContext& ctx, const httplib::Request& req,
                                 std::string_view reason) {
  auth_failures_total.With({std::string(reason)}).Increment();
  const AuthThrottle::Failure f = auth_throttle.Fail(req.remote_addr, ctx.now);
  if (!f.started) return;
  // The token's public id (ksn_<12 hex>_...), when the text has that shape; never the secret.
  std::string token_id;
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kPrefix = "Bearer ksn_";
  if (header.size() >= kPrefix.size() + 13 && header.compare(0, kPrefix.size(), kPrefix) == 0 &&
      header[kPrefix.size() + 12] == '_') {
    token_id = header.substr(kPrefix.size(), 12);
    for (char c : token_id) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) token_id.clear();
    }
  }
  spdlog::warn(
      "auth throttled source={} failures={} window_seconds={} token_id={} reason={} "
      "request_id={}",
      req.remote_addr, f.failures, options.auth_failure_window.count(),
      token_id.empty() ? "-" : token_id, reason, ctx.request_id);
  json payload = {{"source", req.remote_addr},
                  {"failures", f.failures},
                  {"windowSeconds", options.auth_failure_window.count()},
                  {"until", f.until},
                  {"tokenId", token_id},
                  {"reason", reason}};
  eventstore::NewEvent ne;
  ne.id = LogEventId(NewEventId(*random));
  ne.type = std::string(kAuthThrottledType);
  ne.occurred_at = ctx.now;
  ne.actor = {"kasane-auth", "", ""};
  if (auto id = eventstore::EventId::Parse(ctx.request_id); id.ok()) ne.correlation_id = *id;
  ne.payload = payload.dump();
  auto appended = log->Append(std::string(kSecurityStream), eventstore::ExpectedVersion::Any(),
                              {std::move(ne)});
  if (!appended.ok()) {
    spdlog::error("auth: the throttling of {} could not be recorded: {}", req.remote_addr,
                  appended.status().ToString());
  } else {
    appends_total.With({"security"}).Increment();
  }
}

std::optional<int64_t> AuthThrottle::Blocked(const std::string& source, UnixNanos now) {
  if (limit_ == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = windows_.find(source);
  if (it == windows_.end() && windows_.size() >= kMaxSources) {
    it = windows_.find(std::string(kOverflowSource));
  }
  if (it == windows_.end() || it->second.failures < limit_) return std::nullopt;
  const UnixNanos end = it->second.start + window_;
  if (now >= end) return std::nullopt;
  constexpr UnixNanos kSecond = 1'000'000'000;
  return std::max<int64_t>(1, (end - now + kSecond - 1) / kSecond);
}

std::string AuthThrottle::KeyFor(const std::string& source, UnixNanos now) {
  if (windows_.contains(source) || windows_.size() < kMaxSources) return source;
  std::erase_if(windows_, [&](const auto& w) { return now >= w.second.start + window_; });
  return windows_.size() < kMaxSources ? source : std::string(kOverflowSource);
}

AuthThrottle::Failure AuthThrottle::Fail(const std::string& source, UnixNanos now) {
  std::lock_guard lock(mu_);
  Window& w = windows_[KeyFor(source, now)];
  if (w.failures == 0 || now >= w.start + window_) w = Window{now, 0};
  ++w.failures;
  return Failure{w.failures, limit_ != 0 && w.failures == limit_, w.start + window_};
}

bool ApiServer::Impl::Admit(const RequestContext& ctx, httplib::Response& res) {
  if (ctx.principal.staff.value.empty()) return true;
  auto dir = cases->Directory();
  if (!dir.ok()) {
    SendProblem(res, ctx, ProblemFromStatus(dir.status()));
    return false;
  }
  const domain::StaffInfo* staff = (*dir)->directory.FindStaff(ctx.principal.staff);
  if (staff != nullptr && !staff->active) {
    SendProblem(res, ctx,
                MakeProblem(401, "unauthorized", "Authentication required",
                            "the token's staff member is deactivated"));
    return false;
  }
  return true;
}

void ApiServer::Impl::Serve(RequestContext& ctx, const httplib::Request& req,
                            httplib::Response& res) {
  switch (ctx.route->kind) {
    case RouteKind::kCommand:
    case RouteKind::kAdminCommand:
      HandleCommand(ctx, req, res);
      return;
    case RouteKind::kView:
      HandleView(ctx, req, res);
      return;
    case RouteKind::kProof:
      HandleProof(ctx, req, res);
      return;
    case RouteKind::kFeed:
      HandleFeed(ctx, req, res);
      return;
    case RouteKind::kOps:
      HandleOps(ctx, req, res);
      return;
  }
}

void ApiServer::Impl::HandleCommand(RequestContext& ctx, const httplib::Request& req,
                                    httplib::Response& res) {
  const std::string content_type = req.get_header_value("Content-Type");
  if (content_type.rfind("application/json", 0) != 0) {
    SendProblem(res, ctx,
                MakeProblem(415, "unsupported-media-type", "Unsupported media type",
                            "send the command as application/json"));
    return;
  }
  if (JsonDepth(req.body, options.max_json_depth) > options.max_json_depth) {
    SendProblem(res, ctx,
                MakeProblem(400, "malformed-json", "The body is not acceptable JSON",
                            "JSON nested deeper than " + std::to_string(options.max_json_depth) +
                                " levels"));
    return;
  }
  CommandInput input;
  input.body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (input.body.is_discarded()) {
    SendProblem(res, ctx,
                MakeProblem(400, "malformed-json", "The body is not acceptable JSON",
                            "the body does not parse as JSON"));
    return;
  }
  input.route = ctx.route;
  input.path_params = ctx.params;
  input.request_id = ctx.request_id;
  input.decide_at = ctx.decide_at;
  if (req.has_header("Idempotency-Key"))
    input.idempotency_key = req.get_header_value("Idempotency-Key");
  if (req.has_header("If-Match")) input.if_match = req.get_header_value("If-Match");
  const auto started = std::chrono::steady_clock::now();
  CommandOutcome out = commands->Execute(ctx.principal, input);
  append_seconds.With({"command"})
      .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!out.stream.empty() && !out.problem) {
    res.set_header("ETag", "\"" + std::to_string(out.count) + "\"");
  }
  if (out.problem && ctx.route->event_type == "person.erased" && out.problem->status == 422) {
    // A retry of an erasure whose key destruction did not finish (the process stopped between
    // the append and EraseSubject): the case says erased, the key may still be there.
    const std::string subject = SubjectOfBody(input.body);
    auto snap = cases->Load(domain::CaseId{ctx.params["caseId"]});
    if (!subject.empty() && snap.ok() &&
        (*snap)->state.erased.contains(domain::PersonId(subject)) && !log->IsErased(subject)) {
      Status erased = log->EraseSubject(subject);
      if (!erased.ok()) spdlog::error("api: erasure retry failed: {}", erased.ToString());
    }
  }
  if (out.problem) {
    if (out.problem->extra.contains("rule")) {
      const std::string rule = out.problem->extra["rule"].get<std::string>();
      refusals_total.With({rule}).Increment();
      spdlog::info("command refused request_id={} type={} rule={} staff={} agency={}",
                   ctx.request_id, ctx.route->event_type, rule, ctx.principal.staff.value,
                   ctx.principal.agency.value);
    }
    SendProblem(res, ctx, *out.problem);
    return;
  }
  appends_total.With({"command"}).Increment();
  // 消去: the event is recorded; now destroy the subject's data key (a retry finishes it).
  if (ctx.route->event_type == "person.erased") {
    const std::string subject = SubjectOfBody(input.body);
    if (!subject.empty() && !log->IsErased(subject)) {
      Status erased = log->EraseSubject(subject);
      if (!erased.ok()) {
        spdlog::error("api: erasure recorded but the key was not destroyed yet: {}",
                      erased.ToString());
        SendProblem(res, ctx,
                    MakeProblem(503, "erasure-incomplete",
                                "The erasure is recorded; destroying the key failed",
                                "retry the same request to finish the erasure"));
        return;
      }
    }
  }
  if (out.status == 201 && out.stream.rfind("case-", 0) == 0 &&
      ctx.route->event_type == "case.opened") {
    res.set_header("Location", "/v1/cases/" + out.stream.substr(5));
  }
  SendJson(res, out.status, out.body);
}

void ApiServer::Impl::HandleProof(RequestContext& ctx, const httplib::Request& req,
                                  httplib::Response& res) {
  const std::string_view path = ctx.route->path;
  if (path == "/v1/log/checkpoint") {
    auto note = log->Checkpoint();
    if (!note.ok()) return SendProblem(res, ctx, ProblemFromStatus(note.status()));
    res.status = 200;
    res.set_content(*note, "text/plain; charset=utf-8");
    return;
  }
  if (path == "/v1/log/verifier-key") {
    res.status = 200;
    res.set_content(log->VerifierKey() + "\n", "text/plain; charset=utf-8");
    return;
  }
  if (path == "/v1/log/inclusion") {
    auto position = QueryU64(req, "position");
    auto size = QueryU64(req, "size");
    if (!position.ok()) return SendProblem(res, ctx, ProblemFromStatus(position.status()));
    if (!size.ok()) return SendProblem(res, ctx, ProblemFromStatus(size.status()));
    if (!*position) {
      return SendProblem(res, ctx, ProblemFromStatus(InvalidArgument("position is required")));
    }
    const uint64_t n = size->value_or(log->Size());
    if (**position >= n || n > log->Size()) {
      return SendProblem(res, ctx,
                         ProblemFromStatus(InvalidArgument("need position < size <= " +
                                                           std::to_string(log->Size()))));
    }
    auto proof = log->InclusionProof(**position, n);
    auto root = log->RootAt(n);
    auto event = log->ReadAt(**position);
    if (!proof.ok()) return SendProblem(res, ctx, ProblemFromStatus(proof.status()));
    if (!root.ok()) return SendProblem(res, ctx, ProblemFromStatus(root.status()));
    if (!event.ok()) return SendProblem(res, ctx, ProblemFromStatus(event.status()));
    const eventstore::Hash leaf = eventstore::HashLeaf(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(event->canonical.data()), event->canonical.size()));
    SendJson(res, 200,
             {{"position", **position},
              {"size", n},
              {"leafHash", Base64(leaf.data(), leaf.size())},
              {"rootHash", Base64(root->data(), root->size())},
              {"proof", HashesJson(*proof)}});
    return;
  }
  if (path == "/v1/log/consistency") {
    auto from = QueryU64(req, "from");
    auto to = QueryU64(req, "to");
    if (!from.ok()) return SendProblem(res, ctx, ProblemFromStatus(from.status()));
    if (!to.ok()) return SendProblem(res, ctx, ProblemFromStatus(to.status()));
    if (!*from)
      return SendProblem(res, ctx, ProblemFromStatus(InvalidArgument("from is required")));
    const uint64_t n = to->value_or(log->Size());
    if (**from == 0 || **from > n || n > log->Size()) {
      return SendProblem(res, ctx,
                         ProblemFromStatus(InvalidArgument("need 0 < from <= to <= " +
                                                           std::to_string(log->Size()))));
    }
    auto proof = log->ConsistencyProof(**from, n);
    auto r1 = log->RootAt(**from);
    auto r2 = log->RootAt(n);
    if (!proof.ok()) return SendProblem(res, ctx, ProblemFromStatus(proof.status()));
    if (!r1.ok() || !r2.ok()) return SendProblem(res, ctx, ProblemFromStatus(Internal("root")));
    SendJson(res, 200,
             {{"from", **from},
              {"to", n},
              {"fromRootHash", Base64(r1->data(), r1->size())},
              {"toRootHash", Base64(r2->data(), r2->size())},
              {"proof", HashesJson(*proof)}});
    return;
  }
  if (path == "/v1/cases/{caseId}/audit-bundle") {
    const domain::CaseId id{ctx.params["caseId"]};
    auto snap = cases->Load(id);
    if (!snap.ok()) return SendProblem(res, ctx, ProblemFromStatus(snap.status()));
    // The bundle carries every event's metadata: for those who may see the case's structure.
    if (!(*snap)->state.opened || !SeesCaseStructure(ctx.principal, **snap, ctx.now)) {
      return SendProblem(res, ctx, MakeProblem(404, "not-found", "Not found", "case not found"));
    }
    auto bundle = eventstore::BuildAuditBundle(*log, CaseStream(id));
    if (!bundle.ok()) return SendProblem(res, ctx, ProblemFromStatus(bundle.status()));
    res.status = 200;
    res.set_content(*bundle, "application/json");
    return;
  }
  SendProblem(res, ctx, MakeProblem(404, "not-found", "Not found", "no such proof"));
}

void ApiServer::Impl::HandleOps(RequestContext& ctx, const httplib::Request&,
                                httplib::Response& res) {
  const std::string_view path = ctx.route->path;
  if (path == "/v1/health") {
    json projections = json::array();
    bool healthy = true;
    for (const auto& s : engine->Statuses()) {
      healthy = healthy && !s.stopped && s.follow_error.empty();
      json p = {
          {"name", s.name}, {"checkpoint", s.checkpoint}, {"lag", s.lag}, {"stopped", s.stopped}};
      if (!s.follow_error.empty()) p["error"] = s.follow_error;
      projections.push_back(std::move(p));
    }
    // Storage: a stopped log (a failed commit) or free space below the reserve is degraded.
    const eventstore::StorageHealth storage = log->Storage();
    json storage_json = {{"writable", storage.writable},
                         {"belowReserve", storage.below_reserve},
                         {"belowPriorityReserve", storage.below_priority_reserve},
                         {"refusedForSpace", storage.refused_for_space}};
    if (storage.free_bytes) storage_json["freeBytes"] = *storage.free_bytes;
    if (!storage.writable) storage_json["failure"] = storage.failure;
    healthy = healthy && storage.writable && !storage.below_reserve;
    SendJson(res, healthy ? 200 : 503,
             {{"status", healthy ? "ok" : "degraded"},
              {"logSize", log->Size()},
              {"projections", projections},
              {"storage", storage_json}});
    return;
  }
  if (path == "/v1/metrics") {
    res.status = 200;
    res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
    return;
  }
  if (path == "/v1/openapi.json") {
    SendJson(res, 200, OpenApiDocument());
    return;
  }
  SendProblem(res, ctx, MakeProblem(404, "not-found", "Not found", "no such route"));
}

// --- ApiServer --------------------------------------------------------------------------------

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() {
  if (impl_) impl_->Stop();
}

Result<std::unique_ptr<ApiServer>> ApiServer::Open(ServerOptions options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>(std::move(options));
  KASANE_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

Status ApiServer::CheckTls(const ServerOptions& options) {
  return MakeHttpServer(options).status();
}

LocalResponse ApiServer::Call(const LocalRequest& request) {
  Impl& impl = *impl_;
  httplib::Request req;
  httplib::Response res;
  req.method = request.method;
  const size_t q = request.target.find('?');
  req.path = request.target.substr(0, q);
  if (q != std::string::npos) {
    httplib::detail::parse_query_text(request.target.substr(q + 1), req.params);
  }
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  if (!request.body.empty() && !req.has_header("Content-Type")) {
    req.headers.emplace("Content-Type", "application/json");
  }
  req.body = request.body;
  RequestContext ctx;
  ctx.request_id = NewRequestId(*impl.random);
  ctx.now = impl.clock->Now();
  ctx.principal = request.principal;
  ctx.decide_at = request.decide_at;
  ctx.channel = request.channel.empty() ? "in-process" : request.channel;
  if (impl.Route(ctx, req, res)) {
    if (ctx.route->kind == RouteKind::kFeed) {
      impl.SendProblem(res, ctx,
                       MakeProblem(501, "not-implemented", "Not implemented",
                                   "the change feed is served over HTTP only"));
    } else if (ctx.route->kind == RouteKind::kCommand ||
               ctx.route->kind == RouteKind::kAdminCommand || impl.Admit(ctx, res)) {
      // A command is not refused up front for a deactivated staff member: a retry of one
      // recorded before the deactivation answers its original result (kasane import runs a
      // history again), and anything new meets the domain's actor rule (403, recorded).
      impl.Serve(ctx, req, res);
    }
  }
  LocalResponse out;
  out.status = res.status;
  out.body = std::move(res.body);
  for (const auto& [name, value] : res.headers) out.headers.emplace(name, value);
  out.content_type = res.get_header_value("Content-Type");
  return out;
}

Status ApiServer::Start() { return impl_->Start(); }
void ApiServer::Stop() { impl_->Stop(); }
void ApiServer::Wait() { impl_->Wait(); }
int ApiServer::port() const { return impl_->bound_port; }
eventstore::EventLog& ApiServer::log() { return *impl_->log; }
TokenStore& ApiServer::tokens() { return *impl_->tokens; }
CaseStore& ApiServer::cases() { return *impl_->cases; }
projections::ProjectionEngine& ApiServer::engine() { return *impl_->engine; }

}  // namespace kasane::api

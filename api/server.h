// ApiServer: kasane's HTTP API (cpp-httplib), the one place where 守秘義務 meets the network.
//
// One data folder: the event log (`<data>/log`, eventstore/event_log.h), the projections'
// views (`<data>/views`, projections/engine.h) followed in the background, and the bearer
// tokens (api/tokens.h, kept in the log). Every route of api/routes.h is served by one router
// driven by that table, so the OpenAPI document and the server cannot disagree. Plain HTTP, or
// HTTPS when ServerOptions names a certificate and key (httplib::SSLServer over OpenSSL).
//
// Each request, in order:
//   1. a request id (32 hex digits, answered as X-Request-Id; the correlation id of every event
//      the request writes);
//   2. routing (unknown path 404, wrong method 405, as problem+json);
//   3. authentication: `Authorization: Bearer <token>`; missing, unknown, revoked, or a
//      deactivated staff member: 401 (only /v1/health and /v1/openapi.json are public);
//   4. the body (commands): at most `max_body_bytes` (413), JSON nested at most
//      `max_json_depth` levels (400), an object (422), parsed strictly (payload_json.h);
//   5. the handler: commands through CommandService; every view through the scope policy
//      (domain::Evaluate), with content the caller may not see left out and marked
//      `"redacted": {"reason"}`, a case the caller has no relation to answered 404 (auditors
//      excepted), and the access record committed before any personal content is sent
//      (records.h; fail closed: 503 and no content).
// docs/api.md describes the routes, their answers and the error types.
//
// Thread-safety: Start/Stop/Wait from one controlling thread; requests are served concurrently
// by the server's thread pool.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/random.h"
#include "base/status.h"
#include "domain/scope_policy.h"
#include "domain/settings.h"
#include "eventstore/event_log.h"
#include "projections/engine.h"

namespace kasane::api {

class CaseStore;
class TokenStore;

// One request served in process, without the network and without a token (ApiServer::Call):
// the command line's import, demo, administration and export commands act as a named principal
// through exactly the code the HTTP routes run (routing, body checks, the command service, the
// scope policy, access records). The caller vouches for the principal (it holds the data
// folder). A deactivated staff member's reads are refused (401); their commands go to the
// domain, which answers a retry of an earlier command with its original result and refuses
// anything new (rule actor, recorded).
struct LocalRequest {
  domain::Principal principal;
  std::string method = "GET";
  std::string target;  // path with an optional query, e.g. "/v1/cases/c-1/timeline?as_of=5"
  std::map<std::string, std::string> headers;  // e.g. Idempotency-Key, If-Match, Accept
  std::string body;  // a command's JSON (Content-Type defaults to application/json)
  // Decide a command as of this time (consent validity, due dates) instead of the clock: the
  // import of records that happened in the past. The log still records its own clock.
  std::optional<UnixNanos> decide_at;
  // Who reads on the principal's behalf, e.g. "kasane export": recorded in the access records
  // of content this request shows (AccessRecorded::channel), so an export by whoever held the
  // data folder is never mistaken for the staff member's own read. Empty: "in-process".
  std::string channel;
};
struct LocalResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::multimap<std::string, std::string> headers;
};

struct ServerOptions {
  std::string data_dir = "./data";
  std::string origin = "kasane.local/log";
  std::optional<std::array<uint8_t, 32>> master_key;  // else <data>/master.key
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see ApiServer::port)
  // HTTPS: both set, PEM files (the certificate file may hold the chain, leaf first); both
  // empty: plain HTTP. Loaded by Open (kInvalidArgument when either does not load or they do
  // not match), before the data folder is opened. TLS 1.2 or later.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Worker threads. A keep-alive connection holds a worker while open, and so does a long-poll
  // or Server-Sent Events reader: size it above the expected concurrent connections.
  size_t threads = 96;
  size_t max_body_bytes = 1 << 20;
  int max_json_depth = 32;
  std::chrono::milliseconds max_wait{30000};  // cap of feed `wait` and `min_position` waits
  std::chrono::milliseconds sse_keepalive{15000};
  // Throttling failed authentication (docs/api.md): once a source address has failed to
  // authenticate `auth_failure_limit` times within `auth_failure_window` (counted from its first
  // failure, on `clock`), every request of it that needs a token is answered 429 with
  // Retry-After, its token unchecked, until the window ends. 0: no throttling (still counted).
  uint64_t auth_failure_limit = 20;
  std::chrono::seconds auth_failure_window{60};
  const Clock* clock = nullptr;  // null: the system clock
  Random* random = nullptr;      // null: the system CSPRNG
  domain::MunicipalSettings settings = domain::DefaultSettings();
  // The log's free-space reserve (eventstore::EventLogOptions; docs/operations.md, "Full
  // disk"): commands are refused with 507 storage-full while the data folder's file system has
  // less than `min_free_bytes` free; access records and refusal records may go on down to
  // `priority_min_free_bytes`, so cases can still be read. 0 turns a check off.
  uint64_t min_free_bytes = uint64_t{64} << 20;
  uint64_t priority_min_free_bytes = uint64_t{16} << 20;
  // Test seam: adjusts the log's options before it is opened (a fault-injecting file system, a
  // fake free-space probe).
  std::function<void(eventstore::EventLogOptions&)> TEST_log_options;
};

class ApiServer {
 public:
  // Opens the data folder (creating it when missing), catches the projections up to the log's
  // head and starts following it. Does not listen yet.
  static Result<std::unique_ptr<ApiServer>> Open(ServerOptions options);
  // Loads options' TLS certificate and key as Open would (OK when neither is set), without
  // opening anything else: `kasane serve --check-config`.
  static Status CheckTls(const ServerOptions& options);
  ~ApiServer();  // Stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds host:port and serves on a background thread; returns once listening.
  // kUnavailable when the address cannot be bound.
  Status Start();
  // Stops accepting, lets requests in flight finish (long-polls and event streams end), stops
  // the projections. Idempotent.
  void Stop();
  // Blocks until Stop() is called from another thread (kasane serve).
  void Wait();
  // Serves `request` in process (see LocalRequest); works whether or not Start was called.
  // The change feed is not served in process (501).
  LocalResponse Call(const LocalRequest& request);

  // The bound port (after Start).
  int port() const;

  eventstore::EventLog& log();
  TokenStore& tokens();
  // The case store the command service decides with; its Directory() is the directory
  // (機関・職員名簿) as of the admin stream's latest commit (the CLI resolves `--as` with it).
  CaseStore& cases();
  projections::ProjectionEngine& engine();

 private:
  class Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kasane::api

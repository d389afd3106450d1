// Transport and tokens (issue 8 item 6): HTTPS through cpp-httplib and OpenSSL on loopback with
// a self-signed certificate, the security headers of every answer, and the throttling and
// recording of repeated failed authentication from one source address (docs/api.md).
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <sstream>
#include <vector>

#include "tests/api/api_fixture.h"
#include "tests/api/log_capture.h"

namespace kasane::api::testing {
namespace {

// Runs a shell command; its exit code.
int Sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// A self-signed certificate (EC P-256) for `san` (e.g. "IP:127.0.0.1"), valid two days.
void MakeCertificate(const std::string& cert, const std::string& key, const std::string& san) {
  const std::string cn = san.substr(san.find(':') + 1);
  ASSERT_EQ(
      Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
         "-days 2 -subj /CN=" +
         cn + " -addext subjectAltName=" + san + " -keyout '" + key + "' -out '" + cert + "'"),
      0);
}

// One GET over a TCP connection from source address `source` (e.g. 127.0.0.2, another loopback
// address than the fixture's client): the status and the raw answer (0 and "" on no answer).
std::pair<int, std::string> GetFrom(const std::string& source, int port, const std::string& path,
                                    const std::string& token) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {0, ""};
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    ::close(fd);
    return {0, ""};
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += "\r\n";
  ::send(fd, request.data(), request.size(), 0);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) answer.append(buf, n);
  ::close(fd);
  if (answer.rfind("HTTP/1.1 ", 0) != 0) return {0, answer};
  return {std::atoi(answer.c_str() + 9), answer};
}

const char* const kSecurityHeaders[][2] = {
    {"Cache-Control", "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
};

void ExpectSecurityHeaders(const httplib::Headers& h, const std::string& what, bool tls) {
  for (const auto& [name, value] : kSecurityHeaders) {
    auto it = h.find(name);
    EXPECT_TRUE(it != h.end() && it->second == value) << what << ": " << name;
  }
  EXPECT_EQ(h.count("Server"), 0u) << what << ": a Server banner";
  EXPECT_EQ(h.count("X-Request-Id"), 1u) << what;
  if (tls) {
    auto it = h.find("Strict-Transport-Security");
    EXPECT_TRUE(it != h.end() && it->second.rfind("max-age=", 0) == 0) << what;
  } else {
    EXPECT_EQ(h.count("Strict-Transport-Security"), 0u) << what << ": HSTS over plain HTTP";
  }
}

const domain::Principal kSecretariat{domain::StaffId("st-sec"), domain::AgencyId("ag-fukushi"),
                                     domain::Role::kSecretariat, std::nullopt};

// --- TLS ----------------------------------------------------------------------------------------

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCertificate(cert_, key_, "IP:127.0.0.1");
    ServerOptions o;
    o.tls_cert_file = cert_;
    o.tls_key_file = key_;
    world_ = std::make_unique<ApiWorld>(o);
    ASSERT_NE(world_->server, nullptr);
    token_ = world_->TokenFor(kSecretariat);
  }
  std::unique_ptr<httplib::SSLClient> Trusting() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", world_->server->port());
    c->set_ca_cert_path(cert_.c_str());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(10, 0);
    return c;
  }

  eventstore::testing::TempDir files_;
  const std::string cert_ = files_.Sub("cert.pem");
  const std::string key_ = files_.Sub("key.pem");
  std::unique_ptr<ApiWorld> world_;
  std::string token_;
};

TEST_F(TlsTest, HttpsWithATrustedSelfSignedCertificateServesEveryKindOfAnswer) {
  std::unique_ptr<httplib::SSLClient> client = Trusting();
  httplib::SSLClient& c = *client;
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  ExpectSecurityHeaders(health->headers, "health over TLS", /*tls=*/true);
  auto metrics = c.Get("/v1/metrics", {{"Authorization", "Bearer " + token_}});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  ExpectSecurityHeaders(metrics->headers, "metrics over TLS", true);
  auto unauthorized = c.Get("/v1/metrics");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  ExpectSecurityHeaders(unauthorized->headers, "401 over TLS", true);
  auto missing = c.Get("/v1/nowhere");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  ExpectSecurityHeaders(missing->headers, "404 over TLS", true);
  // A command over TLS.
  auto agency = c.Post(
      "/v1/agencies", {{"Authorization", "Bearer " + token_}},
      R"({"agency":"ag-fukushi","name":"福祉政策課","kind":"municipal_division","fields":[],"programmeParts":[]})",
      "application/json");
  ASSERT_TRUE(agency);
  EXPECT_EQ(agency->status, 201) << agency->body;
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoAnswer) {
  httplib::Client plain("127.0.0.1", world_->server->port());
  plain.set_read_timeout(5, 0);
  auto r = plain.Get("/v1/health");
  EXPECT_FALSE(r && r->status == 200);
  // The server still serves TLS afterwards.
  auto after = Trusting()->Get("/v1/health");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

// A client limited to [min, max] protocol versions, offering even legacy ones (security level 0,
// so OpenSSL's own client defaults do not refuse TLS 1.0/1.1 before the server can).
std::optional<int> GetWithVersions(int port, const std::string& ca, int min, int max) {
  httplib::SSLClient c("127.0.0.1", port);
  c.set_ca_cert_path(ca.c_str());
  c.enable_server_certificate_verification(true);
  SSL_CTX* ctx = c.ssl_context();
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx, min);
  SSL_CTX_set_max_proto_version(ctx, max);
  auto r = c.Get("/v1/health");
  if (!r) return std::nullopt;
  return r->status;
}

TEST_F(TlsTest, ProtocolsOlderThanTls12AreRefused) {
  const int port = world_->server->port();
  EXPECT_EQ(GetWithVersions(port, cert_, TLS1_VERSION, TLS1_1_VERSION), std::nullopt);
  EXPECT_EQ(GetWithVersions(port, cert_, TLS1_VERSION, TLS1_VERSION), std::nullopt);
  // The same client, allowed 1.2 or 1.3, is served: the refusal above is the server's.
  EXPECT_EQ(GetWithVersions(port, cert_, TLS1_VERSION, TLS1_2_VERSION), 200);
  EXPECT_EQ(GetWithVersions(port, cert_, TLS1_3_VERSION, TLS1_3_VERSION), 200);
}

TEST_F(TlsTest, ACertificateForAnotherNameOrFromAnotherIssuerIsRefusedByTheClient) {
  // The server's certificate names 127.0.0.1; another trusted certificate does not help.
  const std::string other_cert = files_.Sub("other.pem"), other_key = files_.Sub("other.key");
  MakeCertificate(other_cert, other_key, "IP:127.0.0.1");
  httplib::SSLClient untrusting("127.0.0.1", world_->server->port());
  untrusting.set_ca_cert_path(other_cert.c_str());
  untrusting.enable_server_certificate_verification(true);
  EXPECT_FALSE(untrusting.Get("/v1/health"));

  // A server whose (trusted) certificate names another host: the name check fails.
  eventstore::testing::TempDir more;
  const std::string named_cert = more.Sub("named.pem"), named_key = more.Sub("named.key");
  MakeCertificate(named_cert, named_key, "DNS:kasane.example");
  ServerOptions o;
  o.tls_cert_file = named_cert;
  o.tls_key_file = named_key;
  ApiWorld named(o);
  ASSERT_NE(named.server, nullptr);
  httplib::SSLClient mismatch("127.0.0.1", named.server->port());
  mismatch.set_ca_cert_path(named_cert.c_str());
  mismatch.enable_server_certificate_verification(true);
  EXPECT_FALSE(mismatch.Get("/v1/health"));
  // Without the name check the same connection works: the refusal was the name.
  httplib::SSLClient unchecked("127.0.0.1", named.server->port());
  unchecked.enable_server_certificate_verification(false);
  auto r = unchecked.Get("/v1/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  // A key that does not match the certificate does not start a server at all.
  ServerOptions wrong;
  wrong.data_dir = more.Sub("wrong");
  wrong.tls_cert_file = cert_;
  wrong.tls_key_file = named_key;
  auto opened = ApiServer::Open(wrong);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
}

// --- security headers -----------------------------------------------------------------------

// Every route (path parameters filled with a placeholder), with a valid token, with none, and
// the answers no route gives (404, 405, 413, a body httplib cannot read): each carries the
// security headers; none carries a Server banner or (over plain HTTP) HSTS.
TEST(SecurityHeadersTest, EveryAnswerCarriesThem) {
  ServerOptions o;
  o.max_body_bytes = 4096;
  o.auth_failure_limit = 0;  // the calls without a token must not throttle the others
  ApiWorld a(o);
  ASSERT_NE(a.server, nullptr);
  const std::string token = a.TokenFor(kSecretariat);
  size_t answers = 0;
  for (const RouteSpec& r : Routes()) {
    std::string path(r.path);
    for (size_t b; (b = path.find('{')) != std::string::npos;) {
      path.replace(b, path.find('}', b) - b + 1, "x-1");
    }
    for (const std::string& t : {token, std::string()}) {
      Reply reply = a.Call(std::string(r.method), path, t, "{}");
      ASSERT_NE(reply.status, 0) << path;
      ExpectSecurityHeaders(
          reply.headers, std::string(r.method) + " " + path + " -> " + std::to_string(reply.status),
          false);
      ++answers;
    }
  }
  Reply not_found = a.Call("GET", "/v1/nowhere", token);
  EXPECT_EQ(not_found.status, 404);
  ExpectSecurityHeaders(not_found.headers, "404", false);
  Reply not_allowed = a.Call("DELETE", "/v1/cases/c-1", token);
  EXPECT_EQ(not_allowed.status, 405);
  ExpectSecurityHeaders(not_allowed.headers, "405", false);
  Reply too_large = a.Call("POST", "/v1/cases", token, std::string(8192, ' '));
  EXPECT_EQ(too_large.status, 413);
  ExpectSecurityHeaders(too_large.headers, "413", false);
  EXPECT_EQ(too_large.Header("Content-Type"), "application/problem+json");
  EXPECT_GT(answers, 2 * 40u);
}

// --- throttling failed authentication ---------------------------------------------------------

TEST(AuthThrottleTest, RepeatedFailuresFromOneSourceAreThrottledRecordedAndCounted) {
  LogCapture logs;
  ServerOptions o;
  o.auth_failure_limit = 5;
  o.auth_failure_window = std::chrono::seconds(60);
  ApiWorld a(o);
  ASSERT_NE(a.server, nullptr);
  const std::string good = a.TokenFor(kSecretariat);
  const std::string revoked = a.TokenFor(kSecretariat, "to revoke");
  const std::string revoked_id = revoked.substr(4, 12);
  ASSERT_TRUE(a.server->tokens().Revoke(revoked_id, a.clock().Now()).ok());
  // A well-shaped token nobody issued.
  const std::string unknown = "ksn_0123456789ab_" + std::string(43, 'A');

  // Five failures from 127.0.0.1: each is 401 (missing, unknown, revoked ...).
  const std::string bad[] = {"", unknown, "not-a-token", unknown, revoked};
  for (const std::string& t : bad) {
    Reply r = a.Call("GET", "/v1/statistics", t);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_TRUE(r.Header("Retry-After").empty());
  }
  // The sixth request from that source is not looked at: 429 with Retry-After, even with the
  // good token (a source guessing tokens must not learn which one works).
  for (const std::string& t : {unknown, good}) {
    Reply r = a.Call("GET", "/v1/statistics", t);
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(r.Header("Retry-After"), "60");
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
    EXPECT_EQ(r.Json().value("type", ""), "urn:kasane:problem:too-many-requests");
    ExpectSecurityHeaders(r.headers, "429", false);
  }
  // Public routes stay open to it.
  EXPECT_EQ(a.Call("GET", "/v1/health", "").status, 200);

  // Another source is not affected: a good token from 127.0.0.2 is served, a bad one is 401.
  auto other = GetFrom("127.0.0.2", a.server->port(), "/v1/metrics", good);
  ASSERT_EQ(other.first, 200) << other.second;
  EXPECT_EQ(GetFrom("127.0.0.2", a.server->port(), "/v1/metrics", unknown).first, 401);
  // The metrics count the failures by reason and the throttled answers.
  const std::string& m = other.second;
  EXPECT_NE(m.find("kasane_auth_failures_total{reason=\"missing\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("kasane_auth_failures_total{reason=\"invalid\"} 4"), std::string::npos) << m;
  EXPECT_NE(m.find("kasane_auth_throttled_total 2"), std::string::npos) << m;
  EXPECT_NE(m.find("kasane_http_requests_total{route=\"/v1/statistics\",method=\"GET\",status="
                   "\"429\"} 2"),
            std::string::npos)
      << m;

  // The throttling is recorded once, in the stream "security": the source, the count, the
  // revoked token's public id (the last failure's), never a token's text.
  auto recorded = a.server->log().ReadStream("security", 0, eventstore::Direction::kForward, 10);
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  ASSERT_EQ(recorded->size(), 1u);
  const eventstore::RecordedEvent& e = recorded->front();
  EXPECT_EQ(e.type, "auth.throttled");
  json p = json::parse(e.payload);
  EXPECT_EQ(p["source"], "127.0.0.1");
  EXPECT_EQ(p["failures"], 5);
  EXPECT_EQ(p["windowSeconds"], 60);
  EXPECT_EQ(p["tokenId"], revoked_id);
  EXPECT_EQ(e.payload.find(revoked.substr(17)), std::string::npos);
  EXPECT_EQ(e.payload.find(good.substr(17)), std::string::npos);
  const std::string text = logs.Text();
  EXPECT_NE(text.find("auth throttled source=127.0.0.1 failures=5"), std::string::npos) << text;
  EXPECT_NE(text.find("token_id=" + revoked_id), std::string::npos);
  for (const std::string& t : {good, revoked, unknown}) {
    EXPECT_EQ(text.find(t.substr(17)), std::string::npos) << "a token's secret in the log";
  }

  // After the window the source may authenticate again (the throttle uses the server's clock).
  a.clock().Advance(61 * domain::testing::kSecond);
  EXPECT_EQ(a.Call("GET", "/v1/statistics", good).status, 200);
  // ... and a new window opens at its next failure.
  EXPECT_EQ(a.Call("GET", "/v1/statistics", unknown).status, 401);
  EXPECT_EQ(a.Call("GET", "/v1/statistics", good).status, 200);
}

TEST(AuthThrottleTest, ALimitOfZeroNeverThrottlesButStillCounts) {
  ServerOptions o;
  o.auth_failure_limit = 0;
  ApiWorld a(o);
  ASSERT_NE(a.server, nullptr);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(a.Call("GET", "/v1/metrics", "").status, 401);
  Reply m = a.Call("GET", "/v1/metrics", a.TokenFor(kSecretariat));
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("kasane_auth_failures_total{reason=\"missing\"} 30"), std::string::npos)
      << m.body;
  EXPECT_FALSE(a.server->log().ReadStream("security", 0, eventstore::Direction::kForward, 1).ok());
}

// --- the listening socket --------------------------------------------------------------------

// The accept backlog of the socket listening on 127.0.0.1:`port`, as the kernel reports it
// (NETLINK_INET_DIAG, what `ss -lt` shows as Send-Q), or -1.
int ListenBacklog(int port) {
  int nl = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_INET_DIAG);
  if (nl < 0) return -1;
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } query{};
  query.header.nlmsg_len = sizeof(query);
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  query.request.sdiag_family = AF_INET;
  query.request.sdiag_protocol = IPPROTO_TCP;
  query.request.idiag_states = 1 << 10;  // TCP_LISTEN
  int backlog = -1;
  if (::send(nl, &query, sizeof(query), 0) == static_cast<ssize_t>(sizeof(query))) {
    alignas(nlmsghdr) char buf[16384];
    bool done = false;
    while (!done) {
      ssize_t n = ::recv(nl, buf, sizeof(buf), 0);
      if (n <= 0) break;
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
          done = true;
          break;
        }
        const auto* msg = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
        if (ntohs(msg->id.idiag_sport) == port) backlog = static_cast<int>(msg->idiag_wqueue);
      }
    }
  }
  ::close(nl);
  return backlog;
}

// A second server on the same address and port does not start (no SO_REUSEPORT, under which it
// would silently take half the connections); the accept backlog is the system's maximum, not
// httplib's 5 (a burst of new connections overflowed it, and a dropped handshake left its client
// waiting for an answer); a burst of 64 connections opened at once is answered.
TEST(ListenSocketTest, APortIsOneServersAndABurstOfConnectionsIsAccepted) {
  ApiWorld a;
  ASSERT_NE(a.server, nullptr);
  eventstore::testing::TempDir other;
  ServerOptions o;
  o.data_dir = other.Sub("data");
  o.host = "127.0.0.1";
  o.port = a.server->port();
  auto second = ApiServer::Open(o);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Status started = (*second)->Start();
  EXPECT_EQ(started.code(), StatusCode::kUnavailable) << started.ToString();
  EXPECT_GE(ListenBacklog(a.server->port()), 128);

  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(a.server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 64; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << i;
    fds.push_back(fd);
  }
  const std::string request =
      "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  int answered = 0;
  for (int fd : fds) {
    timeval tv{30, 0};  // a bound for a wedged test, not a timing assertion
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  for (int fd : fds) {
    char buf[16] = {};
    if (::recv(fd, buf, 12, MSG_WAITALL) == 12 && std::string(buf, 12) == "HTTP/1.1 200") {
      ++answered;
    }
    ::close(fd);
  }
  EXPECT_EQ(answered, 64);
}

// A TCP connection to 127.0.0.1:`port` whose reads give up after 30 s (a bound for a wedged
// test, not a timing assertion); -1 when it cannot connect.
int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// The plain-HTTP connection loop (api/plain_http_server.h): requests pipelined on one keep-alive
// connection are each answered in order, an answer to HEAD (a Content-Length, no body) is sent,
// not held back waiting for a body, and a stopping server closes a connection left idle.
TEST(ConnectionLoopTest, PipelinedRequestsHeadAndAnIdleConnectionAtStop) {
  ApiWorld a;
  ASSERT_NE(a.server, nullptr);
  const int fd = ConnectLoopback(a.server->port());
  ASSERT_GE(fd, 0);
  const std::string get = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string head = "HEAD /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string pipelined = get + get + head;
  ASSERT_EQ(::send(fd, pipelined.data(), pipelined.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(pipelined.size()));
  // Reads the answers: two with their bodies, then the HEAD answer's header block alone.
  std::string in;
  auto fill_until = [&](auto done) {
    char buf[4096];
    while (!done()) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  std::vector<std::string> statuses;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(fill_until([&] { return in.find("\r\n\r\n") != std::string::npos; }))
        << "answer " << i << " missing; got: " << in.substr(0, 200);
    const size_t end = in.find("\r\n\r\n") + 4;
    const std::string headers = in.substr(0, end);
    statuses.push_back(headers.substr(0, 12));
    const size_t cl = headers.find("Content-Length: ");
    ASSERT_NE(cl, std::string::npos) << headers;
    const size_t length = std::stoul(headers.substr(cl + 16));
    const size_t body = i < 2 ? length : 0;  // HEAD: the length of the GET's body, no body
    ASSERT_TRUE(fill_until([&] { return in.size() >= end + body; })) << i;
    if (i < 2) {
      EXPECT_EQ(in.substr(end, 1), "{") << i;
    }
    in.erase(0, end + body);
  }
  // HEAD is no route of the API: its answer is a 405 whose header block announces the problem's
  // length and carries no body, so the loop must send it without a body to wait for.
  EXPECT_EQ(statuses, (std::vector<std::string>{"HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 405"}));
  EXPECT_TRUE(in.empty()) << in;
  // Idle on a keep-alive connection (30 s allowed): a stopping server ends it.
  a.server->Stop();
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0) << "the idle connection was not closed by Stop";
  ::close(fd);
}

// A request whose rest may be left unread ends its connection after the answer, so that the
// rest is never taken for another request: a request line that does not parse, a GET with a
// body (httplib reads no body on a GET), a chunked body (which httplib may stop reading
// half-way). Each is sent together with a well-formed request that must not be answered.
TEST(ConnectionLoopTest, ARequestWhoseRestIsUnreadEndsItsConnection) {
  ApiWorld a;
  ASSERT_NE(a.server, nullptr);
  const std::string next = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"BREW /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 400"},
      {"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
           std::to_string(next.size()) + "\r\n\r\n" + next,
       "HTTP/1.1 200"},
      {"POST /v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "HTTP/1.1 4"},
  };
  for (const auto& [first, status] : cases) {
    const int fd = ConnectLoopback(a.server->port());
    ASSERT_GE(fd, 0);
    const std::string both = first + next;
    ASSERT_EQ(::send(fd, both.data(), both.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(both.size()));
    // Everything until the server closes the connection: one answer only.
    std::string in;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) in.append(buf, static_cast<size_t>(n));
    ::close(fd);
    EXPECT_EQ(n, 0) << "the connection was not closed: " << first.substr(0, 40);
    EXPECT_EQ(in.substr(0, status.size()), status) << in.substr(0, 200);
    size_t answers = 0;
    for (size_t at = in.find("HTTP/1.1 "); at != std::string::npos;
         at = in.find("HTTP/1.1 ", at + 1)) {
      ++answers;
    }
    EXPECT_EQ(answers, 1u) << first.substr(0, 40) << " answered: " << in.substr(0, 400);
  }
}

}  // namespace
}  // namespace kasane::api::testing

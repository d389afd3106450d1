// `kasane serve` (tools/server_commands.cc) through the real binary: the settings' precedence
// (flag > environment variable > config file > default), the example config
// (tools/kasane.example.toml), bad settings (exit 2, nothing opened), HTTPS with a self-signed
// certificate made here (verified against that certificate, on 127.0.0.1 only), and a graceful
// SIGTERM (exit 0; everything answered is in the log, which reopens and verifies).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/serve_process.h"
#include "tests/tools/shell.h"

namespace kasane::tools {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using testing::kKasane;
using testing::Outcome;
using testing::ServeProcess;
using testing::Sh;

std::string ReadFile(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

// Replaces the one line starting with `prefix` in `text`; fails the test when there is none.
std::string ReplaceLine(std::string text, const std::string& prefix, const std::string& line) {
  const size_t at = text.find("\n" + prefix);
  EXPECT_NE(at, std::string::npos) << prefix;
  if (at == std::string::npos) return text;
  const size_t end = text.find('\n', at + 1);
  return text.replace(at + 1, end - at - 1, line);
}

class ServeTest : public ::testing::Test {
 protected:
  Outcome Kasane(const std::string& args, const std::string& env = "") {
    // The test's own KASANE_* variables never leak into the command.
    return Sh(
        "env -u KASANE_DATA -u KASANE_LISTEN -u KASANE_THREADS -u KASANE_ORIGIN "
        "-u KASANE_TLS_CERT -u KASANE_TLS_KEY -u KASANE_CONFIG -u KASANE_MASTER_KEY_FILE " +
        env + " " + kKasane + " " + args);
  }
  std::string Dir() const { return dir_.Sub("data"); }
  std::string Data() const { return "--data '" + Dir() + "'"; }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path) << text;
    return path;
  }
  json Check(const std::string& args, const std::string& env = "") {
    Outcome o = Kasane("serve --check-config " + args, env);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return json::parse(o.out, nullptr, false);
  }
  // `kasane init`: the folder, a secretariat sec-1 of agency city, its token.
  std::string Init() {
    Outcome o = Kasane("init " + Data() +
                       " --agency city --agency-name City --agency-kind municipal_division "
                       "--staff sec-1");
    EXPECT_EQ(o.exit_code, 0) << o.err;
    json out = json::parse(o.out, nullptr, false);
    return out.is_object() ? out.value("token", "") : "";
  }
  // A self-signed certificate for 127.0.0.1 (the openssl command line).
  void MakeCertificate(const std::string& cert, const std::string& key) {
    Outcome o =
        Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
           "-days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
           key + "' -out '" + cert + "'");
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  TempDir dir_;
};

TEST_F(ServeTest, DefaultsWithoutSettings) {
  json c = Check("");
  EXPECT_EQ(c["data"], "./data");
  EXPECT_EQ(c["listen"], "127.0.0.1:8080");
  EXPECT_EQ(c["threads"], 96);
  EXPECT_EQ(c["tlsCert"], "");
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data")));
}

TEST_F(ServeTest, FlagBeatsEnvironmentBeatsConfigFileBeatsDefault) {
  const std::string config = Write("kasane.toml",
                                   "[serve]\n"
                                   "data = \"/from/config\"\n"
                                   "listen = \"10.0.0.1:1\"\n"
                                   "threads = 8\n"
                                   "origin = \"config.example/log\"\n");
  // The file alone.
  json c = Check("--config '" + config + "'");
  EXPECT_EQ(c["data"], "/from/config");
  EXPECT_EQ(c["listen"], "10.0.0.1:1");
  EXPECT_EQ(c["threads"], 8);
  EXPECT_EQ(c["origin"], "config.example/log");
  // Environment variables beat the file.
  c = Check("--config '" + config + "'",
            "KASANE_LISTEN=10.0.0.2:2 KASANE_THREADS=16 KASANE_DATA=/from/env");
  EXPECT_EQ(c["data"], "/from/env");
  EXPECT_EQ(c["listen"], "10.0.0.2:2");
  EXPECT_EQ(c["threads"], 16);
  EXPECT_EQ(c["origin"], "config.example/log");
  // Flags beat both.
  c = Check("--config '" + config + "' --threads 32 --listen 10.0.0.3:3",
            "KASANE_LISTEN=10.0.0.2:2 KASANE_THREADS=16");
  EXPECT_EQ(c["listen"], "10.0.0.3:3");
  EXPECT_EQ(c["threads"], 32);
  EXPECT_EQ(c["data"], "/from/config");
  // KASANE_CONFIG names the file; top-level keys and `_` for `-` are accepted too.
  const std::string flat = Write("flat.toml", "listen = \"10.0.0.4:4\"\ntls_cert = \"\"\n");
  c = Check("", "KASANE_CONFIG='" + flat + "'");
  EXPECT_EQ(c["listen"], "10.0.0.4:4");
  EXPECT_EQ(c["config"], flat);
}

TEST_F(ServeTest, BadSettingsAreExit2AndOpenNothing) {
  const std::string data = " --data '" + Dir() + "'";
  struct Case {
    std::string args, env, says;
  };
  const std::string unknown_key = Write("typo.toml", "[serve]\nlisen = \"127.0.0.1:1\"\n");
  const std::string unknown_section = Write("section.toml", "[server]\nlisten = \"x:1\"\n");
  const std::string bad_threads = Write("threads.toml", "threads = 2\n");
  const std::string hash = Write("hash.toml", "data = \"/srv/a#b\"\n");
  const std::vector<Case> cases = {
      {"--listen 8080", "", "HOST:PORT"},
      {"--listen 127.0.0.1:99999", "", "0 to 65535"},
      {"", "KASANE_LISTEN=localhost", "HOST:PORT"},
      {"--threads 2", "", "--threads"},
      {"", "KASANE_THREADS=many", "--threads"},
      {"--tls-cert '" + dir_.Sub("cert.pem") + "'", "", "both or neither"},
      {"", "KASANE_TLS_KEY=/nowhere/key.pem", "both or neither"},
      {"--tls-cert /nowhere/cert.pem --tls-key /nowhere/key.pem", "",
       "cannot load the certificate"},
      {"--config '" + unknown_key + "'", "", "unknown key 'lisen'"},
      {"--config '" + unknown_section + "'", "", "unknown section 'server'"},
      {"--config '" + bad_threads + "'", "", "threads"},
      {"--config '" + hash + "'", "", "unbalanced quotes"},
      {"--config '" + dir_.Sub("missing.toml") + "'", "", "cannot read"},
  };
  for (const Case& c : cases) {
    Outcome o = Kasane("serve" + data + " " + c.args, c.env);
    EXPECT_EQ(o.exit_code, 2) << c.args << " " << c.env << "\n" << o.err;
    EXPECT_NE(o.err.find(c.says), std::string::npos) << c.args << " " << c.env << "\n" << o.err;
    EXPECT_TRUE(o.out.empty()) << c.args;
    EXPECT_FALSE(std::filesystem::exists(Dir())) << c.args << ": the data folder was created";
  }
}

TEST_F(ServeTest, TheExampleConfigIsAcceptedAndServes) {
  std::string text = ReadFile(std::string(KASANE_SOURCE_DIR) + "/tools/kasane.example.toml");
  ASSERT_FALSE(text.empty());
  text = ReplaceLine(text, "data = ", "data = \"" + Dir() + "\"");
  text = ReplaceLine(text, "listen = ", "listen = \"127.0.0.1:0\"");
  const std::string config = Write("kasane.toml", text);
  ASSERT_FALSE(Init().empty());

  ServeProcess serve({"serve", "--config", config}, {}, dir_.path());
  ASSERT_TRUE(serve.started());
  std::optional<int> port = serve.WaitListening();
  ASSERT_TRUE(port.has_value()) << serve.Err();
  httplib::Client client("127.0.0.1", *port);
  auto health = client.Get("/v1/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(serve.Err().find("serving " + Dir() + " on http://"), std::string::npos) << serve.Err();
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.Err();
}

TEST_F(ServeTest, HttpsRoundTripWithACertificateVerifiedAgainstItsOwnCertificate) {
  const std::string cert = dir_.Sub("cert.pem"), key = dir_.Sub("key.pem");
  MakeCertificate(cert, key);
  const std::string token = Init();
  ASSERT_FALSE(token.empty());
  // A key that does not belong to the certificate is refused before anything is opened.
  const std::string other_cert = dir_.Sub("other-cert.pem"), other_key = dir_.Sub("other-key.pem");
  MakeCertificate(other_cert, other_key);
  Outcome mismatch = Kasane("serve " + Data() + " --listen 127.0.0.1:0 --tls-cert '" + cert +
                            "' --tls-key '" + other_key + "'");
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.err.find("does not match"), std::string::npos) << mismatch.err;

  ServeProcess serve({"serve", "--data", Dir(), "--listen", "127.0.0.1:0"},
                     {{"KASANE_TLS_CERT", cert}, {"KASANE_TLS_KEY", key}}, dir_.path());
  ASSERT_TRUE(serve.started());
  std::optional<int> port = serve.WaitListening();
  ASSERT_TRUE(port.has_value()) << serve.Err();
  EXPECT_NE(serve.Err().find("on https://127.0.0.1:"), std::string::npos) << serve.Err();

  httplib::SSLClient tls("127.0.0.1", *port);
  tls.set_ca_cert_path(cert.c_str());
  tls.enable_server_certificate_verification(true);
  auto health = tls.Get("/v1/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  // A command over TLS, authenticated with the init token.
  httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  auto staff =
      tls.Post("/v1/staff", auth, R"({"staff":"cw-1","agency":"city","roles":["caseworker"]})",
               "application/json");
  ASSERT_TRUE(staff) << httplib::to_string(staff.error());
  EXPECT_EQ(staff->status, 201) << staff->body;

  // A client that does not trust the certificate gets no answer.
  httplib::SSLClient untrusting("127.0.0.1", *port);
  untrusting.set_ca_cert_path(other_cert.c_str());
  untrusting.enable_server_certificate_verification(true);
  auto refused = untrusting.Get("/v1/health");
  EXPECT_FALSE(refused);
  // Plain HTTP on the TLS port gets no answer either.
  httplib::Client plain("127.0.0.1", *port);
  auto plain_answer = plain.Get("/v1/health");
  EXPECT_FALSE(plain_answer && plain_answer->status == 200);

  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.Err();
}

TEST_F(ServeTest, SigtermStopsGracefullyAfterWorkInFlight) {
  const std::string token = Init();
  ASSERT_FALSE(token.empty());
  ServeProcess serve({"serve", "--listen", "127.0.0.1:0", "--threads", "16"},
                     {{"KASANE_DATA", Dir()}}, dir_.path());
  ASSERT_TRUE(serve.started());
  std::optional<int> port = serve.WaitListening();
  ASSERT_TRUE(port.has_value()) << serve.Err();

  // Four writers register staff members as fast as they are answered, and one reader long-polls
  // the change feed, while the server is told to stop.
  std::atomic<int> answered{0};
  std::mutex mu;
  std::vector<uint64_t> positions;  // GUARDED_BY(mu)
  std::atomic<bool> feed_returned{false};
  std::vector<std::thread> clients;
  for (int w = 0; w < 4; ++w) {
    clients.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", *port);
      httplib::Headers auth = {{"Authorization", "Bearer " + token}};
      for (int i = 0;; ++i) {
        const std::string id = "cw-" + std::to_string(w) + "-" + std::to_string(i);
        auto r = c.Post(
            "/v1/staff", auth,
            json{{"staff", id}, {"agency", "city"}, {"roles", json::array({"caseworker"})}}.dump(),
            "application/json");
        if (!r || r->status != 201) return;
        std::lock_guard lock(mu);
        positions.push_back(json::parse(r->body)["position"].get<uint64_t>());
        ++answered;
      }
    });
  }
  clients.emplace_back([&] {
    httplib::Client c("127.0.0.1", *port);
    c.set_read_timeout(120, 0);
    httplib::Headers auth = {{"Authorization", "Bearer " + token}};
    auto r = c.Get("/v1/feed?after=1000000&wait=30", auth);
    feed_returned = true;
  });
  // (The bound only keeps a broken server from wedging the test.)
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (answered < 40 && std::chrono::steady_clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int code = serve.Stop(SIGTERM);
  for (std::thread& t : clients) t.join();
  ASSERT_GE(answered.load(), 40) << serve.Err();
  EXPECT_EQ(code, 0) << serve.Err();
  EXPECT_NE(serve.Err().find("kasane: stopped"), std::string::npos) << serve.Err();
  EXPECT_TRUE(feed_returned);

  // Every answered registration is in the log, which reopens and verifies.
  {
    eventstore::EventLogOptions options;
    options.dir = Dir();
    options.create_if_missing = false;
    auto log = eventstore::EventLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    std::lock_guard lock(mu);
    ASSERT_GE(positions.size(), 40u);
    for (uint64_t p : positions) {
      auto e = (*log)->ReadAt(p);
      ASSERT_TRUE(e.ok()) << p;
      EXPECT_EQ(e->type, "staff.registered");
    }
    auto admin = (*log)->ReadStream("admin", 0, eventstore::Direction::kForward, 100000);
    ASSERT_TRUE(admin.ok());
    EXPECT_GE(admin->size(), positions.size() + 2);
  }
  Outcome verify = Kasane("verify " + Data());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

}  // namespace
}  // namespace kasane::tools

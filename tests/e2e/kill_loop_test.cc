// Kill loop under load (issue 8): the real `kasane serve` on a `kasane demo` data folder, driven
// over loopback by several writer threads (keep-alive clients issuing real case commands, each
// with a client-chosen event id or Idempotency-Key) and a change-feed reader (an auditor's
// long-poll), is SIGKILLed at a random moment of each round, then restarted. After every
// restart:
//   - every command whose outcome was unknown (the connection broke) is retried with the same
//     id and body: it either replays (200, replayed) or appends (201), and is then acknowledged;
//   - every command acknowledged in the previous round is sent again: 200, replayed, at the
//     position first answered (so it is in the log, once);
//   - every projection catches up to the log's head (/v1/health).
// Every 5 rounds, while the server is down: the log, opened from the folder, holds every
// acknowledged command at its answered position and every event the feed showed, at the
// position shown; `kasane verify` passes; `kasane projections status` exits 0. (The other rounds
// restart straight from the crashed folder, so the server's own recovery is what runs.)
// At the end: the whole feed from position 0 equals what the resuming reader saw across all the
// kills, in order, once each, and equals the log's case events; every acknowledged command is in
// it; each case's timeline (the projection) lists exactly the case's events; every event id is
// in the log once; `kasane verify` passes.
//
// The seed (printed; KASANE_KILL_LOOP_SEED=S replays the same kill delays and commands; thread
// timing still varies) and a figure line:
//   [kill-loop] rounds=25 acked=N unknown=M replayed_ok=K feed_positions=F seed=S
//               appended_on_retry=A retried_503=R
// acked: acknowledged while the server ran; unknown: outcomes a kill left unknown, each retried
// after the restart, where it replayed (replayed_ok) or was appended (appended_on_retry);
// feed_positions: the feed from 0 at the end. KASANE_KILL_LOOP_ROUNDS=N runs N rounds instead.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_log.h"
#include "tests/eventstore/test_util.h"
#include "tests/tools/serve_process.h"
#include "tests/tools/shell.h"

namespace kasane::e2e {
namespace {

using eventstore::testing::TempDir;
using nlohmann::json;
using tools::testing::kKasane;
using tools::testing::OpenExistingLog;
using tools::testing::Outcome;
using tools::testing::ServeProcess;
using tools::testing::Sh;

constexpr int kRounds = 25;
constexpr int kWriters = 6;
constexpr int kCheckEvery = 5;    // rounds between checks of the stopped folder
constexpr int kMinDelayMs = 50;   // the kill comes this long after the round's first answer...
constexpr int kMaxDelayMs = 400;  // ...at most this long
// Bounds that only keep a wedged server from hanging the test (never timing assertions).
constexpr auto kWedge = std::chrono::seconds(60);

// A writer: the demo's caseworker whose token it uses and the agency it opens cases at.
struct Writer {
  const char* token_name;  // KASANE_TOKEN_<name> in demo-tokens.env
  const char* agency;
};
constexpr Writer kWriterPrincipals[] = {{"CM", "ag-kyotaku"}, {"TEACHER", "ag-school"}};

// One command as sent: retried with exactly the same path, body and key.
struct Command {
  std::string path;
  std::string body;             // JSON text
  std::string idempotency_key;  // empty: the body carries "eventId"
  std::string event_id;         // 32 hex digits; known from the body, or from an answer
  std::string case_id;
  std::string type;
  int writer = 0;  // index into kWriterPrincipals
};

struct Acked {
  Command command;
  uint64_t position = 0;
  int round = 0;
};

// What every thread records, under one mutex.
struct Ledger {
  std::mutex mu;
  std::vector<Acked> acked;                       // GUARDED_BY(mu)
  std::vector<Command> unknown;                   // GUARDED_BY(mu): outcome unknown, to retry
  std::map<int, std::vector<std::string>> cases;  // GUARDED_BY(mu): acked opened cases by writer
  std::map<uint64_t, std::string> feed_seen;      // GUARDED_BY(mu): position -> event id
  std::optional<uint64_t> feed_cursor;            // GUARDED_BY(mu): the reader's `after`
  uint64_t feed_last = 0;                         // GUARDED_BY(mu): highest position seen
  std::vector<std::string> failures;              // GUARDED_BY(mu)
  // GUARDED_BY(mu): commands acknowledged at their first sending (or a resend in the round);
  // outcomes left unknown by a kill; their retries after the restart that replayed (200) or
  // appended (201); 503 answers sent again.
  uint64_t acked_live = 0, unknown_total = 0, replayed_ok = 0, appended_on_retry = 0,
           retried_503 = 0;

  void Fail(std::string what) {
    std::lock_guard lock(mu);
    if (failures.size() < 50) failures.push_back(std::move(what));
  }
};

std::string Hex32(std::mt19937_64& rng) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (int half = 0; half < 2; ++half) {
    uint64_t v = rng() | 1;  // never all zero
    for (int i = 0; i < 16; ++i) out += kDigits[(v >> (4 * i)) & 0xf];
  }
  return out;
}

// 32 lower-case hex digits of an event id in either form.
std::string NormalId(std::string id) {
  std::string out;
  for (char c : id) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The next command of writer thread `w`: a new case (with no case of its own yet, or one time in
// six), else an outreach record or participation follow-up in one of the acked cases of its
// agency (shared by the writers of that agency, so appends to one stream race). Content is
// neutral test text; nothing personal.
Command NextCommand(Ledger& ledger, int writer, const std::string& case_prefix,
                    std::mt19937_64& rng, uint64_t& serial) {
  Command c;
  c.writer = writer;
  std::string target;
  {
    std::lock_guard lock(ledger.mu);
    const auto& mine = ledger.cases[writer];
    if (!mine.empty() && rng() % 6 != 0) target = mine[rng() % mine.size()];
  }
  const int64_t at = NowNanos();
  json body;
  if (target.empty()) {
    c.case_id = case_prefix + std::to_string(serial++);
    c.type = "case.opened";
    c.path = "/v1/cases";
    const std::string person = "p-" + c.case_id;
    body = {{"caseId", c.case_id},
            {"intakeAgency", kWriterPrincipals[writer].agency},
            {"route", "walk_in"},
            {"fields", json::array()},
            {"mainPerson", person},
            {"members", json::array({{{"person", person},
                                      {"relation", "self"},
                                      {"profile",
                                       {{"fullName", "Kill Loop"},
                                        {"nameKana", ""},
                                        {"birthDate", "1960-01-01"},
                                        {"address", ""},
                                        {"description", ""}}}}})},
            {"summary", "kill loop"}};
  } else {
    c.case_id = target;
    const std::string person = "p-" + target;
    if (rng() % 2 == 0) {
      c.type = "outreach.recorded";
      c.path = "/v1/cases/" + target + "/outreach";
      body = {{"subject", person}, {"activity", "home_visit"}, {"content", "kill loop"}};
    } else {
      c.type = "participation.followed_up";
      c.path = "/v1/cases/" + target + "/participation/follow-ups";
      body = {{"subject", person}, {"content", "kill loop"}};
    }
  }
  body["occurredAt"] = at;
  // A third of the non-opening commands name their retry key in the header instead.
  if (c.type != "case.opened" && rng() % 3 == 0) {
    c.idempotency_key = "kl-" + Hex32(rng);
  } else {
    c.event_id = Hex32(rng);
    body["eventId"] = c.event_id;
  }
  c.body = body.dump();
  return c;
}

enum class Sent { kAcked, kNoAnswer, kFailed };

struct Answer {
  Sent sent = Sent::kFailed;
  int status = 0;
  uint64_t position = 0;
  bool replayed = false;
  std::string event_id;
};

// Sends `c` once. 503 (the service gave up deciding under contention; nothing written) is
// retried with the same id, a bounded number of times.
Answer Send(httplib::Client& client, const std::string& token, const Command& c, Ledger& ledger) {
  httplib::Headers headers = {{"Authorization", "Bearer " + token}};
  if (!c.idempotency_key.empty()) headers.emplace("Idempotency-Key", c.idempotency_key);
  Answer a;
  for (int attempt = 0;; ++attempt) {
    auto r = client.Post(c.path, headers, c.body, "application/json");
    if (!r) {
      a.sent = Sent::kNoAnswer;
      return a;
    }
    a.status = r->status;
    if (r->status == 503 && attempt < 20) {
      std::lock_guard lock(ledger.mu);
      ++ledger.retried_503;
      continue;
    }
    if (r->status != 200 && r->status != 201) {
      ledger.Fail(c.type + " " + c.path + ": status " + std::to_string(r->status) + " " +
                  r->body.substr(0, 300));
      a.sent = Sent::kFailed;
      return a;
    }
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("position") || !j.contains("eventId")) {
      ledger.Fail(c.path + ": unexpected answer " + r->body.substr(0, 300));
      a.sent = Sent::kFailed;
      return a;
    }
    a.sent = Sent::kAcked;
    a.position = j["position"].get<uint64_t>();
    a.replayed = j.value("replayed", false);
    a.event_id = NormalId(j["eventId"].get<std::string>());
    if (!c.event_id.empty() && a.event_id != c.event_id) {
      ledger.Fail(c.path + ": answered event id " + a.event_id + " for " + c.event_id);
    }
    if (a.replayed != (r->status == 200)) {
      ledger.Fail(c.path + ": status " + std::to_string(r->status) +
                  " with replayed=" + (a.replayed ? "true" : "false"));
    }
    return a;
  }
}

httplib::Client MakeClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  client.set_write_timeout(30, 0);
  return client;
}

// Runs fn(client, i) for i in [0, n) on `threads` threads, each with its own keep-alive client.
template <typename F>
void Parallel(int port, size_t n, int threads, F fn) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      httplib::Client client = MakeClient(port);
      for (size_t i = next++; i < n; i = next++) fn(client, i);
    });
  }
  for (auto& t : pool) t.join();
}

class KillLoopTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.Sub("data"); }

  // `kasane demo` into the folder; the writers' and the auditor's tokens from demo-tokens.env.
  void MakeDemo() {
    Outcome o = Sh(kKasane + " demo --data '" + Dir() + "'");
    ASSERT_EQ(o.exit_code, 0) << o.err;
    std::ifstream in(Dir() + "/demo-tokens.env");
    std::string line;
    std::map<std::string, std::string> tokens;
    const std::string prefix = "export KASANE_TOKEN_";
    while (std::getline(in, line)) {
      if (line.rfind(prefix, 0) != 0) continue;
      const size_t eq = line.find('=');
      tokens[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
    }
    for (const Writer& w : kWriterPrincipals) {
      ASSERT_FALSE(tokens[w.token_name].empty()) << w.token_name;
      writer_tokens_.push_back(tokens[w.token_name]);
    }
    auditor_token_ = tokens["AUDIT"];
    ASSERT_FALSE(auditor_token_.empty());
  }

  // Starts the server on the folder; its port, or a test failure.
  std::optional<int> Start(std::unique_ptr<ServeProcess>& serve, const std::string& name) {
    const std::string io = dir_.Sub(name);
    std::filesystem::create_directories(io);
    serve = std::make_unique<ServeProcess>(
        std::vector<std::string>{"serve", "--data", Dir(), "--listen", "127.0.0.1:0", "--threads",
                                 "32"},
        std::map<std::string, std::string>{}, io);
    EXPECT_TRUE(serve->started());
    std::optional<int> port = serve->WaitListening();
    EXPECT_TRUE(port.has_value()) << name << ": the server did not start\n" << serve->Err();
    return port;
  }

  // Retries every command whose outcome was unknown: each must now answer 201 (it was never
  // appended) or 200 replayed (it was); either way it is acknowledged from here on.
  void RetryUnknown(int port, int round) {
    std::vector<Command> pending;
    {
      std::lock_guard lock(ledger_.mu);
      pending.swap(ledger_.unknown);
    }
    Parallel(port, pending.size(), 4, [&](httplib::Client& client, size_t i) {
      Command c = pending[i];
      Answer a = Send(client, writer_tokens_[c.writer], c, ledger_);
      if (a.sent != Sent::kAcked) {
        ledger_.Fail("retry of " + c.path + " after restart: no acknowledgement (status " +
                     std::to_string(a.status) + ")");
        return;
      }
      if (c.event_id.empty()) c.event_id = a.event_id;
      std::lock_guard lock(ledger_.mu);
      (a.replayed ? ledger_.replayed_ok : ledger_.appended_on_retry)++;
      if (c.type == "case.opened") ledger_.cases[c.writer].push_back(c.case_id);
      ledger_.acked.push_back({c, a.position, round});
    });
  }

  // Sends every acknowledged command of `pick` again: each must replay at its first position.
  void ResendAcked(int port, const std::function<bool(const Acked&)>& pick) {
    std::vector<Acked> again;
    {
      std::lock_guard lock(ledger_.mu);
      for (const Acked& a : ledger_.acked) {
        if (pick(a)) again.push_back(a);
      }
    }
    Parallel(port, again.size(), 4, [&](httplib::Client& client, size_t i) {
      const Acked& a = again[i];
      Answer r = Send(client, writer_tokens_[a.command.writer], a.command, ledger_);
      if (r.sent != Sent::kAcked || !r.replayed || r.position != a.position ||
          r.event_id != a.command.event_id) {
        ledger_.Fail("acknowledged " + a.command.type + " " + a.command.event_id + " at position " +
                     std::to_string(a.position) + " (round " + std::to_string(a.round) +
                     ") answers status " + std::to_string(r.status) +
                     " replayed=" + (r.replayed ? "true" : "false") + " position " +
                     std::to_string(r.position) + " after the restart");
      }
    });
  }

  // Waits until /v1/health shows every projection at the log's head (nothing is written
  // meanwhile); false, with a test failure, when one stopped or the wait wedged.
  bool WaitProjectionsCaughtUp(int port, const std::string& when) {
    httplib::Client client = MakeClient(port);
    const auto deadline = std::chrono::steady_clock::now() + kWedge;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = client.Get("/v1/health");
      if (r) {
        last = json::parse(r->body, nullptr, false);
        if (r->status != 200 || !last.is_object()) {
          ADD_FAILURE() << when << ": /v1/health answered " << r->status << " " << r->body;
          return false;
        }
        const uint64_t size = last["logSize"].get<uint64_t>();
        bool caught_up = !last["projections"].empty();
        for (const json& p : last["projections"]) {
          caught_up = caught_up && p["checkpoint"].get<uint64_t>() == size &&
                      p["lag"].get<uint64_t>() == 0 && !p["stopped"].get<bool>();
        }
        if (caught_up) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << when << ": the projections did not catch up to the head: " << last.dump();
    return false;
  }

  // One round of load: writers and the feed reader run until the server is killed, a random
  // while after the round's first acknowledgement.
  void Load(ServeProcess& serve, int port, int round, int delay_ms) {
    std::atomic<bool> killed{false};
    std::atomic<uint64_t> round_acks{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kWriters; ++t) {
      threads.emplace_back([&, t] {
        const int writer = t % static_cast<int>(std::size(kWriterPrincipals));
        std::mt19937_64 rng(seed_ ^ (static_cast<uint64_t>(round) << 20) ^
                            static_cast<uint64_t>(t + 1));
        const std::string prefix = "kl-r" + std::to_string(round) + "-w" + std::to_string(t) + "-";
        uint64_t serial = 0;
        httplib::Client client = MakeClient(port);
        while (!killed) {
          Command c = NextCommand(ledger_, writer, prefix, rng, serial);
          for (;;) {
            Answer a = Send(client, writer_tokens_[writer], c, ledger_);
            if (a.sent == Sent::kAcked) {
              if (c.event_id.empty()) c.event_id = a.event_id;
              std::lock_guard lock(ledger_.mu);
              ++ledger_.acked_live;
              if (c.type == "case.opened") ledger_.cases[writer].push_back(c.case_id);
              ledger_.acked.push_back({c, a.position, round});
              ++round_acks;
              break;
            }
            if (a.sent == Sent::kFailed) break;  // recorded as a failure
            // No answer: while the server lives (a refused connection, say) send it again
            // with the same id; once it is killed the outcome stays unknown until restart.
            if (killed) {
              std::lock_guard lock(ledger_.mu);
              ledger_.unknown.push_back(c);
              ++ledger_.unknown_total;
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }
      });
    }
    // The auditor's feed reader: long-polls from where it stopped (across kills), checking that
    // positions only go forward.
    threads.emplace_back([&] {
      httplib::Client client = MakeClient(port);
      httplib::Headers auth = {{"Authorization", "Bearer " + auditor_token_}};
      while (!killed) {
        std::string path = "/v1/feed?wait=1&limit=1000";
        {
          std::lock_guard lock(ledger_.mu);
          if (ledger_.feed_cursor) path += "&after=" + std::to_string(*ledger_.feed_cursor);
        }
        auto r = client.Get(path, auth);
        if (!r) {
          if (!killed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        json j = json::parse(r->body, nullptr, false);
        if (r->status != 200 || !j.is_object()) {
          ledger_.Fail("feed " + path + ": status " + std::to_string(r->status));
          return;
        }
        std::lock_guard lock(ledger_.mu);
        for (const json& item : j["items"]) {
          const uint64_t p = item["position"].get<uint64_t>();
          if (!ledger_.feed_seen.empty() && p <= ledger_.feed_last) {
            if (ledger_.failures.size() < 50) {
              ledger_.failures.push_back("feed: position " + std::to_string(p) + " after " +
                                         std::to_string(ledger_.feed_last) + " (round " +
                                         std::to_string(round) + ")");
            }
          }
          ledger_.feed_last = std::max(ledger_.feed_last, p);
          ledger_.feed_seen[p] = NormalId(item.value("eventId", ""));
        }
        if (j.contains("after")) {
          const uint64_t after = j["after"].get<uint64_t>();
          if (ledger_.feed_cursor && after < *ledger_.feed_cursor) {
            if (ledger_.failures.size() < 50) {
              ledger_.failures.push_back("feed: after went back from " +
                                         std::to_string(*ledger_.feed_cursor) + " to " +
                                         std::to_string(after));
            }
          }
          ledger_.feed_cursor = after;
        }
      }
    });

    // Kill a random while after the round's first acknowledgement (bounded for a wedge).
    const auto deadline = std::chrono::steady_clock::now() + kWedge;
    while (round_acks == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_GT(round_acks.load(), 0u) << "round " << round << ": no command was answered\n"
                                     << serve.Err();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    EXPECT_TRUE(serve.Kill()) << "round " << round << ": the server had ended by itself\n"
                              << serve.Err();
    killed = true;
    for (auto& t : threads) t.join();
  }

  // With the server down: the log holds every acknowledged command at its answered position
  // and every event the feed showed at the position shown; `kasane verify` and `kasane
  // projections status` pass.
  void CheckStoppedFolder(const std::string& when) {
    {
      std::unique_ptr<eventstore::EventLog> log = OpenExistingLog(Dir());
      ASSERT_NE(log, nullptr) << when;
      std::lock_guard lock(ledger_.mu);
      size_t lost = 0;
      for (const Acked& a : ledger_.acked) {
        auto id = eventstore::EventId::Parse(a.command.event_id);
        ASSERT_TRUE(id.ok()) << a.command.event_id;
        auto e = log->ReadById(*id);
        if (!e.ok()) {
          if (++lost <= 5) {
            ADD_FAILURE() << when << ": acknowledged " << a.command.type << " "
                          << a.command.event_id << " at position " << a.position << " (round "
                          << a.round << ") is not in the log: " << e.status().ToString();
          }
          continue;
        }
        EXPECT_EQ(e->position, a.position) << when << ": " << a.command.event_id;
        EXPECT_EQ(e->type, a.command.type) << when << ": " << a.command.event_id;
        EXPECT_EQ(e->stream, "case-" + a.command.case_id) << when << ": " << a.command.event_id;
      }
      EXPECT_EQ(lost, 0u) << when << ": acknowledged commands lost";
      for (const auto& [p, id] : ledger_.feed_seen) {
        auto e = log->ReadAt(p);
        ASSERT_TRUE(e.ok()) << when << ": position " << p << " shown by the feed is gone";
        EXPECT_EQ(NormalId(e->id.ToString()), id) << when << ": position " << p;
      }
    }
    Outcome verify = Sh(kKasane + " verify --data '" + Dir() + "'");
    EXPECT_EQ(verify.exit_code, 0) << when << ": kasane verify\n" << verify.out << verify.err;
    Outcome status = Sh(kKasane + " projections status --json --data '" + Dir() + "'");
    EXPECT_EQ(status.exit_code, 0) << when << ": kasane projections status\n" << status.err;
  }

  void ExpectNoFailures(const std::string& when) {
    std::lock_guard lock(ledger_.mu);
    for (const std::string& f : ledger_.failures) ADD_FAILURE() << when << ": " << f;
    ledger_.failures.clear();
  }

  TempDir dir_;
  Ledger ledger_;
  std::vector<std::string> writer_tokens_;
  std::string auditor_token_;
  uint64_t seed_ = 0;
};

TEST_F(KillLoopTest, AcknowledgedCommandsSurviveKillNineAndTheFeedResumesWithoutGaps) {
  if (const char* s = std::getenv("KASANE_KILL_LOOP_SEED"); s != nullptr && *s != '\0') {
    seed_ = std::strtoull(s, nullptr, 10);
  } else {
    seed_ = std::random_device{}();
  }
  std::cout << "[kill-loop] seed=" << seed_ << " (replay: KASANE_KILL_LOOP_SEED=" << seed_ << ")\n";
  std::mt19937_64 rng(seed_);
  ASSERT_NO_FATAL_FAILURE(MakeDemo());

  // KASANE_KILL_LOOP_ROUNDS: fewer (or more) rounds, to replay a failure quickly.
  int rounds = kRounds;
  if (const char* r = std::getenv("KASANE_KILL_LOOP_ROUNDS"); r != nullptr && std::atoi(r) > 0) {
    rounds = std::atoi(r);
  }
  for (int round = 1; round <= rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed_));
    const std::string when = "round " + std::to_string(round);
    std::unique_ptr<ServeProcess> serve;
    std::optional<int> port = Start(serve, "round-" + std::to_string(round));
    ASSERT_TRUE(port.has_value());
    RetryUnknown(*port, round - 1);
    ResendAcked(*port, [&](const Acked& a) { return a.round == round - 1; });
    ASSERT_TRUE(WaitProjectionsCaughtUp(*port, when + ", after the restart")) << serve->Err();
    const int delay_ms = kMinDelayMs + static_cast<int>(rng() % (kMaxDelayMs - kMinDelayMs + 1));
    Load(*serve, *port, round, delay_ms);
    ExpectNoFailures(when);
    if (round % kCheckEvery == 0) CheckStoppedFolder(when);
    if (HasFatalFailure()) return;
  }

  // The last restart: retry what the last kill left unknown, send every acknowledged command
  // again, wait for the projections, then read the whole feed and every case's timeline.
  std::unique_ptr<ServeProcess> serve;
  std::optional<int> port = Start(serve, "final");
  ASSERT_TRUE(port.has_value());
  RetryUnknown(*port, rounds);
  ResendAcked(*port, [](const Acked&) { return true; });
  ASSERT_TRUE(WaitProjectionsCaughtUp(*port, "final")) << serve->Err();
  ExpectNoFailures("final retries");

  httplib::Client client = MakeClient(*port);
  httplib::Headers auth = {{"Authorization", "Bearer " + auditor_token_}};
  uint64_t log_size = 0;
  {
    auto health = client.Get("/v1/health");
    ASSERT_TRUE(health) << httplib::to_string(health.error());
    log_size = json::parse(health->body)["logSize"].get<uint64_t>();
  }
  std::vector<std::pair<uint64_t, std::string>> feed;  // (position, event id) from 0
  std::optional<uint64_t> after;
  for (;;) {
    std::string path = "/v1/feed?limit=1000";
    if (after) path += "&after=" + std::to_string(*after);
    auto r = client.Get(path, auth);
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200) << r->body;
    json j = json::parse(r->body);
    for (const json& item : j["items"]) {
      feed.emplace_back(item["position"].get<uint64_t>(), NormalId(item.value("eventId", "")));
    }
    if (j.contains("after")) after = j["after"].get<uint64_t>();
    // (An answer may be empty after a budget of positions the reader may not see.)
    if (j["items"].empty() && (!after || *after + 1 >= log_size)) break;
  }
  std::set<std::string> cases;
  {
    std::lock_guard lock(ledger_.mu);
    for (const Acked& a : ledger_.acked) cases.insert(a.command.case_id);
  }
  std::map<std::string, std::vector<uint64_t>> timelines;  // case -> positions, as listed
  for (const std::string& c : cases) {
    auto r = client.Get("/v1/cases/" + c + "/timeline?limit=10000", auth);
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200) << c << " " << r->body;
    const json timeline = json::parse(r->body);  // (not a temporary: the loop reads into it)
    for (const json& entry : timeline["entries"]) {
      timelines[c].push_back(entry["position"].get<uint64_t>());
    }
  }
  EXPECT_EQ(serve->Stop(SIGTERM), 0) << serve->Err();

  // The feed from 0: in order, once each; the resuming reader saw exactly its prefix.
  std::unique_lock lock(ledger_.mu);
  for (size_t i = 1; i < feed.size(); ++i) {
    ASSERT_LT(feed[i - 1].first, feed[i].first) << "the feed from 0 repeats or goes back";
  }
  std::map<uint64_t, std::string> from_zero(feed.begin(), feed.end());
  for (const auto& [p, id] : ledger_.feed_seen) {
    auto it = from_zero.find(p);
    ASSERT_NE(it, from_zero.end()) << "position " << p << " seen before a kill is not in the feed";
    EXPECT_EQ(it->second, id) << "position " << p;
  }
  size_t missed = 0;
  for (const auto& [p, id] : from_zero) {
    if (p > ledger_.feed_last) break;
    if (!ledger_.feed_seen.contains(p) && ++missed <= 5) {
      ADD_FAILURE() << "the resuming feed reader skipped position " << p;
    }
  }
  EXPECT_EQ(missed, 0u);
  for (const Acked& a : ledger_.acked) {
    auto it = from_zero.find(a.position);
    EXPECT_TRUE(it != from_zero.end() && it->second == a.command.event_id)
        << "acknowledged " << a.command.event_id << " at " << a.position << " is not in the feed";
  }

  // Against the log itself: the feed is exactly the case events; each timeline exactly its
  // case's events; every event id once; each case holds exactly its acknowledged commands.
  {
    std::unique_ptr<eventstore::EventLog> log = OpenExistingLog(Dir());
    ASSERT_NE(log, nullptr);
    auto all = log->ReadAll(0, log->Size());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    std::map<uint64_t, std::string> case_events;
    std::map<std::string, std::vector<uint64_t>> streams;
    std::set<std::string> ids;
    for (const eventstore::RecordedEvent& e : *all) {
      const std::string id = NormalId(e.id.ToString());
      EXPECT_TRUE(ids.insert(id).second) << "event id " << id << " is in the log twice";
      if (e.stream.rfind("case-", 0) == 0) {
        case_events[e.position] = id;
        streams[e.stream.substr(5)].push_back(e.position);
      }
    }
    EXPECT_EQ(from_zero, case_events) << "the feed from 0 is not the log's case events";
    std::map<std::string, std::set<uint64_t>> acked_by_case;
    for (const Acked& a : ledger_.acked) acked_by_case[a.command.case_id].insert(a.position);
    for (const std::string& c : cases) {
      EXPECT_EQ(timelines[c], streams[c]) << "the timeline of " << c;
      EXPECT_EQ(std::set<uint64_t>(streams[c].begin(), streams[c].end()), acked_by_case[c])
          << "case " << c << " holds events no acknowledged command wrote, or misses one";
    }
  }
  lock.unlock();
  CheckStoppedFolder("final");

  lock.lock();
  const uint64_t acked = ledger_.acked_live;
  std::cout << "[kill-loop] rounds=" << rounds << " acked=" << acked
            << " unknown=" << ledger_.unknown_total << " replayed_ok=" << ledger_.replayed_ok
            << " feed_positions=" << from_zero.size() << " seed=" << seed_
            << " appended_on_retry=" << ledger_.appended_on_retry
            << " retried_503=" << ledger_.retried_503 << "\n";
  RecordProperty("acked", std::to_string(acked));
  RecordProperty("seed", std::to_string(seed_));
}

}  // namespace
}  // namespace kasane::e2e

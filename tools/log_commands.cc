// `kasane log ...`, `kasane verify`, `kasane audit-bundle`, `kasane verify-bundle`,
// `kasane bench append`: the log used and checked from the command line.
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/random.h"
#include "domain/ids.h"
#include "eventstore/append_benchmark.h"
#include "eventstore/audit_bundle.h"
#include "eventstore/event_log.h"
#include "eventstore/signed_note.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

using eventstore::EventLog;

std::string Rfc3339(UnixNanos t) {
  std::time_t secs = static_cast<std::time_t>(t / 1'000'000'000);
  long nanos = static_cast<long>(t % 1'000'000'000);
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%09ldZ", nanos);
  return std::string(buf) + frac;
}

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z".
Result<UnixNanos> ParseRfc3339(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return InvalidArgument("--occurred-at must look like 2026-04-01T09:30:00Z");
  int64_t nanos = 0;
  if (*rest == '.') {
    int64_t scale = 100'000'000;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) nanos += (*rest - '0') * scale;
  }
  if (std::string(rest) != "Z") return InvalidArgument("--occurred-at must be UTC, ending in Z");
  return static_cast<UnixNanos>(timegm(&tm)) * 1'000'000'000 + nanos;
}

bool IsUtf8Text(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

nlohmann::json EventJson(const eventstore::RecordedEvent& e) {
  nlohmann::json j;
  j["position"] = e.position;
  j["stream"] = e.stream;
  j["version"] = e.version;
  j["type"] = e.type;
  j["id"] = e.id.ToString();
  j["recorded_at"] = Rfc3339(e.recorded_at);
  j["occurred_at"] = Rfc3339(e.occurred_at);
  j["actor"] = {{"staff", e.actor.staff}, {"agency", e.actor.agency}, {"role", e.actor.role}};
  if (e.causation_id) j["causation_id"] = e.causation_id->ToString();
  if (e.correlation_id) j["correlation_id"] = e.correlation_id->ToString();
  if (IsUtf8Text(e.payload)) {
    j["payload"] = e.payload;
  } else {
    j["payload_hex"] = eventstore::BytesToHex(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size()));
  }
  if (!e.sealed.empty()) j["sealed_parts"] = e.sealed.size();
  return j;
}

eventstore::EventId RandomId() {
  SystemRandom random;
  eventstore::EventId id;
  random.Fill(id.bytes);
  id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // UUID v4
  id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
  return id;
}

}  // namespace

void AddLogCommands(CLI::App& app, CliContext& ctx) {
  auto* log = app.add_subcommand("log", "use the event log directly");
  log->require_subcommand(1);
  SetExamples(log, {"kasane log read --data ./data --stream case-c-0001",
                    "kasane log checkpoint --data ./data"});

  // kasane log append
  {
    auto* cmd = log->add_subcommand("append", "append one event (payload on stdin)");
    auto flags = std::make_shared<DataFlags>();
    auto stream = std::make_shared<std::string>();
    auto type = std::make_shared<std::string>();
    auto expected = std::make_shared<std::string>("any");
    auto id = std::make_shared<std::string>();
    auto actor = std::make_shared<eventstore::Actor>(eventstore::Actor{"cli", "", ""});
    auto occurred = std::make_shared<std::string>();
    AddDataFlags(cmd, *flags);
    cmd->add_option("--stream", *stream, "stream name")->required();
    cmd->add_option("--type", *type, "event type")->required();
    cmd->add_option("--expected-version", *expected, "any | no_stream | stream_exists | N")
        ->capture_default_str();
    cmd->add_option("--id", *id, "event id (UUID); a random one if absent");
    cmd->add_option("--occurred-at", *occurred,
                    "business time, RFC 3339 UTC (2026-04-01T09:30:00Z); default: recorded-at");
    cmd->add_option("--actor-staff", actor->staff, "actor staff id")->capture_default_str();
    cmd->add_option("--actor-agency", actor->agency, "actor agency id");
    cmd->add_option("--actor-role", actor->role, "actor role");
    SetExamples(cmd, {"# an event with a fixed id: running it again is an idempotent retry",
                      "echo '{\"note\":\"test\"}' | kasane log append --data ./data \\",
                      "    --stream test-1 --type test.noted --expected-version no_stream \\",
                      "    --id 0b7e6f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"});
    cmd->callback([&ctx, flags, stream, type, expected, id, actor, occurred] {
      auto exp = eventstore::ExpectedVersion::Parse(*expected);
      if (!exp.ok()) return Fail(ctx, exp.status());
      eventstore::NewEvent e;
      if (id->empty()) {
        e.id = RandomId();
      } else {
        auto parsed = eventstore::EventId::Parse(*id);
        if (!parsed.ok()) return Fail(ctx, parsed.status());
        e.id = *parsed;
      }
      e.type = *type;
      if (!occurred->empty()) {
        auto t = ParseRfc3339(*occurred);
        if (!t.ok()) return Fail(ctx, t.status());
        e.occurred_at = *t;
      }
      e.actor = *actor;
      if (isatty(STDIN_FILENO)) {
        std::cerr << "log append: reading the payload from the terminal; end it with Ctrl-D\n";
      }
      e.payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      auto opened = OpenLog(ctx, *flags, true);
      if (!opened.ok()) return Fail(ctx, opened.status());
      auto r = (*opened)->Append(*stream, *exp, {std::move(e)});
      if (!r.ok()) return Fail(ctx, r.status());
      nlohmann::json out{{"position", r->last_position}, {"version", r->last_version}};
      if (r->replayed) out["replayed"] = true;
      std::cout << out.dump() << "\n";
    });
  }

  // kasane log read
  {
    auto* cmd = log->add_subcommand("read", "print events as JSON lines");
    auto flags = std::make_shared<DataFlags>();
    auto stream = std::make_shared<std::string>();
    auto from = std::make_shared<uint64_t>(0);
    auto limit = std::make_shared<uint64_t>(1000);
    auto backward = std::make_shared<bool>(false);
    AddDataFlags(cmd, *flags);
    cmd->add_option("--stream", *stream, "only this stream (versions); else the whole log");
    // CLI11 would read "-1" into an unsigned as its largest value.
    auto not_negative = [](const std::string& v) -> std::string {
      return v.find('-') == std::string::npos ? "" : "must be a number 0 or more, not " + v;
    };
    cmd->add_option("--from", *from, "first position (or version with --stream)")
        ->capture_default_str()
        ->check(not_negative);
    cmd->add_option("--limit", *limit, "at most this many events")
        ->capture_default_str()
        ->check(not_negative);
    cmd->add_flag("--backward", *backward, "read the stream backward from --from (or its head)");
    SetExamples(cmd, {"# the first 1000 events of the whole log, one JSON object a line",
                      "kasane log read --data ./data", "# the last 10 events of one case's stream",
                      "kasane log read --data ./data --stream case-c-0001 --backward --limit 10"});
    cmd->callback([&ctx, flags, stream, from, limit, backward, cmd] {
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      Result<std::vector<eventstore::RecordedEvent>> events =
          stream->empty()
              ? (*opened)->ReadAll(*from, *limit)
              : (*opened)->ReadStream(
                    *stream, (*backward && cmd->count("--from") == 0) ? UINT64_MAX : *from,
                    *backward ? eventstore::Direction::kBackward : eventstore::Direction::kForward,
                    *limit);
      if (!events.ok()) return Fail(ctx, events.status());
      for (const auto& e : *events) std::cout << EventJson(e).dump() << "\n";
    });
  }

  // kasane log checkpoint / verifier-key
  {
    auto* cmd =
        log->add_subcommand("checkpoint", "sign and print a checkpoint of the current head");
    auto flags = std::make_shared<DataFlags>();
    AddDataFlags(cmd, *flags);
    SetExamples(cmd, {"# a signed note (C2SP tlog-checkpoint) of the current tree head",
                      "kasane log checkpoint --data ./data > checkpoint.txt"});
    cmd->callback([&ctx, flags] {
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      auto note = (*opened)->Checkpoint();
      if (!note.ok()) return Fail(ctx, note.status());
      std::cout << *note;
    });
    auto* vk = log->add_subcommand("verifier-key", "print the signed-note verifier key");
    auto vflags = std::make_shared<DataFlags>();
    AddDataFlags(vk, *vflags);
    SetExamples(vk, {"# publish this out of band: auditors check bundles against it",
                     "kasane log verifier-key --data ./data > log.vkey"});
    vk->callback([&ctx, vflags] {
      auto opened = OpenLog(ctx, *vflags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      std::cout << (*opened)->VerifierKey() << "\n";
    });
  }

  // kasane verify
  {
    auto* cmd =
        app.add_subcommand("verify", "recompute and check the whole log; exit 0 only if intact");
    auto flags = std::make_shared<DataFlags>();
    AddDataFlags(cmd, *flags);
    SetExamples(cmd, {"# exit 0: intact; exit 1: a check failed (the problems are on stderr)",
                      "kasane verify --data /srv/kasane/data",
                      "kasane verify --data ./data 2>/dev/null | jq .ok"});
    cmd->callback([&ctx, flags] {
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      // Progress on stderr: the two phases, and the events checked at most once a second (the
      // log reports every 65,536 events) and at the end of the scan.
      std::cerr << "verify: phase 1 of 2: the events, the Merkle tree and the signed "
                   "checkpoints of "
                << flags->dir << "\n";
      auto events = ProgressPrinter("verify", "events");
      bool scanned = false;
      auto report = (*opened)->Verify([&](uint64_t done, uint64_t total) {
        events(done, total);
        if (done >= total && !scanned) {
          scanned = true;
          std::cerr << "verify: phase 2 of 2: the indexes\n";
        }
      });
      if (!report.ok()) return Fail(ctx, report.status());
      for (const auto& p : report->problems) std::cerr << "verify: FAILED: " << p << "\n";
      nlohmann::json out{{"ok", report->ok()},
                         {"events", report->events_checked},
                         {"merkle_nodes", report->nodes_checked},
                         {"checkpoints", report->checkpoints_checked},
                         {"streams", report->streams_checked},
                         {"problems", report->problems.size()}};
      std::cout << out.dump() << "\n";
      ctx.exit_code = report->ok() ? 0 : 1;
    });
  }

  // kasane audit-bundle
  {
    auto* cmd = app.add_subcommand("audit-bundle", "print an audit bundle (docs/audit-bundle.md)");
    auto flags = std::make_shared<DataFlags>();
    auto stream = std::make_shared<std::string>();
    auto case_id = std::make_shared<std::string>();
    AddDataFlags(cmd, *flags);
    auto* stream_opt =
        cmd->add_option("--stream", *stream, "the stream to bundle; the whole log if absent");
    cmd->add_option("--case", *case_id, "the case to bundle: the same as --stream case-ID")
        ->excludes(stream_opt);
    SetExamples(cmd,
                {"# one case's events, with inclusion proofs under a signed checkpoint",
                 "kasane audit-bundle --data ./data --case c-0042 > case-c-0042.json",
                 "kasane audit-bundle --data ./data --stream erasure > erasure.json",
                 "# then, anywhere: kasane verify-bundle case-c-0042.json --key-file log.vkey"});
    cmd->callback([&ctx, flags, stream, case_id] {
      if (!case_id->empty()) {
        if (Status valid = domain::ValidateId("case id", *case_id); !valid.ok()) {
          return Fail(ctx, valid);
        }
        *stream = "case-" + *case_id;
      }
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      // No count to show (the bundle is built in one call): say what is being read.
      std::cerr << "audit-bundle: bundling "
                << (stream->empty() ? std::string("the whole log") : "stream " + *stream)
                << " with inclusion proofs (the log holds " << (*opened)->Size() << " events)\n";
      auto bundle = eventstore::BuildAuditBundle(
          **opened, stream->empty() ? std::nullopt : std::optional<std::string>(*stream));
      if (!bundle.ok()) return Fail(ctx, bundle.status());
      std::cout << *bundle;
    });
  }

  // kasane verify-bundle
  {
    auto* cmd =
        app.add_subcommand("verify-bundle", "verify an audit bundle offline with a verifier key");
    auto file = std::make_shared<std::string>();
    auto key = std::make_shared<std::string>();
    auto key_file = std::make_shared<std::string>();
    cmd->add_option("FILE", *file, "the bundle (- for stdin)")->required();
    auto* key_opt = cmd->add_option("--key", *key, "the log's verifier key, obtained out of band");
    cmd->add_option("--key-file", *key_file, "a file holding the verifier key (one of the two)")
        ->excludes(key_opt);
    SetExamples(cmd,
                {"# exit 0: verified; exit 1: it does not verify; exit 2: not a bundle or "
                 "not a key",
                 "kasane verify-bundle case-c-0042.json --key-file log.vkey",
                 "kasane verify-bundle case-c-0042.json --key 'kasane.local/log+1a2b3c4d+AX...'"});
    cmd->callback([&ctx, file, key, key_file] {
      auto read = [](const std::string& path) -> Result<std::string> {
        if (path == "-") {
          return std::string((std::istreambuf_iterator<char>(std::cin)),
                             std::istreambuf_iterator<char>());
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) return NotFound("cannot read " + path);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      };
      if (key->empty() && key_file->empty()) {
        return Fail(ctx, InvalidArgument("--key or --key-file is required: the log's verifier "
                                         "key, obtained out of band"));
      }
      std::string vkey = *key;
      if (!key_file->empty()) {
        auto text = read(*key_file);
        if (!text.ok()) return Fail(ctx, text.status());
        vkey = *text;
      }
      while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r' || vkey.back() == ' ')) {
        vkey.pop_back();
      }
      // Bad input (exit 2) is a key that is not a verifier key, or a file that is not an audit
      // bundle at all; a bundle that does not verify against the key is a failed check (exit 1).
      if (auto parsed = eventstore::NoteVerifier::FromVerifierKey(vkey); !parsed.ok()) {
        return Fail(ctx,
                    InvalidArgument("--key is not a verifier key (" + parsed.status().message() +
                                    "); `kasane log verifier-key` prints one"));
      }
      auto text = read(*file);
      if (!text.ok()) return Fail(ctx, text.status());
      nlohmann::json doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (doc.is_discarded() || !doc.is_object() || !doc.contains("format") ||
          doc["format"] != eventstore::kAuditBundleFormat) {
        return Fail(ctx,
                    InvalidArgument(*file + " is not an audit bundle (a JSON object with " +
                                    "\"format\": \"" + eventstore::kAuditBundleFormat + "\")"));
      }
      auto summary = eventstore::VerifyAuditBundle(*text, vkey);
      if (!summary.ok()) {
        std::cerr << "verify-bundle: FAILED: " << summary.status().message() << "\n";
        ctx.exit_code = 1;
        return;
      }
      std::cout << "verify-bundle: OK: " << summary->events_verified << " events in "
                << summary->origin << " at tree size " << summary->tree_size << ", root "
                << summary->root_hex << "\n";
    });
  }
}

void AddBenchCommands(CLI::App& app, CliContext& ctx) {
  auto* bench = app.add_subcommand("bench", "benchmarks (run in temporary folders)");
  bench->require_subcommand(1);
  SetExamples(bench, {"kasane bench append --json", "kasane bench rebuild --events 100000"});
  auto* cmd = bench->add_subcommand("append", "durable appends vs plain RocksDB, side by side");
  auto json = std::make_shared<bool>(false);
  auto options = std::make_shared<eventstore::AppendBenchmarkOptions>();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->add_option("--seconds", options->seconds_per_mode, "seconds per mode and round")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--rounds", options->rounds, "rounds; figures are medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--payload-bytes", options->payload_bytes, "payload size")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{16} << 20));
  cmd->add_option("--tmp", options->temp_root, "folder for the temporary databases")
      ->check(CLI::ExistingDirectory);
  static const std::vector<std::string> kModes = {
      "raw_batch100", "append_batch100", "append_batch100_sealed", "raw_c64", "append_c64",
      "append_c1",    "append_c16"};
  cmd->add_option("--only", options->only,
                  "run only these modes, comma-separated: raw_batch100, append_batch100, "
                  "append_batch100_sealed, raw_c64, append_c64, append_c1, append_c16")
      ->check(
          [](const std::string& value) -> std::string {
            std::stringstream list(value);
            std::string mode;
            while (std::getline(list, mode, ',')) {
              if (std::find(kModes.begin(), kModes.end(), mode) == kModes.end()) {
                return "unknown mode '" + mode + "'";
              }
            }
            return "";
          },
          "MODE[,MODE...]");
  SetExamples(cmd, {"# three rounds of 2 s per mode (about a minute); medians",
                    "kasane bench append", "# a quick look at one mode, as JSON",
                    "kasane bench append --only append_batch100 --seconds 0.5 --rounds 1 --json"});
  cmd->callback([&ctx, json, options] {
    auto report = eventstore::RunAppendBenchmark(*options);
    if (!report.ok()) return Fail(ctx, report.status());
    if (*json) {
      std::cout << report->ToJson() << "\n";
      return;
    }
    auto j = nlohmann::json::parse(report->ToJson());
    for (auto& [k, v] : j.items()) std::cout << k << ": " << v << "\n";
  });
}

}  // namespace kasane::tools

// `kasane log ...`, `kasane verify`, `kasane audit-bundle`, `kasane verify-bundle`,
// `kasane bench append`: the log used and checked from the command line.
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/random.h"
#include "eventstore/append_benchmark.h"
#include "eventstore/audit_bundle.h"
#include "eventstore/event_log.h"
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
    cmd->add_option("--from", *from, "first position (or version with --stream)")
        ->capture_default_str();
    cmd->add_option("--limit", *limit, "at most this many events")->capture_default_str();
    cmd->add_flag("--backward", *backward, "read the stream backward from --from (or its head)");
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
    cmd->callback([&ctx, flags] {
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
      auto report = (*opened)->Verify([](uint64_t done, uint64_t total) {
        std::cerr << "verify: " << done << "/" << total << " events\n";
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
    AddDataFlags(cmd, *flags);
    cmd->add_option("--stream", *stream, "the stream to bundle; the whole log if absent");
    cmd->callback([&ctx, flags, stream] {
      auto opened = OpenLog(ctx, *flags, false);
      if (!opened.ok()) return Fail(ctx, opened.status());
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
    cmd->add_option("FILE", *file, "the bundle")->required();
    cmd->add_option("--key", *key, "the log's verifier key, obtained out of band")->required();
    cmd->callback([&ctx, file, key] {
      std::ifstream in(*file, std::ios::binary);
      if (!in) return Fail(ctx, NotFound("cannot read " + *file));
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto summary = eventstore::VerifyAuditBundle(text, *key);
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
  auto* cmd = bench->add_subcommand("append", "durable appends vs plain RocksDB, side by side");
  auto json = std::make_shared<bool>(false);
  auto options = std::make_shared<eventstore::AppendBenchmarkOptions>();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->add_option("--seconds", options->seconds_per_mode, "seconds per mode and round")
      ->capture_default_str();
  cmd->add_option("--rounds", options->rounds, "rounds; figures are medians")
      ->capture_default_str();
  cmd->add_option("--payload-bytes", options->payload_bytes, "payload size")->capture_default_str();
  cmd->add_option("--tmp", options->temp_root, "folder for the temporary databases");
  cmd->add_option("--only", options->only,
                  "run one mode: raw_batch100, append_batch100, append_batch100_sealed, "
                  "raw_c64, append_c64, append_c1, append_c16");
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

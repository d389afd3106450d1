// `kasane rebuild`, `kasane projections status`, `kasane bench rebuild`: the projections
// (docs/projections.md) run and checked from the command line, on `DIR/views` beside the log.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "projections/engine.h"
#include "projections/projection.h"
#include "projections/rebuild_benchmark.h"
#include "tools/cli.h"

namespace kasane::tools {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string ViewsDir(const DataFlags& flags) { return flags.dir + "/views"; }

std::string KnownNames() {
  std::string out;
  for (const std::string& n : projections::ProjectionNames()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Formats events/s without a trailing fraction ("81,300").
std::string Rate(double eps) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", eps);
  return buf;
}

void AddRebuild(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "rebuild",
      "rebuild projections from position 0 (the old state serves until the new one "
      "has caught up)");
  auto flags = std::make_shared<DataFlags>();
  auto name = std::make_shared<std::string>();
  AddDataFlags(cmd, *flags);
  cmd->add_option("--projection", *name, "only this projection (default: all)");
  SetExamples(cmd, {"# every projection, with progress on stderr (stop the server first)",
                    "kasane rebuild --data /srv/kasane/data",
                    "kasane rebuild --data ./data --projection timeline"});
  cmd->callback([&ctx, flags, name] {
    std::vector<std::string> names = projections::ProjectionNames();
    if (!name->empty()) {
      if (std::find(names.begin(), names.end(), *name) == names.end()) {
        std::cerr << "kasane: rebuild: unknown projection '" << *name
                  << "' (known: " << KnownNames() << "); nothing was changed\n";
        ctx.exit_code = 2;
        return;
      }
      names = {*name};
    }
    auto log = OpenLog(ctx, *flags, false);
    if (!log.ok()) return Fail(ctx, log.status());
    projections::EngineOptions options;
    options.projections = names;
    auto engine = projections::ProjectionEngine::Open(**log, ViewsDir(*flags), options);
    if (!engine.ok()) return Fail(ctx, engine.status());
    for (const std::string& n : names) {
      auto start = SteadyClock::now();
      auto last = start;
      bool said = false;
      Status st = (*engine)->Rebuild(n, [&](uint64_t done, uint64_t total) {
        auto now = SteadyClock::now();
        if (said && done < total && now - last < std::chrono::seconds(1)) return;
        said = true;
        last = now;
        std::cerr << "rebuild " << n << ": " << done << "/" << total << "\n";
      });
      if (!st.ok()) return Fail(ctx, st);
      const double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
      uint64_t checkpoint = 0;
      uint32_t generation = 0;
      for (const projections::ProjectionStatus& s : (*engine)->Statuses()) {
        if (s.name == n) {
          checkpoint = s.checkpoint;
          generation = s.generation;
        }
      }
      char secs_text[32];
      std::snprintf(secs_text, sizeof(secs_text), "%.2f", secs);
      std::cout << "rebuild " << n << ": done, " << checkpoint << " events in " << secs_text
                << " s (" << Rate(secs > 0 ? static_cast<double>(checkpoint) / secs : 0)
                << " events/s), generation " << generation << "\n";
    }
  });
}

void AddStatus(CLI::App& app, CliContext& ctx) {
  auto* group = app.add_subcommand("projections", "the projections beside the log");
  group->require_subcommand(1);
  SetExamples(group, {"kasane projections status --data ./data"});
  auto* cmd = group->add_subcommand(
      "status", "each projection's checkpoint, lag and stopped state; exit 1 if one stopped");
  auto flags = std::make_shared<DataFlags>();
  auto json = std::make_shared<bool>(false);
  auto catch_up = std::make_shared<bool>(false);
  AddDataFlags(cmd, *flags);
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->add_flag("--catch-up", *catch_up,
                "apply the committed events first (a projection that cannot apply one shows as "
                "stopped)");
  SetExamples(cmd, {"# exit 1 if a projection stopped on an event it could not apply",
                    "kasane projections status --data /srv/kasane/data",
                    "kasane projections status --data ./data --catch-up --json"});
  cmd->callback([&ctx, flags, json, catch_up] {
    auto log = OpenLog(ctx, *flags, false);
    if (!log.ok()) return Fail(ctx, log.status());
    auto engine = projections::ProjectionEngine::Open(**log, ViewsDir(*flags));
    if (!engine.ok()) return Fail(ctx, engine.status());
    if (*catch_up) {
      // A stop is reported below, with the others' states; only a store or log error fails.
      Status st = (*engine)->CatchUp(ProgressPrinter("projections status: catch-up", "events"));
      bool stopped = false;
      for (const auto& s : (*engine)->Statuses()) stopped |= s.stopped;
      if (!st.ok() && !stopped) return Fail(ctx, st);
    }
    std::vector<projections::ProjectionStatus> statuses = (*engine)->Statuses();
    bool any_stopped = false;
    nlohmann::json out{{"log_size", (*log)->Size()}, {"projections", nlohmann::json::array()}};
    for (const projections::ProjectionStatus& s : statuses) {
      any_stopped |= s.stopped;
      nlohmann::json p{{"name", s.name},
                       {"generation", s.generation},
                       {"checkpoint", s.checkpoint},
                       {"lag", s.lag},
                       {"stopped", s.stopped},
                       {"rebuilding", s.rebuilding},
                       {"events_applied", s.events_applied},
                       {"events_ignored", s.events_ignored}};
      if (s.stopped) {
        p["stopped_at"] = s.stopped_at;
        p["stop_reason"] = s.stop_reason;
      }
      out["projections"].push_back(std::move(p));
    }
    if (*json) {
      std::cout << out.dump() << "\n";
    } else {
      std::cout << "log size " << (*log)->Size() << "\n";
      for (const projections::ProjectionStatus& s : statuses) {
        std::cout << s.name << ": checkpoint " << s.checkpoint << ", lag " << s.lag
                  << ", generation " << s.generation;
        if (s.stopped) {
          std::cout << ", STOPPED at " << s.stopped_at << ": " << s.stop_reason;
        } else {
          std::cout << ", running";
        }
        std::cout << "\n";
      }
    }
    ctx.exit_code = any_stopped ? 1 : 0;
  });
}

void AddBenchRebuild(CLI::App& app, CliContext& ctx) {
  CLI::App* bench = app.get_subcommand("bench");
  auto* cmd = bench->add_subcommand(
      "rebuild", "rebuilding every projection vs reading and decoding the log, side by side");
  auto json = std::make_shared<bool>(false);
  auto options = std::make_shared<projections::RebuildBenchmarkOptions>();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->add_option("--events", options->events, "synthetic log size")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1'000'000'000}));
  cmd->add_option("--rounds", options->rounds, "rounds; figures are medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  cmd->add_option("--seed", options->seed, "synthetic workload seed")->capture_default_str();
  cmd->add_option("--active-cases", options->active_cases, "cases open at once")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
  cmd->add_option("--timeline-reads", options->timeline_reads, "reads of the 1,000-event timeline")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_flag("--per-projection", options->per_projection,
                "also rebuild each projection alone (where the time goes)");
  cmd->add_option("--tmp", options->temp_root, "folder for the temporary log and views")
      ->check(CLI::ExistingDirectory);
  SetExamples(cmd, {"# a million synthetic events, three rounds (minutes)", "kasane bench rebuild",
                    "kasane bench rebuild --events 100000 --rounds 1 --json"});
  cmd->callback([&ctx, json, options] {
    options->log = [](std::string_view line) { std::cerr << "bench rebuild: " << line << "\n"; };
    auto report = projections::RunRebuildBenchmark(*options);
    if (!report.ok()) return Fail(ctx, report.status());
    if (*json) {
      std::cout << report->ToJson() << "\n";
      return;
    }
    auto j = nlohmann::json::parse(report->ToJson());
    for (auto& [k, v] : j.items()) std::cout << k << ": " << v << "\n";
  });
}

}  // namespace

void AddProjectionCommands(CLI::App& app, CliContext& ctx) {
  AddRebuild(app, ctx);
  AddStatus(app, ctx);
  AddBenchRebuild(app, ctx);
}

}  // namespace kasane::tools

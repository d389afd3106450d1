#include "projections/rebuild_benchmark.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/stats.h"
#include "domain/case_state.h"
#include "eventstore/event_log.h"
#include "eventstore/file_util.h"
#include "projections/engine.h"
#include "projections/event_codec.h"
#include "projections/synthetic.h"
#include "projections/timeline.h"

namespace kasane::projections {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

double Percentile(std::vector<double> v, int p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * static_cast<size_t>(p) / 100)];
}

// Reads and decodes the whole log as the engine does (ReadAll in batches of kReadBatchEvents,
// DecodeWithoutContent of each event); with `evolve`, also folds every case event into its case's
// state. Returns events/s.
Result<double> Replay(const eventstore::EventLog& log, bool evolve) {
  const uint64_t size = log.Size();
  std::unordered_map<std::string, domain::CaseState> cases;
  uint64_t decoded = 0;
  auto start = SteadyClock::now();
  for (uint64_t from = 0; from < size;) {
    KASANE_ASSIGN_OR_RETURN(
        std::vector<eventstore::RecordedEvent> events,
        log.ReadAll(from, static_cast<size_t>(std::min<uint64_t>(kReadBatchEvents, size - from))));
    if (events.empty()) return DataLoss("the log ended before its size");
    for (const eventstore::RecordedEvent& r : events) {
      KASANE_ASSIGN_OR_RETURN(DecodedEvent d, DecodeWithoutContent(r));
      if (evolve && r.stream.starts_with("case-")) {
        domain::CaseState& s = cases[r.stream];
        s = domain::Evolve(std::move(s), d.event);
      }
      ++decoded;
    }
    from = events.back().position + 1;
  }
  return static_cast<double>(decoded) / SecondsSince(start);
}

}  // namespace

double RebuildBenchmarkReport::ratio() const { return Median(ratio_rounds); }

std::string RebuildBenchmarkReport::ToJson() const {
  nlohmann::json j;
  j["events"] = events;
  j["cases"] = cases;
  j["replay_only_eps"] = replay_only_eps;
  j["replay_evolve_eps"] = replay_evolve_eps;
  j["rebuild_eps"] = rebuild_eps;
  j["ratio_rebuild"] = ratio();
  j["timeline_1000_p99_us"] = timeline_p99_us;
  j["timeline_1000_p50_us"] = timeline_p50_us;
  j["timeline_1000_events"] = timeline_events;
  j["generate_seconds"] = generate_seconds;
  j["active_cases"] = active_cases;
  j["unexpected_refusals"] = unexpected_refusals;
  j["by_type"] = by_type;
  j["rounds"] = rounds;
  j["projections"] = projections;
  j["replay_only_eps_rounds"] = replay_only_eps_rounds;
  j["replay_evolve_eps_rounds"] = replay_evolve_eps_rounds;
  j["rebuild_eps_rounds"] = rebuild_eps_rounds;
  j["ratio_rebuild_rounds"] = ratio_rounds;
  if (!projection_eps.empty()) {
    nlohmann::json alone = nlohmann::json::object();
    for (const auto& [name, eps] : projection_eps) alone[name] = eps;
    j["projection_alone_eps"] = alone;
  }
  return j.dump();
}

Result<RebuildBenchmarkReport> RunRebuildBenchmark(const RebuildBenchmarkOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  RebuildBenchmarkReport report;
  report.rounds = std::max(1, options.rounds);
  report.projections = ProjectionNames();
  KASANE_ASSIGN_OR_RETURN(eventstore::ScratchDir dir,
                          eventstore::ScratchDir::Make(options.temp_root, "kasane-rebuild"));

  eventstore::EventLogOptions log_options;
  log_options.dir = dir.path() + "/data";
  KASANE_ASSIGN_OR_RETURN(std::unique_ptr<eventstore::EventLog> log,
                          eventstore::EventLog::Open(log_options));
  SyntheticOptions synthetic;
  synthetic.events = options.events;
  synthetic.seed = options.seed;
  synthetic.active_cases = options.active_cases;
  synthetic.with_big_case = true;
  synthetic.big_case_events = 1000;
  auto last_said = SteadyClock::now();
  synthetic.progress = [&](uint64_t done, uint64_t total) {
    if (done < total && SecondsSince(last_said) < 2) return;
    last_said = SteadyClock::now();
    say("generate: " + std::to_string(done) + "/" + std::to_string(total));
  };
  auto generating = SteadyClock::now();
  KASANE_ASSIGN_OR_RETURN(SyntheticSummary summary, WriteSyntheticLog(*log, synthetic));
  report.generate_seconds = SecondsSince(generating);
  report.events = log->Size();
  report.cases = summary.cases;
  report.active_cases = options.active_cases;
  report.unexpected_refusals = summary.unexpected_refusals;
  report.by_type = summary.by_type;
  say("generate: " + std::to_string(report.events) + " events, " + std::to_string(summary.cases) +
      " cases in " + std::to_string(report.generate_seconds) + " s");

  const EngineOptions engine_defaults;
  // A first pass, not counted: the first reads of a freshly written database.
  KASANE_RETURN_IF_ERROR(Replay(*log, false).status());

  std::unique_ptr<ProjectionEngine> engine;
  std::vector<double> replay, evolve, rebuild;
  std::map<std::string, std::vector<double>> alone;
  for (int round = 0; round < report.rounds; ++round) {
    KASANE_ASSIGN_OR_RETURN(double r, Replay(*log, false));
    KASANE_ASSIGN_OR_RETURN(double e, Replay(*log, true));
    engine.reset();
    const std::string views = dir.path() + "/views-" + std::to_string(round);
    KASANE_ASSIGN_OR_RETURN(engine, ProjectionEngine::Open(*log, views, engine_defaults));
    auto start = SteadyClock::now();
    KASANE_RETURN_IF_ERROR(engine->CatchUp());
    const double b = static_cast<double>(report.events) / SecondsSince(start);
    replay.push_back(r);
    evolve.push_back(e);
    rebuild.push_back(b);
    report.ratio_rounds.push_back(b / r);
    say("round " + std::to_string(round + 1) + ": replay_only " + std::to_string(r) +
        " events/s, replay_evolve " + std::to_string(e) + ", rebuild " + std::to_string(b) +
        ", ratio " + std::to_string(b / r));
    if (options.per_projection) {
      for (const std::string& name : report.projections) {
        EngineOptions one = engine_defaults;
        one.projections = {name};
        const std::string one_dir = views + "-" + name;
        KASANE_ASSIGN_OR_RETURN(auto single, ProjectionEngine::Open(*log, one_dir, one));
        auto t = SteadyClock::now();
        KASANE_RETURN_IF_ERROR(single->CatchUp());
        const double eps = static_cast<double>(report.events) / SecondsSince(t);
        single.reset();
        std::error_code ec;
        std::filesystem::remove_all(one_dir, ec);
        alone[name].push_back(eps);
        say("  " + name + " alone: " + std::to_string(eps) + " events/s");
      }
    }
    if (round + 1 < report.rounds) {
      engine.reset();
      std::error_code ec;
      std::filesystem::remove_all(views, ec);
    }
  }
  report.replay_only_eps_rounds = replay;
  report.replay_evolve_eps_rounds = evolve;
  report.rebuild_eps_rounds = rebuild;
  report.replay_only_eps = Median(replay);
  report.replay_evolve_eps = Median(evolve);
  report.rebuild_eps = Median(rebuild);
  for (const std::string& name : report.projections) {
    if (alone.contains(name)) report.projection_eps.emplace_back(name, Median(alone[name]));
  }

  if (!summary.big_case_id.empty()) {
    TimelineQuery q;
    q.case_id = domain::CaseId(summary.big_case_id);
    std::vector<double> us;
    for (int i = 0; i < std::max(1, options.timeline_reads); ++i) {
      auto start = SteadyClock::now();
      KASANE_ASSIGN_OR_RETURN(ViewReader reader, engine->Reader(kTimelineName));
      KASANE_ASSIGN_OR_RETURN(std::vector<nlohmann::json> entries, ReadTimeline(reader, q));
      us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - start).count());
      report.timeline_events = entries.size();
    }
    report.timeline_p50_us = Percentile(us, 50);
    report.timeline_p99_us = Percentile(us, 99);
  }
  engine.reset();
  return report;
}

}  // namespace kasane::projections

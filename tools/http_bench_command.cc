// `kasane bench http`: the API's single-event commands and case view reads over 32 keep-alive
// connections, side by side with the same appends in-process (api/http_benchmark.h). Prints a
// table, or one JSON object with --json; progress goes to stderr. Exit 2 when the benchmark
// cannot run or more than 0.1% of either HTTP phase's requests failed.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "api/http_benchmark.h"
#include "tools/cli.h"

namespace kasane::tools {

// Registers `kasane bench http` under `bench` (after AddBenchCommands). Declared in tools/cli.h
// and called from RunCli (tools/cli.cc).
void AddHttpBenchCommand(CLI::App& app, CliContext& ctx);

namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// The figures per round and their medians, then latencies, errors and context.
void PrintTable(const nlohmann::json& j) {
  const size_t rounds = j["store_append_c32_eps_rounds"].size();
  std::string header = PadRight("", 22);
  for (size_t r = 0; r < rounds; ++r) header += PadLeft("round " + std::to_string(r + 1), 12);
  header += PadLeft("median", 12);
  std::cout << header << "\n";
  auto row = [&](const char* key, int decimals) {
    std::string line = PadRight(key, 22);
    for (const auto& v : j[std::string(key) + "_rounds"]) {
      line += PadLeft(Fixed(v.get<double>(), decimals), 12);
    }
    line += PadLeft(Fixed(j[key].get<double>(), decimals), 12);
    std::cout << line << "\n";
  };
  row("store_append_c32_eps", 0);
  row("http_append_c32_eps", 0);
  row("http_read_c32_rps", 0);
  row("ratio_http_append", 3);
  row("ratio_http_read", 3);
  std::cout << "\nlatency (us)            p50         p99\n";
  for (const char* phase : {"store_append", "http_append", "http_read"}) {
    const std::string p(phase);
    std::cout << PadRight(p, 16) << PadLeft(Fixed(j[p + "_p50_us"].get<double>(), 0), 12)
              << PadLeft(Fixed(j[p + "_p99_us"].get<double>(), 0), 12) << "\n";
  }
  for (const char* phase : {"http_append", "http_read"}) {
    const std::string p(phase);
    std::cout << "\n"
              << p << ": " << j[p + "_requests"].get<uint64_t>() << " requests, "
              << j[p + "_errors"].get<uint64_t>() << " errors";
    const std::string sample = j[p + "_error_sample"].get<std::string>();
    if (!sample.empty()) std::cout << " (first: " << sample << ")";
    std::cout << ", " << j[p + "_connections_opened"].get<uint64_t>() << " connections opened";
  }
  std::cout << "\n\nconnections " << j["connections"].get<int>() << ", server threads "
            << j["server_threads"].get<size_t>() << ", " << j["seconds"].get<double>()
            << " s per phase after " << j["warmup_seconds"].get<double>() << " s warm-up, nproc "
            << j["nproc"].get<unsigned>() << ", temp " << j["temp_root"].get<std::string>() << "\n";
}

}  // namespace

void AddHttpBenchCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* bench = app.get_subcommand("bench");
  auto* cmd = bench->add_subcommand(
      "http", "the HTTP API over 32 keep-alive connections vs in-process appends, side by side");
  auto json = std::make_shared<bool>(false);
  auto options = std::make_shared<api::HttpBenchOptions>();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->add_option("--seconds", options->seconds, "measured seconds per phase and round")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("--warmup", options->warmup_seconds, "unmeasured seconds before each phase")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--rounds", options->rounds, "rounds; figures are medians")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  // More workers than connections, so that no connection waits for a thread.
  cmd->add_option("--server-threads", options->server_threads,
                  "the server's worker threads (more than " +
                      std::to_string(api::kHttpBenchConnections) + ")")
      ->capture_default_str()
      ->check(CLI::Range(static_cast<size_t>(api::kHttpBenchConnections) + 1, size_t{4096}));
  cmd->add_option("--tmp", options->temp_root, "folder for the temporary data folder")
      ->check(CLI::ExistingDirectory);
  SetExamples(cmd, {"# three rounds of 5 s per phase (about a minute)", "kasane bench http",
                    "kasane bench http --seconds 1 --rounds 1 --json"});
  cmd->callback([&ctx, json, options] {
    options->clock = ctx.clock;
    options->log = [](std::string_view line) { std::cerr << "bench http: " << line << "\n"; };
    auto report = api::RunHttpBenchmark(*options);
    if (!report.ok()) return Fail(ctx, report.status());
    if (*json) {
      std::cout << report->dump() << "\n";
    } else {
      PrintTable(*report);
    }
    if (!(*report)["errors_within_budget"].get<bool>()) {
      std::cerr << "bench http: more than " << options->max_error_fraction * 100
                << "% of a phase's requests failed\n";
      ctx.exit_code = 2;
    }
  });
}

}  // namespace kasane::tools

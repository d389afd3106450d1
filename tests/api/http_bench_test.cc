// RunHttpBenchmark (api/http_benchmark.h) end to end, briefly: every figure is reported and
// positive, and no request failed. No timing assertions: the figures depend on the machine.
#include <gtest/gtest.h>

#include <string>

#include "api/http_benchmark.h"

namespace kasane::api {
namespace {

TEST(HttpBenchmarkTest, ShortRunReportsEveryFigureWithoutErrors) {
  HttpBenchOptions options;
  options.seconds = 0.3;
  options.warmup_seconds = 0.1;
  options.rounds = 1;
  auto report = RunHttpBenchmark(options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const nlohmann::json& j = *report;

  for (const char* key : {"store_append_c32_eps",
                          "http_append_c32_eps",
                          "http_read_c32_rps",
                          "ratio_http_append",
                          "ratio_http_read",
                          "store_append_p50_us",
                          "store_append_p99_us",
                          "http_append_p50_us",
                          "http_append_p99_us",
                          "http_read_p50_us",
                          "http_read_p99_us",
                          "http_append_requests",
                          "http_read_requests",
                          "http_append_connections_opened",
                          "http_read_connections_opened",
                          "connections",
                          "server_threads",
                          "seconds",
                          "warmup_seconds",
                          "rounds",
                          "nproc"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    ASSERT_TRUE(j[key].is_number()) << key;
    EXPECT_GT(j[key].get<double>(), 0) << key;
  }
  for (const char* key :
       {"store_append_c32_eps_rounds", "http_append_c32_eps_rounds", "http_read_c32_rps_rounds",
        "ratio_http_append_rounds", "ratio_http_read_rounds"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    ASSERT_EQ(j[key].size(), 1u) << key;
    EXPECT_GT(j[key][0].get<double>(), 0) << key;
  }
  EXPECT_EQ(j["http_append_errors"].get<uint64_t>(), 0u) << j["http_append_error_sample"];
  EXPECT_EQ(j["http_read_errors"].get<uint64_t>(), 0u) << j["http_read_error_sample"];
  EXPECT_EQ(j["http_append_error_sample"].get<std::string>(), "");
  EXPECT_EQ(j["http_read_error_sample"].get<std::string>(), "");
  EXPECT_TRUE(j["errors_within_budget"].get<bool>());
  EXPECT_EQ(j["connections"].get<int>(), kHttpBenchConnections);
}

}  // namespace
}  // namespace kasane::api

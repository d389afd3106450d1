// api::MetricsRegistry: the Prometheus text exposition format 0.0.4, line by line, and exact
// counts under concurrent updates.
#include "api/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace kasane::api {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

using L = std::vector<std::string>;

TEST(MetricsTest, CounterWithoutLabelsRendersHelpTypeAndValue) {
  MetricsRegistry m;
  CounterFamily appends = m.AddCounter("kasane_appends_total", "Events appended.");
  EXPECT_EQ(m.Render(),
            "# HELP kasane_appends_total Events appended.\n"
            "# TYPE kasane_appends_total counter\n"
            "kasane_appends_total 0\n");
  appends.With({}).Increment();
  appends.With({}).Increment(41);
  EXPECT_EQ(Lines(m.Render()).back(), "kasane_appends_total 42");
  EXPECT_EQ(appends.With({}).Value(), 42u);
}

TEST(MetricsTest, LabelledCounterEscapesValuesAndSortsSeries) {
  MetricsRegistry m;
  CounterFamily requests = m.AddCounter("kasane_http_requests_total", "HTTP requests answered.",
                                        {"route", "method", "status"});
  // A family with labels and no series yet renders only its HELP and TYPE lines.
  EXPECT_EQ(Lines(m.Render()).size(), 2u);
  requests.With({"/v1/cases/{caseId}", "GET", "200"}).Increment(3);
  requests.With({"/v1/cases", "POST", "201"}).Increment();
  requests.With({"a\\b\"c\nd", "GET", "404"}).Increment(2);
  requests.With({"/v1/cases/{caseId}", "GET", "200"}).Increment();
  EXPECT_EQ(
      Lines(m.Render()),
      (L{
          "# HELP kasane_http_requests_total HTTP requests answered.",
          "# TYPE kasane_http_requests_total counter",
          R"(kasane_http_requests_total{route="/v1/cases",method="POST",status="201"} 1)",
          R"(kasane_http_requests_total{route="/v1/cases/{caseId}",method="GET",status="200"} 4)",
          R"(kasane_http_requests_total{route="a\\b\"c\nd",method="GET",status="404"} 2)",
      }));
}

TEST(MetricsTest, HelpTextEscapesBackslashAndNewline) {
  MetricsRegistry m;
  (void)m.AddGauge("g", "one\\two\nthree \"quoted\"");
  EXPECT_EQ(Lines(m.Render())[0], R"(# HELP g one\\two\nthree "quoted")");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInfEqualsCount) {
  MetricsRegistry m;
  HistogramFamily latency = m.AddHistogram("kasane_append_commit_seconds", "Commit latency.",
                                           {"kind"}, {0.25, 0.5, 1, 2});
  Histogram& h = latency.With({"sync"});
  for (double v : {0.125, 0.25, 0.375, 0.5, 1.5, 3.0, 7.0}) h.Observe(v);  // le is inclusive
  h.Observe(std::numeric_limits<double>::quiet_NaN());                     // ignored
  EXPECT_EQ(h.Count(), 7u);
  EXPECT_EQ(Lines(m.Render()),
            (L{
                "# HELP kasane_append_commit_seconds Commit latency.",
                "# TYPE kasane_append_commit_seconds histogram",
                R"(kasane_append_commit_seconds_bucket{kind="sync",le="0.25"} 2)",
                R"(kasane_append_commit_seconds_bucket{kind="sync",le="0.5"} 4)",
                R"(kasane_append_commit_seconds_bucket{kind="sync",le="1"} 4)",
                R"(kasane_append_commit_seconds_bucket{kind="sync",le="2"} 5)",
                R"(kasane_append_commit_seconds_bucket{kind="sync",le="+Inf"} 7)",
                R"(kasane_append_commit_seconds_sum{kind="sync"} 12.75)",
                R"(kasane_append_commit_seconds_count{kind="sync"} 7)",
            }));
}

TEST(MetricsTest, HistogramWithoutLabelsAndExponentialBuckets) {
  MetricsRegistry m;
  HistogramFamily batch = m.AddHistogram("kasane_append_batch_events", "Events per commit.", {},
                                         ExponentialBuckets(1, 4, 3));
  batch.With({}).Observe(1);
  batch.With({}).Observe(5);
  EXPECT_EQ(Lines(m.Render()), (L{
                                   "# HELP kasane_append_batch_events Events per commit.",
                                   "# TYPE kasane_append_batch_events histogram",
                                   R"(kasane_append_batch_events_bucket{le="1"} 1)",
                                   R"(kasane_append_batch_events_bucket{le="4"} 1)",
                                   R"(kasane_append_batch_events_bucket{le="16"} 2)",
                                   R"(kasane_append_batch_events_bucket{le="+Inf"} 2)",
                                   "kasane_append_batch_events_sum 6",
                                   "kasane_append_batch_events_count 2",
                               }));
}

TEST(MetricsTest, GaugesAndGaugeCallbacks) {
  MetricsRegistry m;
  GaugeFamily g = m.AddGauge("kasane_open_connections", "Open connections.");
  g.With({}).Set(5);
  g.With({}).Add(-1.5);
  int calls = 0;
  m.AddGaugeCallback("kasane_projection_lag_events", "Events behind the log.", [&calls] {
    ++calls;
    return std::vector<std::pair<Labels, double>>{
        {{{"projection", "timeline"}}, 3},
        {{{"projection", "case_view"}}, 0},
        {{{"bad label", "x"}}, 1},  // left out: malformed label name
    };
  });
  m.AddGaugeCallback("kasane_log_size_events", "Events in the log.", [] {
    return std::vector<std::pair<Labels, double>>{{{}, 1234567}};
  });
  EXPECT_EQ(Lines(m.Render()), (L{
                                   "# HELP kasane_log_size_events Events in the log.",
                                   "# TYPE kasane_log_size_events gauge",
                                   "kasane_log_size_events 1234567",
                                   "# HELP kasane_open_connections Open connections.",
                                   "# TYPE kasane_open_connections gauge",
                                   "kasane_open_connections 3.5",
                                   "# HELP kasane_projection_lag_events Events behind the log.",
                                   "# TYPE kasane_projection_lag_events gauge",
                                   R"(kasane_projection_lag_events{projection="case_view"} 0)",
                                   R"(kasane_projection_lag_events{projection="timeline"} 3)",
                               }));
  EXPECT_EQ(calls, 1);
  (void)m.Render();
  EXPECT_EQ(calls, 2);  // evaluated at each render
}

TEST(MetricsTest, SpecialFloatValues) {
  MetricsRegistry m;
  GaugeFamily g = m.AddGauge("g", "h", {"v"});
  g.With({"inf"}).Set(std::numeric_limits<double>::infinity());
  g.With({"minf"}).Set(-std::numeric_limits<double>::infinity());
  g.With({"nan"}).Set(std::numeric_limits<double>::quiet_NaN());
  g.With({"small"}).Set(1e-7);
  EXPECT_EQ(Lines(m.Render()),
            (L{"# HELP g h", "# TYPE g gauge", R"(g{v="inf"} +Inf)", R"(g{v="minf"} -Inf)",
               R"(g{v="nan"} NaN)", R"(g{v="small"} 1e-07)"}));
}

TEST(MetricsTest, ReRegisteringReturnsTheSameFamily) {
  MetricsRegistry m;
  CounterFamily a = m.AddCounter("c_total", "help", {"x"});
  CounterFamily b = m.AddCounter("c_total", "help", {"x"});
  a.With({"1"}).Increment();
  b.With({"1"}).Increment();
  EXPECT_EQ(&a.With({"1"}), &b.With({"1"}));
  EXPECT_EQ(a.With({"1"}).Value(), 2u);
}

TEST(MetricsTest, RegistrationMistakesThrow) {
  MetricsRegistry m;
  (void)m.AddCounter("c_total", "help", {"x"});
  EXPECT_THROW((void)m.AddCounter("c_total", "help", {"y"}), std::invalid_argument);
  EXPECT_THROW((void)m.AddGauge("c_total", "help", {"x"}), std::invalid_argument);
  EXPECT_THROW((void)m.AddCounter("1bad", "help"), std::invalid_argument);
  EXPECT_THROW((void)m.AddCounter("bad-name", "help"), std::invalid_argument);
  EXPECT_THROW((void)m.AddCounter("ok", "help", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW((void)m.AddCounter("ok2", "help", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW((void)m.AddHistogram("h", "help", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW((void)m.AddHistogram("h", "help", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW((void)m.AddHistogram("h", "help", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW((void)m.AddGaugeCallback("cb", "help", nullptr), std::invalid_argument);
  CounterFamily c = m.AddCounter("c_total", "help", {"x"});
  EXPECT_THROW((void)c.With({}), std::invalid_argument);
  EXPECT_THROW((void)c.With({"1", "2"}), std::invalid_argument);
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry m;
  CounterFamily requests =
      m.AddCounter("kasane_http_requests_total", "requests", {"route", "method", "status"});
  HistogramFamily latency = m.AddHistogram("kasane_http_request_duration_seconds", "latency",
                                           {"route"}, LatencyBuckets());
  GaugeFamily inflight = m.AddGauge("inflight", "in flight");
  constexpr int kThreads = 16;
  constexpr int kPerThread = 50'000;
  const std::vector<std::string> routes = {"/v1/cases/{caseId}", "/v1/feed", "/v1/health"};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string& route = routes[static_cast<size_t>(i + t) % routes.size()];
        requests.With({route, "GET", "200"}).Increment();
        latency.With({route}).Observe(0.001 * (i % 7));
        inflight.With({}).Add(1);
        inflight.With({}).Add(-1);
        if (i % 10'000 == 0) (void)m.Render();  // renders race with updates
      }
    });
  }
  for (auto& th : threads) th.join();
  uint64_t total = 0, observed = 0;
  for (const std::string& r : routes) {
    total += requests.With({r, "GET", "200"}).Value();
    observed += latency.With({r}).Count();
  }
  EXPECT_EQ(total, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(observed, uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(inflight.With({}).Value(), 0.0);
  // The rendered +Inf buckets and counts agree with the totals.
  uint64_t rendered = 0;
  for (const std::string& line : Lines(m.Render())) {
    if (line.rfind("kasane_http_requests_total{", 0) == 0) {
      rendered += std::stoull(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_EQ(rendered, total);
}

}  // namespace
}  // namespace kasane::api

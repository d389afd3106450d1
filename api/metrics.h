// Metrics: a small registry of counters, gauges and histograms for the server, rendered at
// `GET /v1/metrics` in the Prometheus text exposition format 0.0.4.
//
// A metric family has a name, a help line, a type and a fixed list of label names; each distinct
// list of label values is one series. Families are registered once, by main() or the server's
// constructor (no global registry); `With(...)` finds or creates a series and returns a reference
// that stays valid for the registry's lifetime, so a hot path can keep it. Families are never
// removed.
//
// Thread-safety: every method is safe to call concurrently. Incrementing a counter, setting a
// gauge and observing a histogram are relaxed atomic operations; `With` takes a family's lock
// shared (exclusive only the first time a series is seen). Render reads the atomics without
// stopping writers: a histogram's `_count` is the sum of its buckets as read, so `le="+Inf"`
// always equals `_count`, while `_sum` may lag or lead by an observation in flight.
//
// Labels never carry personal content: a route label is the path TEMPLATE
// ("/v1/cases/{caseId}"), never the concrete path; values are ids of code, not of people.
//
// Registration mistakes (a malformed metric or label name, the same name registered with another
// type or other label names, bucket bounds not strictly increasing, `With` given the wrong number
// of values) are bugs in the caller and throw std::invalid_argument.
//
//   MetricsRegistry metrics;
//   CounterFamily requests = metrics.AddCounter(
//       "kasane_http_requests_total", "HTTP requests answered.", {"route", "method", "status"});
//   requests.With({"/v1/cases/{caseId}", "GET", "200"}).Increment();
//   HistogramFamily latency = metrics.AddHistogram("kasane_http_request_duration_seconds",
//       "Time to answer an HTTP request.", {"route"}, LatencyBuckets());
//   latency.With({"/v1/cases/{caseId}"}).Observe(0.0042);
//   metrics.AddGaugeCallback("kasane_log_size_events", "Events in the log.",
//       [&log] { return std::vector<std::pair<Labels, double>>{{{}, double(log.Size())}}; });
//   std::string body = metrics.Render();  // served with kMetricsContentType
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kasane::api {

// The Content-Type of Render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The (name, value) labels of one series, as a gauge callback reports them.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count.
class Counter final {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down.
class Gauge final {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets (upper bounds, inclusive, plus +Inf), with their sum.
class Histogram final {
 public:
  // `bounds` strictly increasing and finite (checked by the registry).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `v` in the first bucket whose bound is >= v (else +Inf). NaN is ignored.
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket counts as read now, NOT cumulative; the last one is the +Inf bucket.
  std::vector<uint64_t> BucketCounts() const;
  // The sum of BucketCounts().
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

namespace internal {
struct Family;
}  // namespace internal

// Handles to a registered family: small copyable values pointing into the registry, valid for the
// registry's lifetime. `With` takes one value per label name, in the order the names were given
// at registration; a family without labels has one series, `With({})`, created at registration.
class CounterFamily {
 public:
  Counter& With(std::initializer_list<std::string_view> values) const;

 private:
  friend class MetricsRegistry;
  explicit CounterFamily(internal::Family* f) : family_(f) {}
  internal::Family* family_;
};

class GaugeFamily {
 public:
  Gauge& With(std::initializer_list<std::string_view> values) const;

 private:
  friend class MetricsRegistry;
  explicit GaugeFamily(internal::Family* f) : family_(f) {}
  internal::Family* family_;
};

class HistogramFamily {
 public:
  Histogram& With(std::initializer_list<std::string_view> values) const;

 private:
  friend class MetricsRegistry;
  explicit HistogramFamily(internal::Family* f) : family_(f) {}
  internal::Family* family_;
};

// Evaluated at each Render: the series of a callback gauge and their values.
using GaugeCallback = std::function<std::vector<std::pair<Labels, double>>()>;

// Bucket bounds for latencies in seconds: 100 us to 10 s.
std::vector<double> LatencyBuckets();
// `count` bounds: start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, size_t count);

class MetricsRegistry final {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers a family (or returns the one registered under `name` with the same type and label
  // names). Names follow Prometheus: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label [a-zA-Z_][a-zA-Z0-9_]*
  // not starting with "__"; a histogram may not use the label "le".
  CounterFamily AddCounter(std::string_view name, std::string_view help,
                           std::vector<std::string> label_names = {});
  GaugeFamily AddGauge(std::string_view name, std::string_view help,
                       std::vector<std::string> label_names = {});
  HistogramFamily AddHistogram(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
  // A gauge family whose series are whatever `callback` returns at each Render (called without
  // the registry's lock held, from the rendering thread; it must be thread-safe and outlive the
  // registry's use). A series whose label names are malformed is left out of the output.
  void AddGaugeCallback(std::string_view name, std::string_view help, GaugeCallback callback);

  // Every family, sorted by name, each with its HELP and TYPE lines and its series sorted by
  // label values; counters as integers, histograms as cumulative `_bucket{le=...}` lines ending
  // with le="+Inf", then `_sum` and `_count`. Label values escape \, " and newline; help text
  // escapes \ and newline. Ends with a newline.
  std::string Render() const;

 private:
  internal::Family* Register(std::string_view name, std::string_view help, int type,
                             std::vector<std::string> label_names, std::vector<double> bounds,
                             GaugeCallback callback);

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<internal::Family>, std::less<>>
      families_;  // GUARDED_BY(mu_)
};

}  // namespace kasane::api

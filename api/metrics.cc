#include "api/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <variant>

namespace kasane::api {

namespace {

enum Type : int { kCounter = 0, kGauge = 1, kHistogram = 2, kGaugeCallback = 3 };

std::string_view TypeName(int type) {
  switch (type) {
    case kCounter:
      return "counter";
    case kHistogram:
      return "histogram";
    default:
      return "gauge";
  }
}

bool IsMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || s.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// Prometheus float text: shortest round-trip form, +Inf, -Inf, NaN.
std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "NaN";  // cannot happen with 64 bytes
  return std::string(buf, end);
}

void AppendEscapedLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendEscapedHelp(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// `{a="x",b="y"}` for the given pairs plus an optional trailing pair; empty when there are none.
std::string LabelText(const Labels& labels, std::string_view extra_name = {},
                      std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view n, std::string_view v) {
    if (!first) out += ',';
    first = false;
    out += n;
    out += "=\"";
    AppendEscapedLabelValue(out, v);
    out += '"';
  };
  for (const auto& [n, v] : labels) add(n, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += '}';
  return out;
}

// Values -> map key: each value length-prefixed, so no two lists share a key.
std::string SeriesKey(std::initializer_list<std::string_view> values) {
  size_t n = 0;
  for (std::string_view v : values) n += v.size() + 8;
  std::string key;
  key.reserve(n);
  for (std::string_view v : values) {
    key += std::to_string(v.size());
    key += ':';
    key += v;
  }
  return key;
}

}  // namespace

namespace internal {

struct Series {
  std::vector<std::string> values;
  std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>> metric;
};

struct Family {
  std::string name;
  std::string help;
  int type = kCounter;
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  GaugeCallback callback;

  mutable std::shared_mutex mu;
  std::unordered_map<std::string, Series> series;  // GUARDED_BY(mu)

  Series& Get(std::initializer_list<std::string_view> values) {
    if (values.size() != label_names.size()) {
      throw std::invalid_argument("metric " + name + " takes " +
                                  std::to_string(label_names.size()) + " label values, not " +
                                  std::to_string(values.size()));
    }
    std::string key = SeriesKey(values);
    {
      std::shared_lock lock(mu);
      auto it = series.find(key);
      if (it != series.end()) return it->second;
    }
    std::unique_lock lock(mu);
    auto [it, inserted] = series.try_emplace(std::move(key));
    if (inserted) {
      it->second.values.assign(values.begin(), values.end());
      switch (type) {
        case kCounter:
          it->second.metric = std::make_unique<Counter>();
          break;
        case kGauge:
          it->second.metric = std::make_unique<Gauge>();
          break;
        default:
          it->second.metric = std::make_unique<Histogram>(bounds);
      }
    }
    return it->second;
  }
};

}  // namespace internal

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  if (std::isnan(v)) return;
  size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

uint64_t Histogram::Count() const {
  uint64_t n = 0;
  for (uint64_t c : BucketCounts()) n += c;
  return n;
}

Counter& CounterFamily::With(std::initializer_list<std::string_view> values) const {
  return *std::get<std::unique_ptr<Counter>>(family_->Get(values).metric);
}

Gauge& GaugeFamily::With(std::initializer_list<std::string_view> values) const {
  return *std::get<std::unique_ptr<Gauge>>(family_->Get(values).metric);
}

Histogram& HistogramFamily::With(std::initializer_list<std::string_view> values) const {
  return *std::get<std::unique_ptr<Histogram>>(family_->Get(values).metric);
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> ExponentialBuckets(double start, double factor, size_t count) {
  if (!(start > 0) || !(factor > 1)) {
    throw std::invalid_argument("exponential buckets need start > 0 and factor > 1");
  }
  std::vector<double> out;
  out.reserve(count);
  double b = start;
  for (size_t i = 0; i < count; ++i, b *= factor) out.push_back(b);
  return out;
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

internal::Family* MetricsRegistry::Register(std::string_view name, std::string_view help, int type,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds, GaugeCallback callback) {
  if (!IsMetricName(name)) {
    throw std::invalid_argument("malformed metric name '" + std::string(name) + "'");
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!IsLabelName(l) || (type == kHistogram && l == "le")) {
      throw std::invalid_argument("malformed label name '" + l + "' for metric " +
                                  std::string(name));
    }
    for (size_t j = 0; j < i; ++j) {
      if (label_names[j] == l) {
        throw std::invalid_argument("label '" + l + "' given twice for metric " +
                                    std::string(name));
      }
    }
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      throw std::invalid_argument("bucket bounds of " + std::string(name) +
                                  " are not finite and strictly increasing");
    }
  }
  std::unique_lock lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    internal::Family& f = *it->second;
    if (f.type != type || f.label_names != label_names || f.bounds != bounds ||
        type == kGaugeCallback) {
      throw std::invalid_argument("metric " + std::string(name) +
                                  " is already registered with another definition");
    }
    return &f;
  }
  auto f = std::make_unique<internal::Family>();
  f->name = std::string(name);
  f->help = std::string(help);
  f->type = type;
  f->label_names = std::move(label_names);
  f->bounds = std::move(bounds);
  f->callback = std::move(callback);
  internal::Family* raw = f.get();
  families_.emplace(std::string(name), std::move(f));
  if (type != kGaugeCallback && raw->label_names.empty()) (void)raw->Get({});
  return raw;
}

CounterFamily MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                          std::vector<std::string> label_names) {
  return CounterFamily(Register(name, help, kCounter, std::move(label_names), {}, nullptr));
}

GaugeFamily MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                      std::vector<std::string> label_names) {
  return GaugeFamily(Register(name, help, kGauge, std::move(label_names), {}, nullptr));
}

HistogramFamily MetricsRegistry::AddHistogram(std::string_view name, std::string_view help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bounds) {
  return HistogramFamily(
      Register(name, help, kHistogram, std::move(label_names), std::move(bounds), nullptr));
}

void MetricsRegistry::AddGaugeCallback(std::string_view name, std::string_view help,
                                       GaugeCallback callback) {
  if (!callback)
    throw std::invalid_argument("gauge callback of " + std::string(name) + " is empty");
  (void)Register(name, help, kGaugeCallback, {}, {}, std::move(callback));
}

std::string MetricsRegistry::Render() const {
  std::vector<const internal::Family*> families;
  {
    std::shared_lock lock(mu_);
    families.reserve(families_.size());
    for (const auto& [name, f] : families_) families.push_back(f.get());
  }
  std::string out;
  for (const internal::Family* f : families) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    AppendEscapedHelp(out, f->help);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += TypeName(f->type);
    out += '\n';

    if (f->type == kGaugeCallback) {
      std::vector<std::pair<Labels, double>> points = f->callback();
      std::sort(points.begin(), points.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [labels, value] : points) {
        bool ok = std::all_of(labels.begin(), labels.end(),
                              [](const auto& l) { return IsLabelName(l.first); });
        if (!ok) continue;
        out += f->name;
        out += LabelText(labels);
        out += ' ';
        out += FormatDouble(value);
        out += '\n';
      }
      continue;
    }

    // Series are never removed, so pointers taken under the lock stay valid after it.
    std::vector<const internal::Series*> series;
    {
      std::shared_lock lock(f->mu);
      series.reserve(f->series.size());
      for (const auto& [key, s] : f->series) series.push_back(&s);
    }
    std::sort(
        series.begin(), series.end(),
        [](const internal::Series* a, const internal::Series* b) { return a->values < b->values; });
    for (const internal::Series* s : series) {
      Labels labels;
      labels.reserve(f->label_names.size());
      for (size_t i = 0; i < f->label_names.size(); ++i) {
        labels.emplace_back(f->label_names[i], s->values[i]);
      }
      if (f->type == kCounter) {
        out += f->name;
        out += LabelText(labels);
        out += ' ';
        out += std::to_string(std::get<std::unique_ptr<Counter>>(s->metric)->Value());
        out += '\n';
      } else if (f->type == kGauge) {
        out += f->name;
        out += LabelText(labels);
        out += ' ';
        out += FormatDouble(std::get<std::unique_ptr<Gauge>>(s->metric)->Value());
        out += '\n';
      } else {
        const Histogram& h = *std::get<std::unique_ptr<Histogram>>(s->metric);
        std::vector<uint64_t> counts = h.BucketCounts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          out += f->name;
          out += "_bucket";
          out +=
              LabelText(labels, "le", i < h.bounds().size() ? FormatDouble(h.bounds()[i]) : "+Inf");
          out += ' ';
          out += std::to_string(cumulative);
          out += '\n';
        }
        std::string label_text = LabelText(labels);
        out += f->name;
        out += "_sum";
        out += label_text;
        out += ' ';
        out += FormatDouble(h.Sum());
        out += '\n';
        out += f->name;
        out += "_count";
        out += label_text;
        out += ' ';
        out += std::to_string(cumulative);
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace kasane::api

#include "src/observability/registry.h"

#include <prometheus/check_names.h>
#include <prometheus/client_metric.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/log/absl_format.h"
#include "src/observability/text_format.h"

namespace misc::observability {
namespace {

constexpr absl::string_view kHistogramSuffixes[] = {"_bucket", "_sum", "_count"};

// Registration errors are bugs in constant metric definitions: stop before serving wrong data.
[[noreturn]] void Misuse(absl::string_view what) {
  spdlog::critical("metrics registry misuse: {}", what);
  spdlog::default_logger()->flush();
  std::abort();
}

void CheckLabels(const std::string& name, const Labels& labels) {
  for (const auto& [label, value] : labels) {
    if (!prometheus::CheckLabelName(label)) {
      Misuse(absl::StrCat("invalid label name \"", label, "\" on ", name));
    }
  }
}

// Runs a prometheus-cpp registration, which reports misuse by throwing.
template <typename Fn>
auto Guarded(const std::string& name, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    Misuse(absl::StrCat("cannot register ", name, ": ", e.what()));
  }
}

}  // namespace

struct Registry::CallbackSeries {
  CallbackSeries(Labels series_labels, std::function<double()> read_value)
      : labels(std::move(series_labels)), read(std::move(read_value)) {}

  const Labels labels;
  // Held shared while a scrape reads the series, exclusively to unregister it.
  absl::Mutex mu;
  std::function<double()> read ABSL_GUARDED_BY(mu);
};

Buckets LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::ClaimName(const std::string& name, NameUse use) {
  if (!prometheus::CheckMetricName(name)) {
    Misuse(absl::StrCat("invalid metric name \"", name, "\""));
  }
  if (auto it = names_.find(name); it != names_.end()) {
    if (it->second != use) {
      const auto kind = [](NameUse u) {
        return absl::StrCat(u.callback ? "callback " : "", TypeKeyword(u.type));
      };
      Misuse(absl::StrCat(name, " is a ", kind(it->second), ", not a ", kind(use)));
    }
    return;
  }
  const prometheus::MetricType type = use.type;
  for (absl::string_view suffix : kHistogramSuffixes) {
    if (type == prometheus::MetricType::Histogram && names_.contains(absl::StrCat(name, suffix))) {
      Misuse(absl::StrCat("histogram ", name, " would render ", name, suffix,
                          ", which is already a metric"));
    }
    if (absl::EndsWith(name, suffix)) {
      auto base = names_.find(name.substr(0, name.size() - suffix.size()));
      if (base != names_.end() && base->second.type == prometheus::MetricType::Histogram) {
        Misuse(absl::StrCat(name, " is a series of histogram ", base->first));
      }
    }
  }
  names_.emplace(name, use);
}

Counter& Registry::AddCounter(absl::string_view name, absl::string_view help,
                              const Labels& labels) {
  const std::string family(name);
  absl::MutexLock lock(&mu_);
  ClaimName(family, {prometheus::MetricType::Counter, false});
  CheckLabels(family, labels);
  return Guarded(family, [&]() -> Counter& {
    return prometheus::BuildCounter()
        .Name(family)
        .Help(std::string(help))
        .Register(metrics_)
        .Add(labels);
  });
}

Gauge& Registry::AddGauge(absl::string_view name, absl::string_view help, const Labels& labels) {
  const std::string family(name);
  absl::MutexLock lock(&mu_);
  ClaimName(family, {prometheus::MetricType::Gauge, false});
  CheckLabels(family, labels);
  return Guarded(family, [&]() -> Gauge& {
    return prometheus::BuildGauge()
        .Name(family)
        .Help(std::string(help))
        .Register(metrics_)
        .Add(labels);
  });
}

Histogram& Registry::AddHistogram(absl::string_view name, absl::string_view help,
                                  const Labels& labels, const Buckets& buckets) {
  const std::string family(name);
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
      Misuse(absl::StrCat("buckets of ", family, " must be finite and strictly increasing"));
    }
  }
  if (labels.contains("le")) Misuse(absl::StrCat("histogram ", family, " has a label \"le\""));
  absl::MutexLock lock(&mu_);
  ClaimName(family, {prometheus::MetricType::Histogram, false});
  CheckLabels(family, labels);
  return Guarded(family, [&]() -> Histogram& {
    return prometheus::BuildHistogram()
        .Name(family)
        .Help(std::string(help))
        .Register(metrics_)
        .Add(labels, buckets);
  });
}

CallbackRegistration Registry::AddCallbackGauge(absl::string_view name, absl::string_view help,
                                                const Labels& labels,
                                                std::function<double()> read) {
  return AddCallback(name, help, labels, prometheus::MetricType::Gauge, std::move(read));
}

CallbackRegistration Registry::AddCallbackCounter(absl::string_view name, absl::string_view help,
                                                  const Labels& labels,
                                                  std::function<double()> read) {
  return AddCallback(name, help, labels, prometheus::MetricType::Counter, std::move(read));
}

CallbackRegistration Registry::AddCallback(absl::string_view name, absl::string_view help,
                                           const Labels& labels, prometheus::MetricType type,
                                           std::function<double()> read) {
  std::string family_name(name);
  if (!read) Misuse(absl::StrCat("callback of ", family_name, " is empty"));
  absl::MutexLock lock(&mu_);
  ClaimName(family_name, {type, true});
  CheckLabels(family_name, labels);
  CallbackFamily& family = callbacks_[family_name];
  if (family.series.empty()) {
    family.help = std::string(help);
    family.type = type;
  }
  for (const std::shared_ptr<CallbackSeries>& series : family.series) {
    if (series->labels == labels) {
      Misuse(absl::StrCat("callback series ", family_name, " registered twice"));
    }
  }
  auto series = std::make_shared<CallbackSeries>(labels, std::move(read));
  family.series.push_back(series);
  return CallbackRegistration(this, std::move(family_name), std::move(series));
}

void Registry::RemoveCallback(const std::string& name, const CallbackSeries* series) {
  absl::MutexLock lock(&mu_);
  auto family = callbacks_.find(name);
  if (family == callbacks_.end()) return;
  std::erase_if(family->second.series,
                [series](const std::shared_ptr<CallbackSeries>& s) { return s.get() == series; });
  if (family->second.series.empty()) {
    callbacks_.erase(family);
    names_.erase(name);
  }
}

std::vector<prometheus::MetricFamily> Registry::Collect() const {
  std::vector<prometheus::MetricFamily> families = metrics_.Collect();
  struct Pending {
    prometheus::MetricFamily family;
    std::vector<std::shared_ptr<CallbackSeries>> series;
  };
  std::vector<Pending> pending;
  {
    // Callbacks run outside mu_, so one that is slow never blocks registration.
    absl::MutexLock lock(&mu_);
    for (const auto& [name, family] : callbacks_) {
      pending.push_back({{.name = name, .help = family.help, .type = family.type}, family.series});
    }
  }
  for (Pending& p : pending) {
    for (const std::shared_ptr<CallbackSeries>& series : p.series) {
      absl::ReaderMutexLock lock(&series->mu);
      if (!series->read) continue;  // Unregistered since the copy above.
      prometheus::ClientMetric metric;
      for (const auto& [label, value] : series->labels) metric.label.push_back({label, value});
      const double value = series->read();
      if (p.family.type == prometheus::MetricType::Counter) {
        metric.counter.value = value;
      } else {
        metric.gauge.value = value;
      }
      p.family.metric.push_back(std::move(metric));
    }
    if (!p.family.metric.empty()) families.push_back(std::move(p.family));
  }
  std::sort(families.begin(), families.end(),
            [](const prometheus::MetricFamily& a, const prometheus::MetricFamily& b) {
              return a.name < b.name;
            });
  for (prometheus::MetricFamily& family : families) {
    std::sort(family.metric.begin(), family.metric.end(),
              [](const prometheus::ClientMetric& a, const prometheus::ClientMetric& b) {
                return a.label < b.label;
              });
  }
  return families;
}

std::string Registry::Render() const { return RenderText(Collect()); }

CallbackRegistration::CallbackRegistration(Registry* registry, std::string name,
                                           std::shared_ptr<Registry::CallbackSeries> series)
    : registry_(registry), name_(std::move(name)), series_(std::move(series)) {}

CallbackRegistration::CallbackRegistration(CallbackRegistration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      name_(std::move(other.name_)),
      series_(std::move(other.series_)) {}

CallbackRegistration& CallbackRegistration::operator=(CallbackRegistration&& other) noexcept {
  if (this != &other) {
    Unregister();
    registry_ = std::exchange(other.registry_, nullptr);
    name_ = std::move(other.name_);
    series_ = std::move(other.series_);
  }
  return *this;
}

CallbackRegistration::~CallbackRegistration() { Unregister(); }

void CallbackRegistration::Unregister() {
  if (series_ == nullptr) return;
  {
    // Waits for a scrape reading the series; the callback (and what it captured) goes now.
    absl::MutexLock lock(&series_->mu);
    series_->read = nullptr;
  }
  registry_->RemoveCallback(name_, series_.get());
  series_.reset();
  registry_ = nullptr;
}

void CallbackRegistration::Detach() {
  series_.reset();
  registry_ = nullptr;
}

Registry& DefaultRegistry() {
  static Registry* const registry = new Registry();
  return *registry;
}

}  // namespace misc::observability

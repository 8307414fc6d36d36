#ifndef MISC_SRC_OBSERVABILITY_REGISTRY_H_
#define MISC_SRC_OBSERVABILITY_REGISTRY_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace misc::observability {

// A series' labels, name to value. Names match [a-zA-Z_][a-zA-Z0-9_]* and do not start with
// "__"; values are any UTF-8 text (escaped when rendered).
using Labels = std::map<std::string, std::string>;

// A value that only goes up: Increment(), Increment(by). Thread-safe and lock-free.
using Counter = prometheus::Counter;

// A value that goes up and down: Set(), Increment(), Decrement(). Thread-safe and lock-free.
using Gauge = prometheus::Gauge;

// Counts observations into fixed buckets and sums them: Observe(value). Thread-safe; an
// observation takes a short per-series lock and never allocates.
using Histogram = prometheus::Histogram;

// Upper bounds of a histogram's buckets, strictly increasing; the +Inf bucket is implicit.
using Buckets = std::vector<double>;

// Bucket bounds in seconds for latencies from 100us to 10s: go-grpc-prometheus' buckets
// (0.005 .. 10) plus finer ones below 5ms for calls answered from memory.
Buckets LatencyBuckets();

class CallbackRegistration;

// The metrics of a process: named families of counters, gauges and histograms, each holding
// one series per label set, plus callback series read only when scraped.
//
// Registration (Add*) takes a lock and may allocate: do it once and keep the returned
// reference, which stays valid for the registry's lifetime; updating a metric is then cheap.
// Registering a metric that already exists (same name, type and labels) returns the existing
// one. A programming error (invalid metric or label name, a name reused with another type, a
// histogram labelled "le" or with unsorted buckets, a callback series registered twice) is
// logged and aborts the process, as metric names are constants of the code. Thread-safe.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the counter `name`{`labels`}, creating it (at 0) and its family on first use.
  // By convention counter names end in "_total".
  Counter& AddCounter(absl::string_view name, absl::string_view help, const Labels& labels = {});

  // Returns the gauge `name`{`labels`}, creating it (at 0) and its family on first use.
  Gauge& AddGauge(absl::string_view name, absl::string_view help, const Labels& labels = {});

  // Returns the histogram `name`{`labels`} with `buckets`, creating it on first use (an
  // existing series keeps the buckets it was created with).
  Histogram& AddHistogram(absl::string_view name, absl::string_view help, const Labels& labels,
                          const Buckets& buckets);

  // Registers the gauge series `name`{`labels`} whose value is `read()`, called on the
  // scraping thread at each scrape (so it must be thread-safe and quick, and must not call
  // back into the registry). The series exists until the returned registration is destroyed.
  [[nodiscard]] CallbackRegistration AddCallbackGauge(absl::string_view name,
                                                      absl::string_view help, const Labels& labels,
                                                      std::function<double()> read);

  // Same as AddCallbackGauge for a counter whose value `read()` never decreases, such as
  // CPU time used.
  [[nodiscard]] CallbackRegistration AddCallbackCounter(absl::string_view name,
                                                        absl::string_view help,
                                                        const Labels& labels,
                                                        std::function<double()> read);

  // Returns every family with its current values (callbacks evaluated now), families sorted
  // by name and series by labels.
  std::vector<prometheus::MetricFamily> Collect() const;

  // Returns Collect() in the Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
  friend class CallbackRegistration;
  struct CallbackSeries;
  struct CallbackFamily {
    std::string help;
    prometheus::MetricType type;
    std::vector<std::shared_ptr<CallbackSeries>> series;
  };

  // How a family name is used: its type, and whether its series are callbacks.
  struct NameUse {
    prometheus::MetricType type;
    bool callback;
    bool operator==(const NameUse&) const = default;
  };

  // Records that family `name` is used as `use`, or aborts when the name is invalid or taken
  // by another type or kind (or by the series a histogram renders).
  void ClaimName(const std::string& name, NameUse use) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  CallbackRegistration AddCallback(absl::string_view name, absl::string_view help,
                                   const Labels& labels, prometheus::MetricType type,
                                   std::function<double()> read);
  void RemoveCallback(const std::string& name, const CallbackSeries* series);

  prometheus::Registry metrics_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, NameUse> names_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CallbackFamily> callbacks_ ABSL_GUARDED_BY(mu_);
};

// Keeps a callback series registered: destroying it (or Unregister()) removes the series and
// waits for a scrape that is reading it, so the callback may capture objects that die right
// after. Must not outlive its registry. Move-only.
class CallbackRegistration {
 public:
  CallbackRegistration() = default;
  CallbackRegistration(CallbackRegistration&& other) noexcept;
  CallbackRegistration& operator=(CallbackRegistration&& other) noexcept;
  ~CallbackRegistration();

  // Removes the series; its callback is not running on return and is never called again.
  void Unregister();

  // Keeps the series for the registry's whole life; for callbacks that capture nothing that
  // can die, such as the process metrics.
  void Detach();

 private:
  friend class Registry;
  CallbackRegistration(Registry* registry, std::string name,
                       std::shared_ptr<Registry::CallbackSeries> series);

  Registry* registry_ = nullptr;
  std::string name_;
  std::shared_ptr<Registry::CallbackSeries> series_;
};

// Returns the registry of the process, which the server runner exposes on --metrics_listen:
// platform code registers its metrics here. Never destroyed.
Registry& DefaultRegistry();

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_REGISTRY_H_

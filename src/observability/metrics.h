#ifndef MISC_SRC_OBSERVABILITY_METRICS_H_
#define MISC_SRC_OBSERVABILITY_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <string>
#include <vector>

// Metrics are prometheus-cpp's: code that updates a value keeps a prometheus::Counter, Gauge or
// Histogram from a prometheus::Registry (resolve each label set once: Family::Add locks the
// family); values that are only read when scraped come from a prometheus::Collectable built
// with ScrapedFamily. MetricsServer serves both.
namespace misc::observability {

// Bucket bounds in seconds for latencies from 100us to 10s: go-grpc-prometheus' buckets
// (0.005 .. 10) plus finer ones below 5ms for calls answered from memory.
std::vector<double> LatencyBuckets();

// One sample of a family read at scrape time: its labels and its value.
struct ScrapedSample {
  prometheus::Labels labels;
  double value = 0;
};

// Returns the family `name` of `type` (Counter or Gauge; anything else is treated as a gauge)
// holding `samples`, for a Collectable's Collect().
prometheus::MetricFamily ScrapedFamily(std::string name, std::string help,
                                       prometheus::MetricType type,
                                       const std::vector<ScrapedSample>& samples);

// Returns what `collectable` holds now in the Prometheus text format 0.0.4, as the metrics
// endpoint serves it (for tests and tools).
std::string RenderText(const prometheus::Collectable& collectable);

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_METRICS_H_

#include "src/observability/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/text_serializer.h>

#include <utility>

namespace misc::observability {

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

prometheus::MetricFamily ScrapedFamily(std::string name, std::string help,
                                       prometheus::MetricType type,
                                       const std::vector<ScrapedSample>& samples) {
  if (type != prometheus::MetricType::Counter) type = prometheus::MetricType::Gauge;
  prometheus::MetricFamily family{.name = std::move(name), .help = std::move(help), .type = type};
  family.metric.reserve(samples.size());
  for (const ScrapedSample& sample : samples) {
    prometheus::ClientMetric metric;
    for (const auto& [label, value] : sample.labels) metric.label.push_back({label, value});
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = sample.value;
    } else {
      metric.gauge.value = sample.value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

std::string RenderText(const prometheus::Collectable& collectable) {
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

}  // namespace misc::observability

#include "src/observability/server_metrics.h"

#include <prometheus/labels.h>

#include <utility>

#include "src/observability/grpc_names.h"
#include "src/observability/metrics.h"

namespace misc::observability {
namespace {

prometheus::Labels MethodLabels(absl::string_view type, absl::string_view service,
                                absl::string_view method) {
  return {{"grpc_type", std::string(type)},
          {"grpc_service", std::string(service)},
          {"grpc_method", std::string(method)}};
}

}  // namespace

ServerMetricFamilies::ServerMetricFamilies(prometheus::Registry& registry)
    : started(prometheus::BuildCounter()
                  .Name("grpc_server_started_total")
                  .Help("Total number of RPCs started on the server.")
                  .Register(registry)),
      handled(prometheus::BuildCounter()
                  .Name("grpc_server_handled_total")
                  .Help("Total number of RPCs completed on the server, regardless of success or "
                        "failure.")
                  .Register(registry)),
      handling(prometheus::BuildHistogram()
                   .Name("grpc_server_handling_seconds")
                   .Help("Histogram of response latency (seconds) of gRPC that had been "
                         "application-level handled by the server.")
                   .Register(registry)) {}

MethodMetrics::MethodMetrics(const ServerMetricFamilies& families, absl::string_view full_method,
                             grpc::experimental::ServerRpcInfo::Type type)
    : handled_family_(families.handled),
      service_(SplitMethodName(full_method).service),
      method_(SplitMethodName(full_method).method),
      type_(RpcTypeName(type)),
      started_(families.started.Add(MethodLabels(type_, service_, method_))),
      handling_(families.handling.Add(MethodLabels(type_, service_, method_), LatencyBuckets())) {}

void MethodMetrics::Handled(grpc::StatusCode code, double seconds) {
  size_t index = static_cast<size_t>(code);
  if (index >= handled_.size()) index = static_cast<size_t>(grpc::StatusCode::UNKNOWN);
  prometheus::Counter* counter = handled_[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Racing first calls get the same series back from the family.
    prometheus::Labels labels = MethodLabels(type_, service_, method_);
    labels.emplace("grpc_code", PrometheusCodeName(static_cast<grpc::StatusCode>(index)));
    counter = &handled_family_.Add(labels);
    handled_[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  handling_.Observe(seconds);
}

ServerMetrics::ServerMetrics(prometheus::Registry& registry) : families_(registry) {
  auto empty = std::make_unique<const MethodMap>();
  methods_.store(empty.get(), std::memory_order_release);
  absl::MutexLock lock(&mu_);
  maps_.push_back(std::move(empty));
}

MethodMetrics& ServerMetrics::ForMethod(absl::string_view full_method,
                                        grpc::experimental::ServerRpcInfo::Type type) {
  const MethodMap* methods = methods_.load(std::memory_order_acquire);
  if (auto it = methods->find(full_method); it != methods->end()) return *it->second;

  absl::MutexLock lock(&mu_);
  methods = methods_.load(std::memory_order_acquire);
  if (auto it = methods->find(full_method); it != methods->end()) return *it->second;
  metrics_.push_back(std::make_unique<MethodMetrics>(families_, full_method, type));
  auto next = std::make_unique<MethodMap>(*methods);
  next->emplace(full_method, metrics_.back().get());
  methods_.store(next.get(), std::memory_order_release);
  maps_.push_back(std::move(next));
  return *metrics_.back();
}

}  // namespace misc::observability

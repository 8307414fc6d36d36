#include "src/observability/server_metrics.h"

#include "src/observability/grpc_names.h"

namespace misc::observability {
namespace {

constexpr char kStarted[] = "grpc_server_started_total";
constexpr char kStartedHelp[] = "Total number of RPCs started on the server.";
constexpr char kHandled[] = "grpc_server_handled_total";
constexpr char kHandledHelp[] =
    "Total number of RPCs completed on the server, regardless of success or failure.";
constexpr char kHandling[] = "grpc_server_handling_seconds";
constexpr char kHandlingHelp[] =
    "Histogram of response latency (seconds) of gRPC that had been application-level handled "
    "by the server.";

Labels MethodLabels(absl::string_view type, absl::string_view service, absl::string_view method) {
  return {{"grpc_type", std::string(type)},
          {"grpc_service", std::string(service)},
          {"grpc_method", std::string(method)}};
}

}  // namespace

MethodMetrics::MethodMetrics(Registry& registry, absl::string_view full_method,
                             grpc::experimental::ServerRpcInfo::Type type)
    : registry_(registry),
      service_(SplitMethodName(full_method).service),
      method_(SplitMethodName(full_method).method),
      type_(RpcTypeName(type)),
      started_(registry.AddCounter(kStarted, kStartedHelp, MethodLabels(type_, service_, method_))),
      handling_(registry.AddHistogram(kHandling, kHandlingHelp,
                                      MethodLabels(type_, service_, method_), LatencyBuckets())) {}

void MethodMetrics::Handled(grpc::StatusCode code, double seconds) {
  size_t index = static_cast<size_t>(code);
  if (index >= handled_.size()) index = static_cast<size_t>(grpc::StatusCode::UNKNOWN);
  Counter* counter = handled_[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Racing first calls get the same series back from the registry.
    Labels labels = MethodLabels(type_, service_, method_);
    labels.emplace("grpc_code", PrometheusCodeName(static_cast<grpc::StatusCode>(index)));
    counter = &registry_.AddCounter(kHandled, kHandledHelp, labels);
    handled_[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  handling_.Observe(seconds);
}

MethodMetrics& ServerMetrics::ForMethod(absl::string_view full_method,
                                        grpc::experimental::ServerRpcInfo::Type type) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = methods_.find(full_method); it != methods_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = methods_.try_emplace(full_method);
  if (inserted) it->second = std::make_unique<MethodMetrics>(registry_, full_method, type);
  return *it->second;
}

}  // namespace misc::observability

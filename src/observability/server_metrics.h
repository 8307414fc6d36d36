#ifndef MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_
#define MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace misc::observability {

// The go-grpc-prometheus server metric families: grpc_server_started_total,
// grpc_server_handled_total (by grpc_code, spelled as go-grpc-prometheus does: "NotFound") and
// grpc_server_handling_seconds (LatencyBuckets()), each labelled grpc_type, grpc_service and
// grpc_method.
struct ServerMetricFamilies {
  // Registers the families in `registry` (or finds them, when already there).
  explicit ServerMetricFamilies(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& started;
  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& handling;
};

// The series of one method in the ServerMetricFamilies. Thread-safe; counting a call takes no
// lock but the histogram's own, and allocates nothing once the method has seen its code.
class MethodMetrics {
 public:
  // Creates the started and handling-time series of `full_method` ("/pkg.Service/Method").
  MethodMetrics(const ServerMetricFamilies& families, absl::string_view full_method,
                grpc::experimental::ServerRpcInfo::Type type);
  MethodMetrics(const MethodMetrics&) = delete;
  MethodMetrics& operator=(const MethodMetrics&) = delete;

  // Counts a call that started.
  void Started() { started_.Increment(); }

  // Counts a call that finished with `code` and observes how long it took.
  void Handled(grpc::StatusCode code, double seconds);

  // The service part of the method's name, "package.Service".
  const std::string& service() const { return service_; }
  // The method part of the method's name, "Method".
  const std::string& method() const { return method_; }
  // The grpc_type label: "unary", "client_stream", "server_stream" or "bidi_stream".
  const std::string& type() const { return type_; }

 private:
  prometheus::Family<prometheus::Counter>& handled_family_;
  const std::string service_;
  const std::string method_;
  const std::string type_;
  prometheus::Counter& started_;
  prometheus::Histogram& handling_;
  // One counter per status code, resolved on first use.
  std::array<std::atomic<prometheus::Counter*>, 17> handled_{};
};

// The MethodMetrics of every method a server has served, created on each method's first call.
// Thread-safe; finding a method's metrics takes no lock once it exists.
class ServerMetrics {
 public:
  // Records into `registry`, which must outlive this object.
  explicit ServerMetrics(prometheus::Registry& registry);
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // Returns the metrics of `full_method`, creating them on first use. Stays valid for the
  // lifetime of this object.
  MethodMetrics& ForMethod(absl::string_view full_method,
                           grpc::experimental::ServerRpcInfo::Type type);

 private:
  using MethodMap = absl::flat_hash_map<std::string, MethodMetrics*>;

  const ServerMetricFamilies families_;
  // The current map, read without a lock. A new method publishes a copy with it added; maps
  // are never changed once published and live as long as this object (a server has a few
  // dozen methods: unknown ones share one entry).
  std::atomic<const MethodMap*> methods_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<const MethodMap>> maps_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<MethodMetrics>> metrics_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_

#ifndef MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_
#define MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "src/observability/registry.h"

namespace misc::observability {

// The go-grpc-prometheus server metrics of one method: grpc_server_started_total,
// grpc_server_handled_total (by grpc_code, spelled as go-grpc-prometheus does: "NotFound") and
// grpc_server_handling_seconds, each labelled grpc_type, grpc_service and grpc_method. Thread-safe;
// updates take no registry lock once a series exists.
class MethodMetrics {
 public:
  // Creates the started and handling-time series of `full_method` ("/pkg.Service/Method").
  MethodMetrics(Registry& registry, absl::string_view full_method,
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
  Registry& registry_;
  const std::string service_;
  const std::string method_;
  const std::string type_;
  Counter& started_;
  Histogram& handling_;
  // One counter per status code, created on first use.
  std::array<std::atomic<Counter*>, 17> handled_{};
};

// The MethodMetrics of every method a server has served, created on each method's first call.
// Thread-safe.
class ServerMetrics {
 public:
  // Records into `registry`, which must outlive this object.
  explicit ServerMetrics(Registry& registry) : registry_(registry) {}
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // Returns the metrics of `full_method`, creating them on first use. Stays valid for the
  // lifetime of this object.
  MethodMetrics& ForMethod(absl::string_view full_method,
                           grpc::experimental::ServerRpcInfo::Type type);

 private:
  Registry& registry_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_SERVER_METRICS_H_

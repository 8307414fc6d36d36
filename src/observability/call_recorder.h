#ifndef MISC_SRC_OBSERVABILITY_CALL_RECORDER_H_
#define MISC_SRC_OBSERVABILITY_CALL_RECORDER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>
#include <prometheus/registry.h>
#include <spdlog/logger.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "src/observability/server_metrics.h"
#include "src/observability/trace_context.h"

namespace misc::observability {

// Where the calls of one server are recorded: metrics in a registry and, when set, the access
// log. Shared by the server interceptor (health, reflection, methods the server lacks) and by
// the CallRunner that misc's own handlers answer through. Thread-safe.
class CallSinks {
 public:
  // `access_log` receives one JSON line per call (FormatAccessLog); nullptr: no access log.
  CallSinks(prometheus::Registry& registry, std::shared_ptr<spdlog::logger> access_log)
      : metrics_(registry), access_log_(std::move(access_log)) {}

  ServerMetrics& metrics() { return metrics_; }
  spdlog::logger* access_log() const { return access_log_.get(); }

 private:
  ServerMetrics metrics_;
  std::shared_ptr<spdlog::logger> access_log_;
};

// Records one call, from its arrival (construction) to its status (Finish): counts it started
// and handled in its method's metrics, observes how long it took, keeps its W3C trace context
// and writes its access log line. Not thread-safe: one call's hooks never overlap.
class CallRecorder {
 public:
  // `metrics` are the series of the method called; `unknown_path` is the path the caller
  // asked for when the server has no such method (its metrics are the "unknown" ones), and
  // empty otherwise.
  CallRecorder(CallSinks& sinks, MethodMetrics& metrics, std::string unknown_path = "");
  // A call that never finished (gRPC dropped it) still counts as handled, as CANCELLED.
  ~CallRecorder();

  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  // Reads the caller's `traceparent` and whether it sent `authorization`, from the client's
  // metadata of `context`'s call.
  void ReadMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                    const grpc::ServerContextBase& context);

  // Returns the `traceparent` this call answers with: the caller's trace id (or a new one)
  // and this server's span id.
  std::string TraceParentTrailer();

  // Counts the call as handled with `code`, observes its time and writes its access line.
  // Only the first call records.
  void Finish(grpc::StatusCode code);

 private:
  // Sets the call's trace: `incoming`'s trace id, or a new one; and a new span id.
  void StartTrace(std::optional<TraceParent> incoming);

  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  CallSinks& sinks_;
  MethodMetrics& metrics_;
  const std::string unknown_path_;
  TraceParent trace_;  // This call's span: the trace id and our span id.
  std::string peer_;   // Read only when there is an access log.
  bool has_authorization_ = false;
  bool finished_ = false;
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_CALL_RECORDER_H_

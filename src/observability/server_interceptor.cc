#include "src/observability/server_interceptor.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "src/observability/access_log.h"
#include "src/observability/grpc_names.h"
#include "src/observability/server_metrics.h"
#include "src/observability/trace_context.h"

namespace misc::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerRpcInfo;

constexpr char kAuthorizationKey[] = "authorization";
// The metrics name of every method the server does not serve: callers choose those names,
// so one series each would let them grow the registry without bound.
constexpr char kUnknownMethod[] = "/unknown/unknown";
// trace-flags of a trace we start: "sampled", since the access log records every call.
constexpr uint8_t kSampled = 0x01;

// What every call of one server records into.
struct Sinks {
  Sinks(prometheus::Registry& registry, std::shared_ptr<spdlog::logger> logger)
      : metrics(registry), access_log(std::move(logger)) {}

  ServerMetrics metrics;
  std::shared_ptr<spdlog::logger> access_log;
};

absl::string_view View(const grpc::string_ref& text) { return {text.data(), text.size()}; }

// Returns whether `info`'s call is for a method the server has no handler for: gRPC hands
// those to its generic (UNIMPLEMENTED) service, and misc registers no generic service.
bool IsUnregisteredMethod(ServerRpcInfo& info) {
  grpc::ServerContextBase* context = info.server_context();
  return dynamic_cast<grpc::GenericCallbackServerContext*>(context) != nullptr ||
         dynamic_cast<grpc::GenericServerContext*>(context) != nullptr;
}

// Observes one call, from its arrival (construction: gRPC creates interceptors when it
// matches the call to a method) to its status. The two hooks it uses never overlap: the
// client's initial metadata is intercepted before the handler runs, the status after the
// handler finished; gRPC destroys the interceptor with the call, after both.
class CallObserver final : public grpc::experimental::Interceptor {
 public:
  CallObserver(std::shared_ptr<Sinks> sinks, ServerRpcInfo* info)
      : sinks_(std::move(sinks)),
        info_(info),
        unknown_path_(IsUnregisteredMethod(*info) ? info->method() : ""),
        metrics_(sinks_->metrics.ForMethod(unknown_path_.empty() ? info->method() : kUnknownMethod,
                                           info->type())) {
    metrics_.Started();
  }

  // A call gRPC dropped without a status (never seen in practice) still counts as handled.
  ~CallObserver() override { Finish(grpc::StatusCode::CANCELLED); }

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      if (auto* metadata = methods->GetRecvInitialMetadata(); metadata != nullptr) {
        ReadMetadata(*metadata);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      StartTrace(std::nullopt);  // In case no metadata was seen.
      if (auto* trailing = methods->GetSendTrailingMetadata();
          trailing != nullptr && !trailing->contains(kTraceParentKey)) {
        trailing->emplace(kTraceParentKey, FormatTraceParent(trace_));
      }
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void ReadMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
    // A repeated traceparent is ambiguous: start a new trace, as for a malformed one.
    std::optional<TraceParent> incoming;
    if (metadata.count(kTraceParentKey) == 1) {
      incoming = ParseTraceParent(View(metadata.find(kTraceParentKey)->second));
    }
    StartTrace(std::move(incoming));
    has_authorization_ = metadata.find(kAuthorizationKey) != metadata.end();
    peer_ = info_->server_context()->peer();
  }

  // Sets the call's trace: `incoming`'s trace id, or a new one; and a new span id.
  void StartTrace(std::optional<TraceParent> incoming) {
    if (!trace_.trace_id.empty()) return;
    if (incoming.has_value()) {
      trace_.trace_id = std::move(incoming->trace_id);
      trace_.flags = incoming->flags;
    } else {
      trace_.trace_id = NewTraceId();
      trace_.flags = kSampled;
    }
    trace_.span_id = NewSpanId();
  }

  void Finish(grpc::StatusCode code) {
    if (finished_) return;
    finished_ = true;
    const std::chrono::steady_clock::duration elapsed = std::chrono::steady_clock::now() - start_;
    metrics_.Handled(code, std::chrono::duration<double>(elapsed).count());
    if (sinks_->access_log == nullptr) return;
    StartTrace(std::nullopt);
    // The log names the method called, even one the server does not have.
    const MethodName name = unknown_path_.empty()
                                ? MethodName{metrics_.service(), metrics_.method()}
                                : SplitMethodName(unknown_path_);
    const std::string line = FormatAccessLog({
        .time = absl::Now(),
        .service = name.service,
        .method = name.method,
        .grpc_type = metrics_.type(),
        .code = StatusCodeName(code),
        .duration = absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)),
        .peer = peer_,
        .logged_in = has_authorization_ && code != grpc::StatusCode::UNAUTHENTICATED,
        .trace_id = trace_.trace_id,
    });
    sinks_->access_log->log(spdlog::level::info, spdlog::string_view_t(line));
  }

  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  const std::shared_ptr<Sinks> sinks_;
  ServerRpcInfo* const info_;
  // "/package.Service/Method" of a method the server does not have (which its metrics do not
  // name); empty for the others, so a call copies no name.
  const std::string unknown_path_;
  MethodMetrics& metrics_;
  TraceParent trace_;  // This call's span: the trace id and our span id.
  std::string peer_;
  bool has_authorization_ = false;
  bool finished_ = false;
};

class CallObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallObserverFactory(std::shared_ptr<Sinks> sinks) : sinks_(std::move(sinks)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    if (info == nullptr || info->method() == nullptr) return nullptr;
    return new CallObserver(sinks_, info);
  }

 private:
  // Shared with every live call, so a call never outlives what it records into.
  const std::shared_ptr<Sinks> sinks_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeServerInterceptors(prometheus::Registry& registry, InterceptorOptions options) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallObserverFactory>(
      std::make_shared<Sinks>(registry, std::move(options.access_log))));
  return factories;
}

}  // namespace misc::observability

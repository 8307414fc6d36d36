#include "src/observability/server_interceptor.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/string_ref.h>

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "src/observability/grpc_names.h"
#include "src/observability/server_metrics.h"
#include "src/observability/trace_context.h"

namespace misc::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerRpcInfo;

// The metrics name of every method the server does not serve: callers choose those names,
// so one series each would let them grow the registry without bound.
constexpr char kUnknownMethod[] = "/unknown/unknown";

// Returns whether `info`'s call is for a method the server has no handler for: gRPC hands
// those to its generic (UNIMPLEMENTED) service, and misc registers no generic service.
bool IsUnregisteredMethod(ServerRpcInfo& info) {
  grpc::ServerContextBase* context = info.server_context();
  return dynamic_cast<grpc::GenericCallbackServerContext*>(context) != nullptr ||
         dynamic_cast<grpc::GenericServerContext*>(context) != nullptr;
}

// Observes one call, from its arrival (construction: gRPC creates interceptors when it
// matches the call to a method) to its status, through a CallRecorder. The two hooks it uses
// never overlap: the client's initial metadata is intercepted before the handler runs, the
// status after the handler finished; gRPC destroys the interceptor with the call, after both.
class CallObserver final : public grpc::experimental::Interceptor {
 public:
  CallObserver(std::shared_ptr<CallSinks> sinks, ServerRpcInfo* info, bool unregistered)
      : sinks_(std::move(sinks)),
        info_(info),
        recorder_(*sinks_,
                  sinks_->metrics().ForMethod(unregistered ? kUnknownMethod : info->method(),
                                              info->type()),
                  unregistered ? info->method() : "") {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      if (auto* metadata = methods->GetRecvInitialMetadata(); metadata != nullptr) {
        recorder_.ReadMetadata(*metadata, *info_->server_context());
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (auto* trailing = methods->GetSendTrailingMetadata();
          trailing != nullptr && !trailing->contains(kTraceParentKey)) {
        trailing->emplace(kTraceParentKey, recorder_.TraceParentTrailer());
      }
      recorder_.Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  // Shared with every live call, so a call never outlives what it records into.
  const std::shared_ptr<CallSinks> sinks_;
  ServerRpcInfo* const info_;
  CallRecorder recorder_;
};

class CallObserverFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallObserverFactory(std::shared_ptr<CallSinks> sinks,
                      absl::flat_hash_set<std::string> recorded_by_handlers)
      : sinks_(std::move(sinks)), recorded_by_handlers_(std::move(recorded_by_handlers)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    if (info == nullptr || info->method() == nullptr) return nullptr;
    const bool unregistered = IsUnregisteredMethod(*info);
    // No interceptor at all for these: gRPC then skips its interception machinery, which
    // costs each call extra trips through the completion queue (docs/benchmarks.md).
    if (!unregistered && recorded_by_handlers_.contains(SplitMethodName(info->method()).service)) {
      return nullptr;
    }
    return new CallObserver(sinks_, info, unregistered);
  }

 private:
  // Shared with every live call, so a call never outlives what it records into.
  const std::shared_ptr<CallSinks> sinks_;
  const absl::flat_hash_set<std::string> recorded_by_handlers_;
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeServerInterceptors(std::shared_ptr<CallSinks> sinks,
                       absl::flat_hash_set<std::string> recorded_by_handlers) {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(
      std::make_unique<CallObserverFactory>(std::move(sinks), std::move(recorded_by_handlers)));
  return factories;
}

}  // namespace misc::observability

#include "src/server/metadata_limit_interceptor.h"

#include <grpcpp/server_context.h>
#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/status.h>

#include <utility>

#include "absl/status/status.h"
#include "src/observability/grpc_names.h"
#include "src/server/metadata_limit.h"
#include "src/status/grpc_status.h"

namespace misc::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;
using grpc::experimental::ServerRpcInfo;

// Refuses one call whose request metadata is past the limit. The metadata arrives before the
// handler runs, and the status is sent after it returned: the two hooks never overlap.
class MetadataLimit final : public grpc::experimental::Interceptor {
 public:
  explicit MetadataLimit(ServerRpcInfo* info) : info_(info) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      if (auto* metadata = methods->GetRecvInitialMetadata(); metadata != nullptr) {
        refusal_ = CheckHeaderListSize(*metadata);
        if (!refusal_.ok()) {
          metadata->clear();  // Nothing of it reaches the handler.
          // A stream may never end by itself; a unary call gets its precise status below.
          if (info_->type() != ServerRpcInfo::Type::UNARY) info_->server_context()->TryCancel();
        }
      }
    }
    if (!refusal_.ok() &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->ModifySendStatus(status::ToGrpcStatus(refusal_));
    }
    methods->Proceed();
  }

 private:
  ServerRpcInfo* const info_;
  absl::Status refusal_;
};

class MetadataLimitFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetadataLimitFactory(absl::flat_hash_set<std::string> checked_by_handlers)
      : checked_by_handlers_(std::move(checked_by_handlers)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    if (info == nullptr || info->method() == nullptr) return nullptr;
    if (checked_by_handlers_.contains(observability::SplitMethodName(info->method()).service)) {
      return nullptr;
    }
    return new MetadataLimit(info);
  }

 private:
  const absl::flat_hash_set<std::string> checked_by_handlers_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeMetadataLimitInterceptorFactory(absl::flat_hash_set<std::string> checked_by_handlers) {
  return std::make_unique<MetadataLimitFactory>(std::move(checked_by_handlers));
}

}  // namespace misc::server

#include "bench/loadgen/caller.h"

#include <grpc/support/time.h>
#include <grpcpp/client_context.h>

#include <utility>

#include "absl/random/distributions.h"

namespace misc::loadgen {
namespace {

// Everything one call owns until it finishes. gRPC's callback takes a copyable
// std::function, so the move-only parts live here and the callback holds only a pointer.
struct PendingCall {
  grpc::ClientContext context;
  std::unique_ptr<google::protobuf::Message> request;
  std::unique_ptr<google::protobuf::Message> response;
  absl::string_view method_name;
  Caller::Done done;
};

}  // namespace

void Caller::Call(const Method& method, std::unique_ptr<google::protobuf::Message> request,
                  Auth auth, Done done) {
  auto* call = new PendingCall{.request = std::move(request),
                               .response = method.new_response(),
                               .method_name = method.name(),
                               .done = std::move(done)};
  // On the monotonic clock: a wall clock step must not expire or stretch the calls.
  call->context.set_deadline(gpr_time_add(
      gpr_now(GPR_CLOCK_MONOTONIC),
      gpr_time_from_nanos(absl::ToInt64Nanoseconds(settings_->deadline), GPR_TIMESPAN)));
  if (auth == Auth::kLoggedIn && !settings_->authorizations.empty()) {
    const auto& tokens = settings_->authorizations;
    call->context.AddMetadata("authorization",
                              tokens[absl::Uniform<size_t>(random_, 0, tokens.size())]);
  }
  stub_->UnaryCall(&call->context, method.path, grpc::StubOptions(), call->request.get(),
                   call->response.get(), [this, call](const grpc::Status& status) {
                     if (window_->Contains(Clock::now())) {
                       recorder_->RecordCall(call->method_name, status.error_code());
                     }
                     call->done(status, *call->response);
                     delete call;
                   });
}

}  // namespace misc::loadgen

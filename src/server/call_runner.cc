#include "src/server/call_runner.h"

#include <algorithm>
#include <utility>

#include "src/status/grpc_status.h"

namespace misc::server {
namespace {

// The reactor of a call served on the blocking executor: forwards the caller's cancellation
// to the running query and deletes itself when gRPC is done with the call.
class BlockingCallReactor final : public grpc::ServerUnaryReactor {
 public:
  db::QueryCanceller& canceller() { return canceller_; }

  void OnCancel() override { canceller_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  db::QueryCanceller canceller_;
};

}  // namespace

grpc::ServerUnaryReactor* CallRunner::Finish(grpc::CallbackServerContext* context,
                                             const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* CallRunner::Run(
    grpc::CallbackServerContext* context,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work) {
  auto* reactor = new BlockingCallReactor();
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()), absl::Now() + max_call_timeout_);
  const bool queued =
      executor_.Submit([context, reactor, deadline, work = std::move(work)]() mutable {
        absl::Status status;
        if (context->IsCancelled()) {
          status = absl::CancelledError("call cancelled before it was served");
        } else if (absl::Now() >= deadline) {
          status = absl::DeadlineExceededError("deadline exceeded before the call was served");
        } else {
          status = std::move(work)(CallContext{deadline, &reactor->canceller()});
        }
        reactor->Finish(status::ToGrpcStatus(status));
      });
  if (!queued) {
    reactor->Finish(status::ToGrpcStatus(absl::UnavailableError("server overloaded, retry later")));
  }
  return reactor;
}

}  // namespace misc::server

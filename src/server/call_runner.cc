#include "src/server/call_runner.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "src/auth/viewer_from_metadata.h"
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

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status::ToGrpcStatus(status));
  return reactor;
}

}  // namespace

absl::StatusOr<auth::Viewer> CallRunner::Authenticate(grpc::CallbackServerContext* context) const {
  return auth::ViewerFromMetadata(verifier_, context->client_metadata(), absl::Now());
}

absl::Time CallRunner::DeadlineOf(grpc::CallbackServerContext* context) const {
  return std::min(absl::FromChrono(context->deadline()), absl::Now() + max_call_timeout_);
}

grpc::ServerUnaryReactor* CallRunner::Finish(grpc::CallbackServerContext* context,
                                             const absl::Status& status) {
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  return FinishWith(context, viewer.ok() ? status : viewer.status());
}

grpc::ServerUnaryReactor* CallRunner::Serve(
    grpc::CallbackServerContext* context,
    absl::FunctionRef<absl::Status(const CallContext&)> answer) {
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, viewer.status());
  return FinishWith(context,
                    answer(CallContext{.viewer = *viewer, .deadline = DeadlineOf(context)}));
}

grpc::ServerUnaryReactor* CallRunner::ServeOrRun(
    grpc::CallbackServerContext* context,
    absl::FunctionRef<std::optional<absl::Status>(const CallContext&)> answer,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work) {
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, viewer.status());
  std::optional<absl::Status> answered =
      answer(CallContext{.viewer = *viewer, .deadline = DeadlineOf(context)});
  if (answered.has_value()) return FinishWith(context, *answered);
  return RunAs(context, *viewer, std::move(work));
}

grpc::ServerUnaryReactor* CallRunner::Run(
    grpc::CallbackServerContext* context,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work) {
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, viewer.status());
  return RunAs(context, *viewer, std::move(work));
}

grpc::ServerUnaryReactor* CallRunner::RunAs(
    grpc::CallbackServerContext* context, const auth::Viewer& viewer,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work) {
  auto* reactor = new BlockingCallReactor();
  const absl::Time deadline = DeadlineOf(context);
  const bool queued =
      executor_.Submit([context, reactor, deadline, viewer, work = std::move(work)]() mutable {
        absl::Status status;
        if (context->IsCancelled()) {
          status = absl::CancelledError("call cancelled before it was served");
        } else if (absl::Now() >= deadline) {
          status = absl::DeadlineExceededError("deadline exceeded before the call was served");
        } else {
          status = std::move(work)(CallContext{
              .viewer = viewer, .deadline = deadline, .canceller = &reactor->canceller()});
        }
        reactor->Finish(status::ToGrpcStatus(status));
      });
  if (!queued) {
    reactor->Finish(status::ToGrpcStatus(absl::UnavailableError("server overloaded, retry later")));
  }
  return reactor;
}

}  // namespace misc::server

#ifndef MISC_SRC_SERVER_CALL_RUNNER_H_
#define MISC_SRC_SERVER_CALL_RUNNER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/auth/jwt_verifier.h"
#include "src/auth/viewer.h"
#include "src/db/pool.h"
#include "src/server/blocking_executor.h"

namespace misc::server {

// What the work of one call knows about the call.
struct CallContext {
  // Who is asking: verified from the `authorization` metadata, or anonymous.
  auth::Viewer viewer = auth::Viewer::Anonymous();
  // When the answer is due: the caller's deadline, capped by --max_call_timeout.
  absl::Time deadline = absl::InfiniteFuture();
  // Stops the call's query when the caller cancels; nullptr for answers from memory.
  db::QueryCanceller* canceller = nullptr;

  // Returns the bounds to hand to the store for this call's database reads.
  db::ReadBounds read_bounds() const { return {deadline, canceller}; }
};

// The one way a handler answers a unary call. Every path first establishes who is calling:
// a present but invalid token fails the call with UNAUTHENTICATED before anything else runs,
// so no handler can serve a bad token as anonymous.
class CallRunner {
 public:
  // `verifier` may be nullptr: then every token is UNAUTHENTICATED and only anonymous calls
  // are served.
  CallRunner(BlockingExecutor& executor, absl::Duration max_call_timeout,
             const auth::JwtVerifier* verifier)
      : executor_(executor), max_call_timeout_(max_call_timeout), verifier_(verifier) {}

  // Queues blocking `work` (database reads) on the executor and finishes the call with the
  // status it returns (the response must be filled by then). A caller's cancellation
  // cancels the running query. Fails the call with UNAVAILABLE when the executor's queue is
  // full, and with DEADLINE_EXCEEDED or CANCELLED without running `work` when the call is
  // already over by the time a worker picks it up. Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                absl::AnyInvocable<absl::Status(const CallContext&) &&> work);

  // Runs non-blocking `answer` (from memory) right away on the calling thread and finishes
  // the call with its status. Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  absl::FunctionRef<absl::Status(const CallContext&)> answer);

  // Answers from memory when it can, else like Run: runs non-blocking `answer` on the calling
  // thread; when it returns a status the call finishes with it, and when it returns nullopt
  // (not in memory, say a cache miss) blocking `work` is queued as Run does. Returns the
  // reactor the handler returns.
  grpc::ServerUnaryReactor* ServeOrRun(
      grpc::CallbackServerContext* context,
      absl::FunctionRef<std::optional<absl::Status>(const CallContext&)> answer,
      absl::AnyInvocable<absl::Status(const CallContext&) &&> work);

  // Finishes the call with `status`, e.g. a rejected request (UNAUTHENTICATED wins over it
  // when the token is bad). Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const absl::Status& status);

 private:
  // Returns the viewer of the call, or UNAUTHENTICATED.
  absl::StatusOr<auth::Viewer> Authenticate(grpc::CallbackServerContext* context) const;
  absl::Time DeadlineOf(grpc::CallbackServerContext* context) const;
  // Run, for a call whose viewer is already known.
  grpc::ServerUnaryReactor* RunAs(grpc::CallbackServerContext* context, const auth::Viewer& viewer,
                                  absl::AnyInvocable<absl::Status(const CallContext&) &&> work);

  BlockingExecutor& executor_;
  const absl::Duration max_call_timeout_;
  const auth::JwtVerifier* const verifier_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_CALL_RUNNER_H_

#ifndef MISC_SRC_SERVER_CALL_RUNNER_H_
#define MISC_SRC_SERVER_CALL_RUNNER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "src/db/pool.h"
#include "src/server/blocking_executor.h"

namespace misc::server {

// What the work of one call knows about the call.
struct CallContext {
  // When the answer is due: the caller's deadline, capped by --max_call_timeout.
  absl::Time deadline;
  // Stops the call's query when the caller cancels.
  db::QueryCanceller* canceller = nullptr;

  // Returns the bounds to hand to the store for this call's database reads.
  db::ReadBounds read_bounds() const { return {deadline, canceller}; }
};

// Runs the blocking part of unary calls off gRPC's callback threads and finishes them.
class CallRunner {
 public:
  CallRunner(BlockingExecutor& executor, absl::Duration max_call_timeout)
      : executor_(executor), max_call_timeout_(max_call_timeout) {}

  // Queues `work` on the blocking executor and finishes the call with the status it
  // returns (the response must be filled by then). A caller's cancellation cancels the
  // running query. Fails the call with UNAVAILABLE when the
  // executor's queue is full, and with DEADLINE_EXCEEDED or CANCELLED without running `work`
  // when the call is already over by the time a worker picks it up. Returns the reactor the
  // callback handler must return.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                absl::AnyInvocable<absl::Status(const CallContext&) &&> work);

  // Finishes the call at once with `status`; for answers that need no blocking work, such as
  // a rejected request or an answer from memory. Returns the reactor to return.
  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                          const absl::Status& status);

 private:
  BlockingExecutor& executor_;
  const absl::Duration max_call_timeout_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_CALL_RUNNER_H_

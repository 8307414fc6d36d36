#ifndef MISC_SRC_SERVER_CALL_RUNNER_H_
#define MISC_SRC_SERVER_CALL_RUNNER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/auth/jwt_verifier.h"
#include "src/auth/viewer.h"
#include "src/db/pool.h"
#include "src/observability/call_recorder.h"
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
//
// A runner bound to a service (ForService) also records every call it answers, as the
// server's interceptor does for the rest (src/observability/server_interceptor.h): metrics,
// the W3C `traceparent` trailer and the access log line. Recording here instead of in an
// interceptor spares each call gRPC's interception machinery (docs/benchmarks.md). The
// method is named by the handler that calls the runner: its function name, which gRPC's
// generated code makes the RPC's name, so every call must come from the handler itself.
class CallRunner {
 public:
  // `verifier` may be nullptr: then every token is UNAUTHENTICATED and only anonymous calls
  // are served. `sinks` may be nullptr: then nothing is recorded.
  CallRunner(BlockingExecutor& executor, absl::Duration max_call_timeout,
             const auth::JwtVerifier* verifier,
             std::shared_ptr<observability::CallSinks> sinks = nullptr);

  // Returns a runner for the handlers of `service` ("package.Service"), which records their
  // calls under that service's name (when this runner has sinks).
  CallRunner ForService(absl::string_view service) const;

  // The services bound with ForService so far: the server leaves them out of its interceptor.
  absl::flat_hash_set<std::string> RecordedServices() const;

  // Queues blocking `work` (database reads) on the executor and finishes the call with the
  // status it returns (the response must be filled by then). A caller's cancellation
  // cancels the running query. Fails the call with UNAVAILABLE when the executor's queue is
  // full, and with DEADLINE_EXCEEDED or CANCELLED without running `work` when the call is
  // already over by the time a worker picks it up. Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                absl::AnyInvocable<absl::Status(const CallContext&) &&> work,
                                const char* method = __builtin_FUNCTION());

  // Runs non-blocking `answer` (from memory) right away on the calling thread and finishes
  // the call with its status. Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  absl::FunctionRef<absl::Status(const CallContext&)> answer,
                                  const char* method = __builtin_FUNCTION());

  // Answers from memory when it can, else like Run: runs non-blocking `answer` on the calling
  // thread; when it returns a status the call finishes with it, and when it returns nullopt
  // (not in memory, say a cache miss) blocking `work` is queued as Run does. Returns the
  // reactor the handler returns.
  grpc::ServerUnaryReactor* ServeOrRun(
      grpc::CallbackServerContext* context,
      absl::FunctionRef<std::optional<absl::Status>(const CallContext&)> answer,
      absl::AnyInvocable<absl::Status(const CallContext&) &&> work,
      const char* method = __builtin_FUNCTION());

  // Finishes the call with `status`, e.g. a rejected request (UNAUTHENTICATED wins over it
  // when the token is bad). Returns the reactor the handler returns.
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context, const absl::Status& status,
                                   const char* method = __builtin_FUNCTION());

 private:
  struct Recording;
  struct BoundService;
  using Recorder = std::unique_ptr<observability::CallRecorder>;

  // Starts recording the call to `method` (a handler's name) of the bound service; nullptr
  // when this runner records nothing.
  Recorder StartRecording(grpc::CallbackServerContext* context, const char* method) const;
  // Returns who is calling; RESOURCE_EXHAUSTED when the request metadata is past the header
  // list limit (CheckHeaderListSize), before any of it is read; or UNAUTHENTICATED.
  absl::StatusOr<auth::Viewer> Authenticate(grpc::CallbackServerContext* context) const;
  absl::Time DeadlineOf(grpc::CallbackServerContext* context) const;
  // Run, for a call whose viewer is already known.
  grpc::ServerUnaryReactor* RunAs(grpc::CallbackServerContext* context, const auth::Viewer& viewer,
                                  absl::AnyInvocable<absl::Status(const CallContext&) &&> work,
                                  Recorder recorder);

  BlockingExecutor& executor_;
  absl::Duration max_call_timeout_;
  const auth::JwtVerifier* verifier_;
  // Shared by this runner and every one ForService made from it.
  std::shared_ptr<Recording> recording_;
  // The service this runner records under; nullptr until ForService.
  std::shared_ptr<BoundService> service_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_CALL_RUNNER_H_

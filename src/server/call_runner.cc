#include "src/server/call_runner.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "src/auth/viewer_from_metadata.h"
#include "src/observability/trace_context.h"
#include "src/server/metadata_limit.h"
#include "src/status/grpc_status.h"

namespace misc::server {

struct CallRunner::Recording {
  explicit Recording(std::shared_ptr<observability::CallSinks> call_sinks)
      : sinks(std::move(call_sinks)) {}

  const std::shared_ptr<observability::CallSinks> sinks;
  mutable absl::Mutex mu;
  absl::flat_hash_set<std::string> services ABSL_GUARDED_BY(mu);
};

struct CallRunner::BoundService {
  explicit BoundService(absl::string_view service_name) : name(service_name) {}

  // Returns the metrics of `method` (a handler's name, a static string) of this service.
  observability::MethodMetrics& MetricsOf(observability::CallSinks& sinks, const char* method) {
    {
      // Every call but a handler's first finds its metrics: concurrent calls share the lock.
      absl::ReaderMutexLock lock(&mu);
      if (auto it = by_handler.find(method); it != by_handler.end()) return *it->second;
    }
    absl::MutexLock lock(&mu);
    auto [it, inserted] = by_handler.try_emplace(method, nullptr);
    if (inserted) {
      it->second = &sinks.metrics().ForMethod(absl::StrCat("/", name, "/", method),
                                              grpc::experimental::ServerRpcInfo::Type::UNARY);
    }
    return *it->second;
  }

  const std::string name;
  absl::Mutex mu;
  // Keyed by the handler name's address: __builtin_FUNCTION() gives each handler one string.
  absl::flat_hash_map<const char*, observability::MethodMetrics*> by_handler ABSL_GUARDED_BY(mu);
};

namespace {

using Recorder = std::unique_ptr<observability::CallRecorder>;

// Finishes `reactor`'s call with `status`, recording it first when `recorder` is set: the
// trace context goes back in the `traceparent` trailer, as the interceptor sends it.
void Complete(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              observability::CallRecorder* recorder, const absl::Status& status) {
  grpc::Status answer = status::ToGrpcStatus(status);
  if (recorder != nullptr) {
    context->AddTrailingMetadata(observability::kTraceParentKey, recorder->TraceParentTrailer());
    recorder->Finish(answer.error_code());
  }
  reactor->Finish(std::move(answer));
}

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context, const Recorder& recorder,
                                     const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Complete(context, reactor, recorder.get(), status);
  return reactor;
}

// The reactor of a call served on the blocking executor: forwards the caller's cancellation
// to the running query, keeps the call's recorder, and deletes itself when gRPC is done with
// the call.
class BlockingCallReactor final : public grpc::ServerUnaryReactor {
 public:
  BlockingCallReactor(grpc::CallbackServerContext* context, Recorder recorder)
      : context_(context), recorder_(std::move(recorder)) {}

  db::QueryCanceller& canceller() { return canceller_; }

  // Finishes the call with `status`.
  void Complete(const absl::Status& status) {
    server::Complete(context_, this, recorder_.get(), status);
  }

  void OnCancel() override { canceller_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* const context_;
  const Recorder recorder_;
  db::QueryCanceller canceller_;
};

}  // namespace

CallRunner::CallRunner(BlockingExecutor& executor, absl::Duration max_call_timeout,
                       const auth::JwtVerifier* verifier,
                       std::shared_ptr<observability::CallSinks> sinks)
    : executor_(executor),
      max_call_timeout_(max_call_timeout),
      verifier_(verifier),
      recording_(sinks == nullptr ? nullptr : std::make_shared<Recording>(std::move(sinks))) {}

CallRunner CallRunner::ForService(absl::string_view service) const {
  CallRunner bound = *this;
  if (recording_ != nullptr) {
    absl::MutexLock lock(&recording_->mu);
    recording_->services.emplace(service);
    bound.service_ = std::make_shared<BoundService>(service);
  }
  return bound;
}

absl::flat_hash_set<std::string> CallRunner::RecordedServices() const {
  if (recording_ == nullptr) return {};
  absl::MutexLock lock(&recording_->mu);
  return recording_->services;
}

CallRunner::Recorder CallRunner::StartRecording(grpc::CallbackServerContext* context,
                                                const char* method) const {
  if (service_ == nullptr) return nullptr;
  auto recorder = std::make_unique<observability::CallRecorder>(
      *recording_->sinks, service_->MetricsOf(*recording_->sinks, method));
  recorder->ReadMetadata(context->client_metadata(), *context);
  return recorder;
}

absl::StatusOr<auth::Viewer> CallRunner::Authenticate(grpc::CallbackServerContext* context) const {
  if (absl::Status size = CheckHeaderListSize(context->client_metadata()); !size.ok()) return size;
  return auth::ViewerFromMetadata(verifier_, context->client_metadata(), absl::Now());
}

absl::Time CallRunner::DeadlineOf(grpc::CallbackServerContext* context) const {
  return std::min(absl::FromChrono(context->deadline()), absl::Now() + max_call_timeout_);
}

grpc::ServerUnaryReactor* CallRunner::Finish(grpc::CallbackServerContext* context,
                                             const absl::Status& status, const char* method) {
  const Recorder recorder = StartRecording(context, method);
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  return FinishWith(context, recorder, viewer.ok() ? status : viewer.status());
}

grpc::ServerUnaryReactor* CallRunner::Serve(
    grpc::CallbackServerContext* context,
    absl::FunctionRef<absl::Status(const CallContext&)> answer, const char* method) {
  const Recorder recorder = StartRecording(context, method);
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, recorder, viewer.status());
  return FinishWith(context, recorder,
                    answer(CallContext{.viewer = *viewer, .deadline = DeadlineOf(context)}));
}

grpc::ServerUnaryReactor* CallRunner::ServeOrRun(
    grpc::CallbackServerContext* context,
    absl::FunctionRef<std::optional<absl::Status>(const CallContext&)> answer,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work, const char* method) {
  Recorder recorder = StartRecording(context, method);
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, recorder, viewer.status());
  std::optional<absl::Status> answered =
      answer(CallContext{.viewer = *viewer, .deadline = DeadlineOf(context)});
  if (answered.has_value()) return FinishWith(context, recorder, *answered);
  return RunAs(context, *viewer, std::move(work), std::move(recorder));
}

grpc::ServerUnaryReactor* CallRunner::Run(
    grpc::CallbackServerContext* context,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work, const char* method) {
  Recorder recorder = StartRecording(context, method);
  absl::StatusOr<auth::Viewer> viewer = Authenticate(context);
  if (!viewer.ok()) return FinishWith(context, recorder, viewer.status());
  return RunAs(context, *viewer, std::move(work), std::move(recorder));
}

grpc::ServerUnaryReactor* CallRunner::RunAs(
    grpc::CallbackServerContext* context, const auth::Viewer& viewer,
    absl::AnyInvocable<absl::Status(const CallContext&) &&> work, Recorder recorder) {
  auto* reactor = new BlockingCallReactor(context, std::move(recorder));
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
        reactor->Complete(status);
      });
  if (!queued) reactor->Complete(absl::UnavailableError("server overloaded, retry later"));
  return reactor;
}

}  // namespace misc::server

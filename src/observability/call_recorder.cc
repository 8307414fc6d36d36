#include "src/observability/call_recorder.h"

#include <iterator>
#include <optional>
#include <utility>

#include "absl/time/clock.h"
#include "src/observability/access_log.h"
#include "src/observability/grpc_names.h"

namespace misc::observability {
namespace {

constexpr char kAuthorizationKey[] = "authorization";
// trace-flags of a trace we start: "sampled", since the access log records every call.
constexpr uint8_t kSampled = 0x01;

absl::string_view View(const grpc::string_ref& text) { return {text.data(), text.size()}; }

}  // namespace

CallRecorder::CallRecorder(CallSinks& sinks, MethodMetrics& metrics, std::string unknown_path)
    : sinks_(sinks), metrics_(metrics), unknown_path_(std::move(unknown_path)) {
  metrics_.Started();
}

CallRecorder::~CallRecorder() { Finish(grpc::StatusCode::CANCELLED); }

void CallRecorder::ReadMetadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                                const grpc::ServerContextBase& context) {
  // A repeated traceparent is ambiguous: start a new trace, as for a malformed one.
  std::optional<TraceParent> incoming;
  const auto [first, last] = metadata.equal_range(kTraceParentKey);
  if (first != last && std::next(first) == last) incoming = ParseTraceParent(View(first->second));
  StartTrace(std::move(incoming));
  has_authorization_ = metadata.find(kAuthorizationKey) != metadata.end();
  // Only the access log prints the peer; reading it builds a string.
  if (sinks_.access_log() != nullptr) peer_ = context.peer();
}

std::string CallRecorder::TraceParentTrailer() {
  StartTrace(std::nullopt);  // In case no metadata was seen.
  return FormatTraceParent(trace_);
}

void CallRecorder::StartTrace(std::optional<TraceParent> incoming) {
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

void CallRecorder::Finish(grpc::StatusCode code) {
  if (finished_) return;
  finished_ = true;
  const std::chrono::steady_clock::duration elapsed = std::chrono::steady_clock::now() - start_;
  metrics_.Handled(code, std::chrono::duration<double>(elapsed).count());
  spdlog::logger* access_log = sinks_.access_log();
  if (access_log == nullptr) return;
  StartTrace(std::nullopt);
  // The log names the method called, even one the server does not have.
  const MethodName name = unknown_path_.empty() ? MethodName{metrics_.service(), metrics_.method()}
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
  access_log->log(spdlog::level::info, spdlog::string_view_t(line));
}

}  // namespace misc::observability

// Cost of what the server interceptor does for every call (src/observability): finding the
// method's metrics, counting the call and observing its latency, the W3C trace context, and
// formatting the JSON access-log line, and handing it to the access logger (its buffered
// sink, with stderr sent to /dev/null while the benchmark runs).
// Run: bench/micro/run.sh observability_benchmark
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/observability/access_log.h"
#include "src/observability/grpc_names.h"
#include "src/observability/server_metrics.h"
#include "src/observability/trace_context.h"

namespace misc::bench {
namespace {

using grpc::experimental::ServerRpcInfo;

constexpr char kMethod[] = "/misc.restaurant.v1.RestaurantService/ListRestaurants";
constexpr char kTraceParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// The metrics of a server that has already served its methods: the steady state.
struct MetricsFixture {
  prometheus::Registry registry;
  observability::ServerMetrics metrics{registry};

  MetricsFixture() {
    for (const char* method :
         {"/misc.restaurant.v1.RestaurantService/GetRestaurant",
          "/misc.restaurant.v1.RestaurantService/BatchGetRestaurants", kMethod,
          "/misc.review.v1.ReviewService/ListReviews", "/misc.review.v1.ReviewService/GetReview",
          "/misc.area.v1.AreaService/ListAreas", "/grpc.health.v1.Health/Check"}) {
      metrics.ForMethod(method, ServerRpcInfo::Type::UNARY).Handled(grpc::StatusCode::OK, 0.001);
    }
  }
};

// The lookup every call makes when it arrives: an atomic load and a hash of the method name.
void BM_MetricsForMethod(benchmark::State& state) {
  MetricsFixture fixture;
  for (auto _ : state) {
    observability::MethodMetrics* method =
        &fixture.metrics.ForMethod(kMethod, ServerRpcInfo::Type::UNARY);
    benchmark::DoNotOptimize(method);
  }
}
BENCHMARK(BM_MetricsForMethod);

// Counting one call: started, handled with its code, latency observed in the histogram.
void BM_MetricsStartedAndHandled(benchmark::State& state) {
  MetricsFixture fixture;
  observability::MethodMetrics& method =
      fixture.metrics.ForMethod(kMethod, ServerRpcInfo::Type::UNARY);
  for (auto _ : state) {
    method.Started();
    method.Handled(grpc::StatusCode::OK, 0.0042);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsStartedAndHandled);

// A call without a traceparent: a new trace id and span id.
void BM_NewTraceAndSpanIds(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(observability::NewTraceId());
    benchmark::DoNotOptimize(observability::NewSpanId());
  }
}
BENCHMARK(BM_NewTraceAndSpanIds);

// A call with a traceparent: parsed, plus our new span id.
void BM_ParseTraceParent(benchmark::State& state) {
  for (auto _ : state) {
    std::optional<observability::TraceParent> parent =
        observability::ParseTraceParent(kTraceParent);
    if (!parent.has_value()) state.SkipWithError("traceparent rejected");
    benchmark::DoNotOptimize(parent);
  }
}
BENCHMARK(BM_ParseTraceParent);

// The traceparent trailer every call sends back.
void BM_FormatTraceParent(benchmark::State& state) {
  const observability::TraceParent parent = *observability::ParseTraceParent(kTraceParent);
  for (auto _ : state) benchmark::DoNotOptimize(observability::FormatTraceParent(parent));
}
BENCHMARK(BM_FormatTraceParent);

// The access-log record of one successful logged-in call to kMethod at `time`.
observability::AccessLogRecord SampleCall(absl::Time time, const std::string& trace_id) {
  const observability::MethodName name = observability::SplitMethodName(kMethod);
  return {
      .time = time,
      .service = name.service,
      .method = name.method,
      .grpc_type = "unary",
      .code = observability::StatusCodeName(grpc::StatusCode::OK),
      .duration = absl::Microseconds(4210),
      .peer = "ipv4:10.12.34.56:53412",
      .logged_in = true,
      .trace_id = trace_id,
  };
}

// The access-log line of one call, names split from the full method as the interceptor does.
void BM_FormatAccessLog(benchmark::State& state) {
  const absl::Time now = absl::Now();
  const std::string trace_id = observability::NewTraceId();
  for (auto _ : state) {
    std::string line = observability::FormatAccessLog(SampleCall(now, trace_id));
    benchmark::DoNotOptimize(line);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatAccessLog);

// The same line handed to the access logger as the server makes it (lines collected in memory
// and written once a second), stderr pointing at /dev/null: what a call pays for its line.
void BM_WriteAccessLogLine(benchmark::State& state) {
  const int saved_stderr = ::dup(STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ::dup2(null_fd, STDERR_FILENO);
  {
    const std::shared_ptr<spdlog::logger> logger =
        observability::MakeAccessLogger(absl::Seconds(1));
    const std::string trace_id = observability::NewTraceId();
    for (auto _ : state) {
      const std::string line = observability::FormatAccessLog(SampleCall(absl::Now(), trace_id));
      logger->log(spdlog::level::info, spdlog::string_view_t(line));
    }
  }
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ::close(null_fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteAccessLogLine);

}  // namespace
}  // namespace misc::bench

BENCHMARK_MAIN();

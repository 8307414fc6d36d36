// Cost of the errors a call returns: building an INVALID_ARGUMENT with field violations or a
// NOT_FOUND (src/status/errors.h), and converting any absl::Status to the grpc::Status the
// caller sees, with its google.rpc.Status details (src/status/grpc_status.h).
// Run: bench/micro/run.sh status_benchmark
#include <benchmark/benchmark.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "src/status/errors.h"
#include "src/status/grpc_status.h"

namespace misc::bench {
namespace {

// A request with `count` bad fields, as the list handlers report them.
absl::Status FieldErrorsStatus(int count) {
  status::FieldErrors errors;
  if (count > 0) errors.Add("area_id", "must be 0 (any) or positive");
  if (count > 1) errors.Add("genre_id", "must be 0 (any) or positive");
  if (count > 2) errors.Add("page_size", "must not be negative");
  return errors.ToStatus();
}

// Building the status of a request with Arg bad fields (1 or 3).
void BM_FieldErrorsToStatus(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(FieldErrorsStatus(count));
}
BENCHMARK(BM_FieldErrorsToStatus)->ArgName("fields")->Arg(1)->Arg(3);

void BM_NotFound(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(status::NotFound("restaurant", "123456"));
}
BENCHMARK(BM_NotFound);

// The conversion alone, of a status built once.
void RunToGrpcStatus(benchmark::State& state, const absl::Status& status) {
  for (auto _ : state) {
    grpc::Status converted = status::ToGrpcStatus(status);
    benchmark::DoNotOptimize(converted);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ToGrpcStatusOk(benchmark::State& state) { RunToGrpcStatus(state, absl::OkStatus()); }
BENCHMARK(BM_ToGrpcStatusOk);

// INVALID_ARGUMENT with Arg field violations in a google.rpc.BadRequest detail.
void BM_ToGrpcStatusFieldErrors(benchmark::State& state) {
  RunToGrpcStatus(state, FieldErrorsStatus(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_ToGrpcStatusFieldErrors)->ArgName("fields")->Arg(1)->Arg(3);

// NOT_FOUND with a google.rpc.ResourceInfo detail.
void BM_ToGrpcStatusNotFound(benchmark::State& state) {
  RunToGrpcStatus(state, status::NotFound("restaurant", "123456"));
}
BENCHMARK(BM_ToGrpcStatusNotFound);

// INTERNAL without payload: the message is replaced, no details are serialized.
void BM_ToGrpcStatusInternal(benchmark::State& state) {
  RunToGrpcStatus(state, absl::InternalError("pqxx: connection to server lost"));
}
BENCHMARK(BM_ToGrpcStatusInternal);

// A rejected request end to end: one field violation built and converted, as GetRestaurant
// answers restaurant_id 0.
void BM_InvalidFieldToGrpcStatus(benchmark::State& state) {
  for (auto _ : state) {
    grpc::Status converted =
        status::ToGrpcStatus(status::InvalidField("restaurant_id", "must be positive"));
    benchmark::DoNotOptimize(converted);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InvalidFieldToGrpcStatus);

}  // namespace
}  // namespace misc::bench

BENCHMARK_MAIN();

#include "bench/loadgen/run_stats.h"

#include <array>

namespace misc::loadgen {
namespace {

// Indexed by the numeric code, as the gRPC spec numbers them.
constexpr std::array<absl::string_view, 17> kCodeNames = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

}  // namespace

absl::string_view StatusCodeName(grpc::StatusCode code) {
  const int index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(kCodeNames.size())) return "UNKNOWN";
  return kCodeNames[index];
}

bool ParseStatusCodeName(absl::string_view name, grpc::StatusCode* code) {
  for (size_t i = 0; i < kCodeNames.size(); ++i) {
    if (kCodeNames[i] == name) {
      *code = static_cast<grpc::StatusCode>(i);
      return true;
    }
  }
  return false;
}

void RunStats::Merge(const RunStats& other) {
  latency.Merge(other.latency);
  ops += other.ops;
  failed_ops += other.failed_ops;
  calls += other.calls;
  for (const auto& [method, n] : other.calls_by_method) calls_by_method[method] += n;
  for (const auto& [code, n] : other.errors_by_code) errors_by_code[code] += n;
}

void StatsRecorder::RecordCall(absl::string_view method, grpc::StatusCode code) {
  absl::MutexLock lock(&mu_);
  ++stats_.calls;
  // Heterogeneous lookup first: after the first call of a method this allocates nothing.
  if (auto it = stats_.calls_by_method.find(method); it != stats_.calls_by_method.end()) {
    ++it->second;
  } else {
    stats_.calls_by_method.emplace(std::string(method), 1);
  }
  if (code != grpc::StatusCode::OK) ++stats_.errors_by_code[std::string(StatusCodeName(code))];
}

void StatsRecorder::RecordOperation(absl::Duration latency, bool failed) {
  absl::MutexLock lock(&mu_);
  stats_.latency.Record(latency);
  ++stats_.ops;
  if (failed) ++stats_.failed_ops;
}

RunStats StatsRecorder::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace misc::loadgen

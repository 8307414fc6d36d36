#include "bench/loadgen/run_stats.h"

#include "src/observability/grpc_names.h"

namespace misc::loadgen {

bool ParseStatusCodeName(absl::string_view name, grpc::StatusCode* code) {
  for (int i = grpc::StatusCode::OK; i <= grpc::StatusCode::UNAUTHENTICATED; ++i) {
    if (observability::StatusCodeName(static_cast<grpc::StatusCode>(i)) == name) {
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
  if (code != grpc::StatusCode::OK)
    ++stats_.errors_by_code[std::string(observability::StatusCodeName(code))];
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

#ifndef MISC_BENCH_LOADGEN_RUN_STATS_H_
#define MISC_BENCH_LOADGEN_RUN_STATS_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/loadgen/histogram.h"

namespace misc::loadgen {

// Parses a canonical status code name as observability::StatusCodeName (the server's
// metrics and access log) spells it. Returns false for any other text.
bool ParseStatusCodeName(absl::string_view name, grpc::StatusCode* code);

// What was measured in a run: operations (one call, or a page of several), their latency,
// every call by method, and the failed calls by status code. Plain data: merge the
// snapshots of every slot into one.
struct RunStats {
  LatencyHistogram latency;  // of every operation, failed or not
  int64_t ops = 0;
  int64_t failed_ops = 0;  // operations with at least one failed call
  int64_t calls = 0;
  std::map<std::string, int64_t, std::less<>>
      calls_by_method;  // "misc.genre.v1.GenreService/ListGenres"
  std::map<std::string, int64_t, std::less<>> errors_by_code;  // "NOT_FOUND"; never "OK"

  // Adds everything in `other` to this.
  void Merge(const RunStats& other);
};

// The RunStats of one closed-loop slot. The calls of one operation may finish on different
// gRPC threads at once (a page fans out), so recording is guarded by a mutex; it is almost
// never contended, as each slot has its own.
class StatsRecorder {
 public:
  // Counts one finished call of `method` (a name with static lifetime).
  void RecordCall(absl::string_view method, grpc::StatusCode code);

  // Counts one finished operation.
  void RecordOperation(absl::Duration latency, bool failed);

  // Returns a copy of what was recorded so far.
  RunStats Snapshot() const;

 private:
  mutable absl::Mutex mu_;
  RunStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_RUN_STATS_H_

#ifndef MISC_BENCH_LOADGEN_LOAD_RUNNER_H_
#define MISC_BENCH_LOADGEN_LOAD_RUNNER_H_

#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "bench/loadgen/caller.h"
#include "bench/loadgen/run_stats.h"
#include "bench/loadgen/workload.h"

namespace misc::loadgen {

// How long and how hard a closed-loop run drives the server.
struct LoadOptions {
  // Operations outstanding at any time: each slot starts its next operation when the
  // previous one has finished.
  int concurrency = 1;
  // Run this long first without recording anything (connections warm, caches filled).
  absl::Duration warmup = absl::Seconds(2);
  // Then record this long.
  absl::Duration duration = absl::Seconds(10);
};

// Runs `workload` with `options.concurrency` slots, slot i on stubs[i % stubs.size()], and
// blocks until every slot has stopped: slots start no operation after the window ends, and
// every call ends by its deadline, so this returns at most about two deadlines after the
// window. Returns what finished inside the window, merged over the slots.
RunStats RunClosedLoop(const Workload& workload,
                       const std::vector<std::unique_ptr<GenericStub>>& stubs,
                       const CallSettings& settings, const LoadOptions& options);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_LOAD_RUNNER_H_

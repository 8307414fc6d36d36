// misc-loadgen: a closed-loop gRPC load generator for misc's services (bench/loadgen/README.md).
#include <cstdio>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "bench/loadgen/app.h"
#include "bench/loadgen/flags.h"

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "misc-loadgen --workload=NAME | --mix=NAME:W,... [--target --concurrency --channels "
      "--duration --warmup ...] runs a closed-loop load and reports rates and latency "
      "percentiles (JSON on stdout or --json).");
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil with Mutex deadlock detection on, and gRPC's own locks are
  // absl::Mutex: the cycle bookkeeping cost about 3 % of the client's CPU on every call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const absl::StatusOr<misc::loadgen::Config> config = misc::loadgen::ConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "misc-loadgen: %s\n", std::string(config.status().message()).c_str());
    return misc::loadgen::kExitUsage;
  }
  return misc::loadgen::RunLoadgen(*config);
}

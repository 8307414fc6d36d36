// PostgreSQL itself fails under misc-server (the proxy passes everything): it freezes
// (SIGSTOP of the postmaster and every backend: a stuck primary), restarts, or stops. Each
// fault runs the full scenario of fault_scenario.h.
#include "absl/time/time.h"
#include "test/faults/fault_scenario.h"

namespace misc::faults {
namespace {

using ClusterFaultTest = FaultScenarioTest;

TEST_F(ClusterFaultTest, FrozenDatabaseKeepsEveryBound) {
  RunFault({.name = "freeze",
            .inject = [] { return cluster().Freeze(); },
            .recover = [] { return cluster().Thaw(); },
            .cluster_silent = true});
}

TEST_F(ClusterFaultTest, StoppedDatabaseKeepsEveryBound) {
  RunFault({.name = "stopped",
            .inject = [] { return cluster().Stop(); },
            .recover = [] { return cluster().Start(); },
            .cluster_silent = true});
}

// A restart: stopped and started again at once (about a second). The outage is shorter than
// the readiness bound, so NOT_SERVING is not required (its figure is printed when seen); the
// SIGTERM comes as the database goes down.
TEST_F(ClusterFaultTest, RestartedDatabaseKeepsEveryBound) {
  RunFault({.name = "restart",
            .inject = [] { return cluster().Stop(); },
            .recover = [] { return cluster().Start(); },
            .hold = absl::ZeroDuration(),
            .sigterm_after = absl::ZeroDuration(),
            .database_lost = false,
            .cluster_silent = true});
}

}  // namespace
}  // namespace misc::faults

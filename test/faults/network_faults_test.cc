// The network between misc-server and PostgreSQL fails, through the FaultProxy: it goes
// silent (blackhole), resets every connection, refuses new ones, or slows down. Each fault
// runs the full scenario of fault_scenario.h.
#include "absl/time/time.h"
#include "test/faults/fault_scenario.h"
#include "test/support/fault_proxy.h"

namespace misc::faults {
namespace {

using ::misc::testing::FaultMode;

class NetworkFaultTest : public FaultScenarioTest {
 protected:
  // Switches the proxy back to kPass: the database answers again.
  absl::Status Pass() { return proxy().SetMode(FaultMode::kPass); }
};

TEST_F(NetworkFaultTest, BlackholeKeepsEveryBound) {
  RunFault({.name = "blackhole",
            .inject = [this] { return proxy().SetMode(FaultMode::kBlackhole); },
            .recover = [this] { return Pass(); }});
}

TEST_F(NetworkFaultTest, ResetOfEveryConnectionKeepsEveryBound) {
  RunFault({.name = "reset",
            .inject = [this] { return proxy().SetMode(FaultMode::kReset); },
            .recover = [this] { return Pass(); }});
}

// Refused connections alone leave the open ones working: the database is away only once they
// break too, as after a crash of the database host. So the open connections are reset once,
// and every new one is refused.
TEST_F(NetworkFaultTest, RefusedConnectionsKeepEveryBound) {
  RunFault({.name = "refuse",
            .inject =
                [this] {
                  absl::Status refused = proxy().SetMode(FaultMode::kRefuse);
                  proxy().ResetConnections();
                  return refused;
                },
            .recover = [this] { return Pass(); }});
}

// 300 ms each way: a query takes 600 ms or more, within kMaxCallTimeout but past the shorter
// deadlines. The database still answers, so readiness may stay SERVING.
TEST_F(NetworkFaultTest, LatencyKeepsEveryBound) {
  RunFault(
      {.name = "latency",
       .inject = [this] { return proxy().SetMode(FaultMode::kLatency, absl::Milliseconds(300)); },
       .recover = [this] { return Pass(); },
       .database_lost = false});
}

}  // namespace
}  // namespace misc::faults

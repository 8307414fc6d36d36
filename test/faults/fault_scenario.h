#ifndef MISC_TEST_FAULTS_FAULT_SCENARIO_H_
#define MISC_TEST_FAULTS_FAULT_SCENARIO_H_

// One fault of the matrix, played out against the real misc-server under mixed load, with
// every bound the server promises asserted: no late or hung call, memory-served calls carry
// on, SIGTERM is honoured, readiness is per service, and recovery is quick and bounded.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "test/faults/fault_fixture.h"

namespace misc::faults {

struct FaultSpec {
  // Names the fault in messages and figures ("blackhole", "freeze", ...).
  std::string name;
  // Starts the fault; returns once it is in place.
  std::function<absl::Status()> inject;
  // Ends it; returns once the database answers again.
  std::function<absl::Status()> recover;
  // How long the fault lasts after inject returns (the SIGTERM case plays out inside it).
  absl::Duration hold = absl::Seconds(5);
  // When the second server gets SIGTERM, counted from the end of inject.
  absl::Duration sigterm_after = absl::Seconds(1);
  // The database goes silent or away: the services that need it must say NOT_SERVING.
  bool database_lost = true;
  // The cluster itself stops answering (frozen or stopped): pg_stat_activity is not sampled
  // until recover returns.
  bool cluster_silent = false;
};

// The fault matrix's test fixture.
class FaultScenarioTest : public FaultTest {
 protected:
  // Starts two servers through the proxy (one on the seeded database under load, one on the
  // spare database that gets SIGTERM during the fault); runs a no-fault baseline of the mixed
  // load, the fault and the recovery; asserts every bound and prints the figures.
  void RunFault(const FaultSpec& spec);
};

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_FAULT_SCENARIO_H_

#ifndef MISC_TEST_FAULTS_FAULT_FIXTURE_H_
#define MISC_TEST_FAULTS_FAULT_FIXTURE_H_

// What every fault test stands on: the fault tests' own PostgreSQL cluster with a seeded
// database, a FaultProxy in front of it, misc-server processes whose database URL points at
// the proxy (with a password that must never show in their output), the keys of logged-in
// callers, and the bounds the server promises under a fault.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "test/faults/fault_cluster.h"
#include "test/faults/load_mixer.h"
#include "test/support/fault_proxy.h"
#include "test/support/misc_server.h"

namespace misc::faults {

// The server settings of the fault tests: short, so that each fault plays out in seconds.
inline constexpr absl::Duration kMaxCallTimeout = absl::Seconds(1);
inline constexpr absl::Duration kReadinessInterval = absl::Milliseconds(500);
inline constexpr absl::Duration kShutdownDelay = absl::Milliseconds(500);
inline constexpr absl::Duration kDrainTimeout = absl::Seconds(2);
inline constexpr int kPoolSize = 4;
// Connections the server may hold next to its pool to cancel queries (docs/operations.md).
inline constexpr int kCancelConnections = 2;

// How late a database-backed call may end after min(its deadline, kMaxCallTimeout).
inline constexpr absl::Duration kCallSlack = absl::Milliseconds(250);
// How long after SIGTERM the server must have exited: shutdown delay + drain timeout + 1 s.
inline const absl::Duration kExitBound = kShutdownDelay + kDrainTimeout + absl::Seconds(1);
// How soon after the database goes silent or away the services that need it say NOT_SERVING.
inline const absl::Duration kNotServingBound = kReadinessInterval + absl::Seconds(1);
// How soon after the database answers again everything is SERVING, and a call is OK.
inline constexpr absl::Duration kRecoveryBound = absl::Seconds(2);

// The password in the servers' database URL. Trust authentication ignores it; it stands for
// the secret that must never appear in a log line.
inline constexpr char kPassword[] = "s3cret-pw";

// Health names of misc-server: the database-backed services, the memory-served ones, and the
// two of the whole process ("" and "liveness").
const std::vector<std::string>& DatabaseServiceNames();
const std::vector<std::string>& MemoryServiceNames();
std::vector<std::string> AllHealthNames();

// Prints "FAULT-FIGURE <name>=<value>" to stdout: the figures docs/operations.md quotes.
void Figure(const std::string& name, const std::string& value);
void Figure(const std::string& name, absl::Duration value);  // In milliseconds.
void Figure(const std::string& name, int64_t value);

class FaultTest : public ::testing::Test {
 protected:
  // Opens the cluster and makes the databases and keys, once per test binary.
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // Checks that the suite's environment is there, starts a proxy in kPass mode.
  void SetUp() override;
  // Leaves the cluster thawed and running for the next test.
  void TearDown() override;

  // Starts misc-server on `database` (the seeded one by default) through the proxy, with the
  // fault settings above plus `extra_flags`, and waits until it is SERVING. Returns nullptr
  // after a test failure.
  std::unique_ptr<testing::ServerProcess> StartServer(
      const std::string& database = "", const std::vector<std::string>& extra_flags = {});

  // Returns load options for `server` that mix every method, deadlines and callers.
  LoadOptions MixedLoad(const testing::ServerProcess& server, int concurrency) const;

  // Fails the test for each database-backed call of `records` that did not end by
  // min(deadline, kMaxCallTimeout) + kCallSlack with OK, DEADLINE_EXCEEDED or UNAVAILABLE, or
  // that hung; and for each memory-served call that was not OK. `origin`: the time the
  // descriptions count from. Returns the largest overrun of a database-backed call past
  // min(deadline, kMaxCallTimeout) (negative when all ended before).
  absl::Duration CheckCalls(const std::vector<CallRecord>& records, absl::Time origin) const;

  // Fails the test when the output of `server` shows the password.
  void CheckNoSecret(const testing::ServerProcess& server, const std::string& what) const;

  static FaultCluster& cluster() { return *cluster_; }
  static const std::string& seeded_database() { return *seeded_database_; }
  // A second, small database (one restaurant): for a server next to the one on the seeded
  // database, whose connections pg_stat_activity must not mix up with it.
  static const std::string& spare_database() { return *spare_database_; }
  testing::FaultProxy& proxy() { return *proxy_; }

 private:
  static FaultCluster* cluster_;
  static std::string* seeded_database_;
  static std::string* spare_database_;
  static std::string* jwks_path_;
  static std::string* token_;

  std::unique_ptr<testing::FaultProxy> proxy_;
};

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_FAULT_FIXTURE_H_

#ifndef MISC_TEST_REPLICA_REPLICA_SUPPORT_H_
#define MISC_TEST_REPLICA_REPLICA_SUPPORT_H_

// What the read replica tests share: the streaming replica of the test cluster that the ctest
// fixture `replica_pg` made (scripts/pg.sh replica), a database of the test's own on the
// primary and the same database seen through the replica, and misc-server's per-host metrics.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace misc::testing {

// A migrated database of the test's own on the primary, holding the cache probe's rows
// (restaurant 1, "before"), and its URL on the replica once the replica has it.
struct ReplicatedDatabase {
  std::string primary_url;
  std::string replica_url;
};

// Creates the database and waits until the replica shows its rows. Reports a test failure and
// returns empty URLs when that fails.
ReplicatedDatabase CreateReplicatedDatabase(const std::string& prefix);

// Returns the text misc-server's metrics listener on `port` answers, or "".
std::string ScrapeMetrics(int port);

// Returns the value of the sample `series` (a name with its labels, e.g.
// `misc_db_reads_total{host="primary"}`) in `metrics`, or nullopt when it is absent.
std::optional<double> MetricValue(const std::string& metrics, const std::string& series);

// Returns `series` read from the server's metrics on `port`; -1 when absent.
double Metric(int port, const std::string& series);

// Returns the replica's port on 127.0.0.1; 0 when unknown.
int ReplicaPort();

// Returns `url` (postgresql://user@127.0.0.1:PORT/db) with its port replaced by `port`.
std::string WithPort(const std::string& url, int port);

// Pauses or resumes WAL replay on the replica (pg_wal_replay_pause/resume).
absl::Status SetReplayPaused(const std::string& replica_url, bool paused);

// Stops the replica (fast shutdown) or starts it again, through scripts/pg.sh.
absl::Status StopReplica();
absl::Status StartReplica();

}  // namespace misc::testing

#endif  // MISC_TEST_REPLICA_REPLICA_SUPPORT_H_

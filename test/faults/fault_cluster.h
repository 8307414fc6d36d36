#ifndef MISC_TEST_FAULTS_FAULT_CLUSTER_H_
#define MISC_TEST_FAULTS_FAULT_CLUSTER_H_

// The PostgreSQL cluster of the fault tests, and the faults that need the cluster itself: a
// freeze (SIGSTOP of the postmaster and every backend), a stop and a restart. It is never the
// cluster other tests share (fixture `pg`): a frozen cluster would hang them.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace misc::faults {

// A cluster run by scripts/pg.sh in the directory $MISC_TEST_PG_DIR (the ctest fixture
// faults_pg starts it there). Not thread-safe, except the queries (ServerConnections,
// DatabaseStat), which may run on any thread while the cluster answers.
class FaultCluster {
 public:
  // Starts (or finds running) the cluster of $MISC_TEST_PG_DIR with `scripts/pg.sh start`.
  // Returns FAILED_PRECONDITION when the variable is unset, INTERNAL when pg.sh fails.
  static absl::StatusOr<std::unique_ptr<FaultCluster>> Open();

  // Leaves the cluster running and thawed, whatever a test did to it.
  ~FaultCluster();
  FaultCluster(const FaultCluster&) = delete;
  FaultCluster& operator=(const FaultCluster&) = delete;

  // Returns the port PostgreSQL listens on (127.0.0.1); a restart keeps it.
  int port() const { return port_; }

  // Returns the superuser URL of the cluster's `postgres` database, direct (no proxy).
  std::string AdminUrl() const;

  // Sends SIGSTOP to the postmaster, then to each of its children: sockets stay open and
  // nothing answers. Returns INTERNAL when a signal cannot be sent.
  absl::Status Freeze();

  // Sends SIGCONT to every process Freeze stopped (and to the postmaster's children now).
  absl::Status Thaw();

  // Stops the cluster (pg.sh stop: a fast shutdown); connections get refused afterwards.
  absl::Status Stop();

  // Starts the cluster again (pg.sh start) and waits until it accepts connections. Returns
  // INTERNAL when it comes back on another port than before (DIR/port).
  absl::Status Start();

  // Returns whether the cluster answers now: neither frozen nor stopped by this object.
  bool answering() const { return !frozen_ && !stopped_; }

  // Returns how many connections with application_name 'misc' the cluster holds to
  // `database`, as pg_stat_activity shows them. Uses one connection of its own, kept open.
  absl::StatusOr<int64_t> ServerConnections(const std::string& database);

  // Returns column `column` of pg_stat_database for `database`, e.g. "sessions" (sessions
  // ever established to it) or "xact_rollback" (transactions rolled back, as a cancelled
  // query's is). `column` is SQL: pass only such constants.
  absl::StatusOr<int64_t> DatabaseStat(const std::string& database, const std::string& column);

 private:
  FaultCluster(std::string dir, std::string data_dir, int port)
      : dir_(std::move(dir)), data_dir_(std::move(data_dir)), port_(port) {}

  absl::StatusOr<pid_t> PostmasterPid() const;
  absl::Status RunPgScript(const std::string& command);
  // Runs count query `sql` on the kept connection, opening it (again) when needed.
  absl::StatusOr<int64_t> Count(const std::string& sql);

  const std::string dir_;
  const std::string data_dir_;
  const int port_;
  bool frozen_ = false;
  bool stopped_ = false;
  std::vector<pid_t> stopped_pids_;

  absl::Mutex mu_;
  std::unique_ptr<pqxx::connection> connection_ ABSL_GUARDED_BY(mu_);
};

// Returns the process ids whose parent is `parent`, read from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent);

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_FAULT_CLUSTER_H_

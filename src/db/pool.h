#ifndef MISC_SRC_DB_POOL_H_
#define MISC_SRC_DB_POOL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "src/db/host_pool.h"
#include "src/db/query_canceller.h"
#include "src/db/session.h"
#include "src/db/wal_position_history.h"

namespace misc::db {

// The read replicas of the process (--database_replica_url and friends).
struct ReplicaOptions {
  // libpq URLs or connection strings, one per replica. Never logged: they may hold passwords
  // (logs and metrics name replicas "replica-1", "replica-2", ... in this order).
  std::vector<std::string> urls;
  // A replica whose replay lag exceeds this takes no reads until it has caught up.
  absl::Duration max_lag = absl::Seconds(2);
  // How often each replica's health and lag are checked; one check may take this long.
  absl::Duration check_interval = absl::Milliseconds(500);
};

// The most a usable replica can lag behind the primary when a read starts: max_lag at its
// last good check, plus the time until a check takes it out. That is at most 4 intervals: a
// busy replica (its pool answers reads but has no connection for the check in time) keeps its
// verdict while its last good check is less than 2 intervals old, and each check waits an
// interval after the last and lasts at most one. A value read from a replica is at least as
// new as the primary was this long before the read.
absl::Duration StaleReadBound(const ReplicaOptions& options);

// What the process's metrics report about one database host.
struct HostStats {
  // "primary", "replica-1", "replica-2", ...
  std::string name;
  bool replica = false;
  // Whether reads may go to it now (the primary always may: it is the fallback).
  bool usable = true;
  // The replica's replay lag at its last check; nullopt for the primary, and while unknown.
  std::optional<absl::Duration> lag;
  uint64_t reads = 0;
  int size = 0;
  int open = 0;
  int busy = 0;
  int waiters = 0;
};

// The process's database: one HostPool for the primary and one per read replica, shared by
// every service. Every misc read is read-only, so each goes to a usable replica, spread across
// them (the fewest reads in flight, ties in turn), and to the primary when none is usable.
//
// A replica is usable while its last check answered within check_interval and found its
// replay lag (see WalPositionHistory; measured against the primary's WAL position every
// check_interval) at most max_lag. A check runs on the replica's own pool, so a silent replica
// is bounded like the primary (deadlines, backoff, no reconnect storm). A read that finds a
// replica unreachable before any of its statements answered takes the replica out and runs on
// the primary instead. The change feed and its LISTEN stay on the primary (see ChangeFeed).
// Thread-safe.
class Pool {
 public:
  explicit Pool(PoolOptions primary, ReplicaOptions replicas = {});
  // Close(), then stops the checks and closes every connection.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs `work` on one pooled connection of the host chosen as above; everything else is
  // HostPool::Read's: statuses, deadlines, cancellation, the retry on a broken connection.
  absl::Status Read(absl::Time deadline, absl::FunctionRef<absl::Status(Session&)> work,
                    QueryCanceller* canceller = nullptr);

  // Read bounded by `bounds`.
  absl::Status Read(const ReadBounds& bounds, absl::FunctionRef<absl::Status(Session&)> work) {
    return Read(bounds.deadline, work, bounds.canceller);
  }

  // Runs `work`, a callable taking Session& and returning absl::StatusOr<T>, like Read, and
  // returns the value it produced or the first error.
  template <typename T, typename Work>
  absl::StatusOr<T> Fetch(const ReadBounds& bounds, Work&& work) {
    std::optional<T> value;
    const absl::Status status = Read(bounds, [&](Session& session) -> absl::Status {
      absl::StatusOr<T> fetched = work(session);
      if (!fetched.ok()) return fetched.status();
      value = *std::move(fetched);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return *std::move(value);
  }

  // Makes every later Read fail with UNAVAILABLE and ends the reads in flight on every host
  // (HostPool::Close).
  void Close();

  // Returns when any host last answered a statement (InfinitePast before the first).
  absl::Time LastAnswer() const;

  // Returns how many connections are open now, on every host together.
  int OpenConnections() const;

  // Returns how many connections are in use now, on every host together.
  int BusyConnections() const;

  // Returns how many calls wait for a free connection now, on every host together.
  int Waiters() const;

  // Returns the most connections the pools open, every host together.
  int size() const;

  // Returns how many hosts reads may go to at most: the replicas, or 1 (the primary) when
  // there are none. Each host's connections are bounded by its own pool.
  int read_hosts() const;

  // Returns the state of each host, the primary first.
  std::vector<HostStats> Hosts() const;

 private:
  struct Host;

  // Checks one replica every check_interval until Close.
  void CheckLoop(Host& replica);
  // Samples the primary's WAL position every check_interval until Close.
  void SampleLoop();
  // One check of `replica`; updates its verdict.
  void Check(Host& replica);
  // Runs `work` on `host`, counting it.
  absl::Status ReadOn(Host& host, absl::Time deadline,
                      absl::FunctionRef<absl::Status(Session&)> work, QueryCanceller* canceller);

  const ReplicaOptions replica_options_;
  std::unique_ptr<Host> primary_;
  std::vector<std::unique_ptr<Host>> replicas_;
  WalPositionHistory primary_wal_;
  std::atomic<uint64_t> turn_{0};
  std::atomic<bool> close_called_{false};
  absl::Notification closing_;
  std::vector<std::thread> checkers_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_POOL_H_

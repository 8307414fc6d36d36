#ifndef MISC_SRC_DB_POOL_H_
#define MISC_SRC_DB_POOL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/db/query_canceller.h"
#include "src/db/transaction.h"

namespace misc::db {

// Settings of the process-wide connection pool.
struct PoolOptions {
  // libpq connection string or URL. Never logged: it may hold a password.
  std::string url;
  // The most connections the process ever holds open. Every service shares them.
  int size = 8;
  // The most calls that may wait for a free connection; more fail fast with UNAVAILABLE.
  int max_waiters = 64;
  // How long opening one connection may take.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Called with how long each acquisition waited for a connection (metrics); may be empty.
  std::function<void(absl::Duration)> on_acquire_wait;
  // The longest any statement of a cancellable read may run (--max_call_timeout): kept as the
  // session's statement_timeout, so that it costs no round trip per call (see Read).
  absl::Duration statement_timeout = absl::Seconds(5);
};

// How long one call may use the database, and how it can be stopped early.
struct ReadBounds {
  absl::Time deadline = absl::InfiniteFuture();
  QueryCanceller* canceller = nullptr;  // Optional.
};

// A bounded pool of PostgreSQL connections shared by every service in the process.
//
// Connections are opened on demand up to `size`, used for one read at a time, and replaced when
// they break, so the pool recovers by itself after a database restart. Thread-safe.
class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Runs `work` on one pooled connection, its statements bounded by `deadline`. Waits for a
  // free connection until `deadline`. Returns what `work` returns, or UNAVAILABLE (database
  // unreachable, or too many waiters), DEADLINE_EXCEEDED (no connection or no result before
  // the deadline) or INTERNAL (any other database error; details are logged, never
  // returned). A connection found broken is replaced and the work retried once, which is
  // safe because it only reads.
  //
  // Each statement runs on its own (autocommit, in the session's read-only mode): one round
  // trip per statement, where BEGIN / SET LOCAL / statement / COMMIT took four and left the
  // database a third of its throughput (docs/benchmarks.md). So statements of one `work` may see
  // different snapshots; a store that needs one answer from one snapshot says it in one statement.
  //
  // How the deadline is kept: with a `canceller`, the call's own cancellation (gRPC cancels a
  // call when its deadline passes) stops the running query, Cancel() ends the read with
  // CANCELLED, and the session's statement_timeout (options.statement_timeout, set once per
  // connection) caps a call that has no deadline. Without one (background reads), the
  // session's statement_timeout is set to what is left until `deadline` before the work.
  absl::Status Read(absl::Time deadline, absl::FunctionRef<absl::Status(Transaction&)> work,
                    QueryCanceller* canceller = nullptr);

  // Read bounded by `bounds`.
  absl::Status Read(const ReadBounds& bounds, absl::FunctionRef<absl::Status(Transaction&)> work) {
    return Read(bounds.deadline, work, bounds.canceller);
  }

  // Returns how many connections are open now (idle or in use).
  int OpenConnections() const;

  // Returns how many connections are in use now.
  int BusyConnections() const;

  // Returns how many calls wait for a free connection now.
  int Waiters() const;

  // Returns the most connections the pool opens.
  int size() const { return options_.size; }

 private:
  struct Slot;

  // Returns an idle or new connection, waiting until `deadline` when all are busy.
  absl::StatusOr<std::unique_ptr<Slot>> Acquire(absl::Time deadline);
  // Returns `slot` to the idle list, or closes it when it is broken.
  void Release(std::unique_ptr<Slot> slot, bool broken);
  absl::StatusOr<std::unique_ptr<Slot>> Connect();
  absl::Status ReadOnce(absl::Time deadline, absl::FunctionRef<absl::Status(Transaction&)> work,
                        QueryCanceller* canceller, bool* broken);

  const PoolOptions options_;
  const std::string conninfo_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Slot>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_POOL_H_

#ifndef MISC_SRC_DB_HOST_POOL_H_
#define MISC_SRC_DB_HOST_POOL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/db/cancel_sender.h"
#include "src/db/query_canceller.h"
#include "src/db/reconnect_backoff.h"
#include "src/db/session.h"
#include "src/db/socket_watchdog.h"
#include "src/log/warning_limiter.h"

namespace misc::db {

// Settings of the connection pool of one database host (the primary, or a read replica).
struct PoolOptions {
  // libpq connection string or URL. Never logged: it may hold a password.
  std::string url;
  // How logs name this host, e.g. "replica-1"; empty for the primary, whose lines read as
  // they always did.
  std::string log_name;
  // The most connections the pool ever holds open for statements. Every service shares
  // them. Cancel requests add at most kCancelConnections short-lived connections on top.
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
  // Dead-peer detection by the kernel (libpq's tcp_user_timeout and keepalives*): how long
  // sent data may stay unacknowledged, and when an idle connection is probed, how often, and
  // how many unanswered probes end it.
  absl::Duration tcp_user_timeout = absl::Seconds(10);
  absl::Duration keepalives_idle = absl::Seconds(10);
  absl::Duration keepalives_interval = absl::Seconds(2);
  int keepalives_count = 3;
  // How long a cancelled query's connection waits for the server to act on the cancel before
  // it is dropped instead of reused.
  absl::Duration cancel_timeout = absl::Milliseconds(200);
  // Cap of the backoff between connection attempts while they fail (it starts at 50 ms).
  absl::Duration reconnect_backoff_max = absl::Seconds(1);
  // For a transaction-mode pooler in front of PostgreSQL (PgBouncer 1.18), which hands each
  // statement to any of its server connections: statements are sent unnamed with their
  // parameters (no PREPARE), and nothing is kept on the session: no `options` startup
  // parameter (PgBouncer refuses it), no SET statement_timeout (it would stay on a server
  // connection other clients then get). The role carries default_transaction_read_only and
  // statement_timeout instead (docs/deploying.md); deadlines hold by cancel and watchdog.
  bool unnamed_statements = false;
};

// How many cancel requests may be on the wire at once: each is a short-lived connection of
// its own, so the process holds at most PoolOptions::size + kCancelConnections connections.
inline constexpr int kCancelConnections = 2;

// How long past its deadline a read may stay blocked on a silent server before its socket is
// shut down (see SocketWatchdog): the slack for the server's own statement_timeout or cancel.
inline constexpr absl::Duration kAbandonGrace = absl::Milliseconds(100);

// Returns the libpq connection string of every session misc opens: `options.url` plus
// application_name, the keepalive and tcp_user_timeout settings, and (unless
// `options.unnamed_statements`) read-only sessions through the `options` startup parameter.
std::string SessionConninfo(const PoolOptions& options);

// How one call may use the database, and how it can be stopped early.
struct ReadBounds {
  absl::Time deadline = absl::InfiniteFuture();
  QueryCanceller* canceller = nullptr;  // Optional.
};

// A bounded pool of PostgreSQL connections to one database host, shared by every service in
// the process (through db::Pool, which holds one per host).
//
// Connections are opened on demand, up to `size`, by one background thread (so that a call's
// short deadline never abandons a half-open session), with exponential backoff while attempts
// fail; calls that find no connection then fail fast with UNAVAILABLE instead of queueing
// behind a dead database. A connection is used for one read at a time, and dropped when it
// breaks or stops answering. Thread-safe.
class HostPool {
 public:
  explicit HostPool(PoolOptions options);
  // Close(), then closes every connection.
  ~HostPool();
  HostPool(const HostPool&) = delete;
  HostPool& operator=(const HostPool&) = delete;

  // Runs `work` on one pooled connection, its statements bounded by `deadline`. Waits for a
  // free connection until `deadline`. Returns what `work` returns, or UNAVAILABLE (database
  // unreachable, or too many waiters), DEADLINE_EXCEEDED (no connection or no result before
  // the deadline), CANCELLED (the canceller fired) or INTERNAL (any other database error;
  // details are logged, never returned). When the connection turns out broken before any of
  // the work's statements answered (e.g. the first call after a database restart), the work
  // runs once more on a connection opened or proven since then.
  //
  // Each statement runs on its own (autocommit, in the session's read-only mode): one round
  // trip per statement. So statements of one `work` may see different snapshots; a store that
  // needs one answer from one snapshot says it in one statement.
  //
  // How the deadline is kept, even when the server stops answering:
  // - the server's statement_timeout: the session keeps options.statement_timeout for reads
  //   with a `canceller`, or is set to what is left until `deadline` for background reads;
  // - with a `canceller`, the call's cancellation (gRPC cancels a call when its deadline
  //   passes) sends a cancel request from the pool's own threads;
  // - whatever the server does, the socket is shut down kAbandonGrace after `deadline` (or
  //   options.cancel_timeout after a cancel), which ends the read and drops the connection.
  absl::Status Read(absl::Time deadline, absl::FunctionRef<absl::Status(Session&)> work,
                    QueryCanceller* canceller = nullptr);

  // Makes every later Read fail with UNAVAILABLE, and ends every read in flight within
  // options.cancel_timeout: those of cancelled calls normally end sooner, by their cancel
  // request; the sockets of the others are then shut down. For the end of a drain: nothing
  // may outlive it.
  void Close();

  // Returns when the database last answered a statement (InfinitePast before the first).
  absl::Time LastAnswer() const;

  // Returns how many connections are open now (idle or in use).
  int OpenConnections() const;

  // Returns how many connections are in use now.
  int BusyConnections() const;

  // Returns how many calls wait for a free connection now.
  int Waiters() const;

  // Returns true while connection attempts fail (since the last one that succeeded): the
  // host is unreachable, and reads that need a new connection fail fast.
  bool Failing() const;

  // Returns the most connections the pool opens.
  int size() const { return options_.size; }

 private:
  struct Slot;
  struct Attempt;

  // Returns an idle connection, waiting until `deadline` for one when none is idle (the
  // opener thread is asked for a new one if there is room).
  absl::StatusOr<std::unique_ptr<Slot>> Acquire(absl::Time deadline);
  // Returns `slot` to the idle list, or closes it when `drop`.
  void Release(std::unique_ptr<Slot> slot, bool drop);
  // The opener thread: opens connections while callers want them, one at a time.
  void OpenLoop();
  Attempt ReadOnce(absl::Time deadline, absl::FunctionRef<absl::Status(Session&)> work,
                   QueryCanceller* canceller);

  const PoolOptions options_;
  const std::string conninfo_;
  // Put before each warning's cause: "" for the primary, "replica-1: " for a replica.
  const std::string log_prefix_;
  SocketWatchdog watchdog_;
  CancelSender cancels_;
  log::WarningLimiter warnings_;
  std::atomic<int64_t> last_answer_unix_nanos_;
  // Set by Close: abandons a connection attempt in flight.
  std::atomic<bool> closing_{false};

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Slot>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  // A caller found no idle connection since the last attempt: the opener should open one.
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped when a connection is found broken: idle ones last proven before it are suspect.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  ReconnectBackoff backoff_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread opener_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_HOST_POOL_H_

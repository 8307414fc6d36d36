#ifndef MISC_CMD_MIGRATE_LOCK_RETRY_H_
#define MISC_CMD_MIGRATE_LOCK_RETRY_H_

#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cmd/migrate/cancellation.h"

namespace misc::migrate {

// How a migration (or the seed) waits for the table locks it needs. While a statement waits for
// a lock, PostgreSQL queues every later request for a conflicting lock behind it: an ALTER TABLE
// waiting behind a long read blocks every read of that table that comes after it. So each
// attempt waits at most `lock_timeout`, and a failed attempt is rolled back and tried again later.
struct LockRetryPolicy {
  // PostgreSQL's lock_timeout for each attempt (SET LOCAL): how long one statement may wait
  // for a lock, and so how long it may hold up the reads queued behind it. Zero: no limit.
  absl::Duration lock_timeout = absl::Seconds(2);
  // No attempt starts later than this after the first one; then the migration fails.
  absl::Duration retry_deadline = absl::Minutes(3);
  // The wait after the n-th failed attempt is a random time in [d/2, d],
  // d = min(first_backoff * 2^(n-1), max_backoff) (src/db/reconnect_backoff.h).
  absl::Duration first_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(30);
};

// Runs `attempt` (one transaction, rolled back when it fails) until it returns anything but
// ABORTED, the status of a lock wait that ran into lock_timeout (see
// Session::InTransactionWithLockTimeout). Between attempts it waits the backoff of `policy`
// and logs a warning naming `name`. Returns the last attempt's status when it is not ABORTED;
// DEADLINE_EXCEEDED naming `name` when the next attempt would start after
// `policy.retry_deadline`; CANCELLED as soon as `cancellation` fires during a backoff.
[[nodiscard]] absl::Status RetryLockTimeouts(std::string_view name, const LockRetryPolicy& policy,
                                             Cancellation& cancellation,
                                             absl::FunctionRef<absl::Status()> attempt);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_LOCK_RETRY_H_

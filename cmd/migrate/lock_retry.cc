#include "cmd/migrate/lock_retry.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "src/db/reconnect_backoff.h"

namespace misc::migrate {
namespace {

std::string Format(absl::Duration duration) {
  return absl::FormatDuration(absl::Trunc(duration, absl::Milliseconds(1)));
}

}  // namespace

absl::Status RetryLockTimeouts(std::string_view name, const LockRetryPolicy& policy,
                               Cancellation& cancellation,
                               absl::FunctionRef<absl::Status()> attempt) {
  const absl::Time start = absl::Now();
  db::ReconnectBackoff backoff(policy.first_backoff, policy.max_backoff);
  for (int attempts = 1;; ++attempts) {
    absl::Status status = attempt();
    if (!absl::IsAborted(status)) return status;
    const absl::Time now = absl::Now();
    const std::string what(name);
    backoff.Failed(now);
    if (backoff.next_attempt() - start > policy.retry_deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          what, " could not take its locks: ", attempts, " attempt(s) in ", Format(now - start),
          " each waited ", Format(policy.lock_timeout),
          " (--db_lock_timeout) for a lock another session holds, and --db_lock_retry_deadline (",
          Format(policy.retry_deadline),
          ") allows no more; every attempt was rolled back (nothing of it is applied). Find the "
          "long transaction in pg_stat_activity, or run misc-migrate again later"));
    }
    const absl::Duration delay = backoff.next_attempt() - now;
    spdlog::warn(
        "{}: waited {} (--db_lock_timeout) for a lock another session holds (attempt {}); rolled "
        "back so that the reads queued behind it go on, retrying in {}",
        what, Format(policy.lock_timeout), attempts, Format(delay));
    if (!cancellation.SleepFor(delay)) {
      return absl::CancelledError(
          absl::StrCat("cancelled while waiting to retry ", what, "; nothing of it is applied"));
    }
  }
}

}  // namespace misc::migrate

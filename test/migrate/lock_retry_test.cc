// Unit tests of RetryLockTimeouts: which results it retries, its deadline and its backoff, and
// that cancellation ends a backoff at once. No database: the attempts are fakes.
#include "cmd/migrate/lock_retry.h"

#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cmd/migrate/cancellation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace misc::migrate {
namespace {

using ::testing::HasSubstr;

// Short waits, so that the tests run in milliseconds.
LockRetryPolicy FastPolicy(absl::Duration retry_deadline) {
  return {.lock_timeout = absl::Milliseconds(5),
          .retry_deadline = retry_deadline,
          .first_backoff = absl::Milliseconds(20),
          .max_backoff = absl::Milliseconds(80)};
}

absl::Status LockTimedOut() {
  return absl::AbortedError("0002_x.sql: ERROR: canceling statement due to lock timeout");
}

TEST(RetryLockTimeoutsTest, RetriesALockTimeoutUntilAnAttemptSucceeds) {
  Cancellation cancellation;
  int attempts = 0;

  const absl::Status status =
      RetryLockTimeouts("0002_x.sql", FastPolicy(absl::Seconds(10)), cancellation,
                        [&] { return ++attempts < 3 ? LockTimedOut() : absl::OkStatus(); });

  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 3);
}

TEST(RetryLockTimeoutsTest, ReturnsAnyOtherErrorWithoutRetrying) {
  Cancellation cancellation;
  int attempts = 0;

  const absl::Status status =
      RetryLockTimeouts("0002_x.sql", FastPolicy(absl::Seconds(10)), cancellation, [&] {
        ++attempts;
        return absl::InternalError("0002_x.sql failed: syntax error");
      });

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryLockTimeoutsTest, BacksOffExponentiallyWithJitterUpToTheCap) {
  Cancellation cancellation;
  std::vector<absl::Time> starts;

  const absl::Status status =
      RetryLockTimeouts("0002_x.sql", FastPolicy(absl::Seconds(10)), cancellation, [&] {
        starts.push_back(absl::Now());
        return starts.size() < 6 ? LockTimedOut() : absl::OkStatus();
      });

  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(starts.size(), 6u);
  // After the n-th failure: a random wait in [d/2, d], d = min(20ms * 2^(n-1), 80ms). Only
  // the lower bound is exact: a busy machine may sleep longer.
  const absl::Duration lower[] = {absl::Milliseconds(10), absl::Milliseconds(20),
                                  absl::Milliseconds(40), absl::Milliseconds(40),
                                  absl::Milliseconds(40)};
  for (size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], lower[i - 1]) << "wait " << i;
  }
}

TEST(RetryLockTimeoutsTest, GivesUpNamingTheMigrationWhenTheNextAttemptWouldPassTheDeadline) {
  Cancellation cancellation;
  int attempts = 0;
  const absl::Time start = absl::Now();

  const absl::Status status =
      RetryLockTimeouts("0002_x.sql", FastPolicy(absl::Milliseconds(100)), cancellation, [&] {
        ++attempts;
        return LockTimedOut();
      });

  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("0002_x.sql could not take its locks"));
  EXPECT_THAT(status.message(), HasSubstr("--db_lock_retry_deadline (100ms)"));
  EXPECT_THAT(status.message(), HasSubstr("nothing of it is applied"));
  EXPECT_GE(attempts, 2);
  // No attempt starts after the deadline, so none is waited for past it.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100) + absl::Seconds(1));
}

TEST(RetryLockTimeoutsTest, ARetryDeadlineOfZeroMakesOneAttempt) {
  Cancellation cancellation;
  int attempts = 0;

  const absl::Status status =
      RetryLockTimeouts("seed", FastPolicy(absl::ZeroDuration()), cancellation, [&] {
        ++attempts;
        return LockTimedOut();
      });

  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(attempts, 1);
}

TEST(RetryLockTimeoutsTest, CancellationDuringABackoffStopsAtOnce) {
  Cancellation cancellation;
  LockRetryPolicy policy = FastPolicy(absl::Minutes(10));
  policy.first_backoff = absl::Minutes(1);
  policy.max_backoff = absl::Minutes(1);
  int attempts = 0;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));
    cancellation.Cancel(0);
  });
  const absl::Time start = absl::Now();

  const absl::Status status = RetryLockTimeouts("0002_x.sql", policy, cancellation, [&] {
    ++attempts;
    return LockTimedOut();
  });
  canceller.join();

  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(status.message(), HasSubstr("cancelled while waiting to retry 0002_x.sql"));
  EXPECT_EQ(attempts, 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace misc::migrate

#ifndef MISC_SRC_DB_RECONNECT_BACKOFF_H_
#define MISC_SRC_DB_RECONNECT_BACKOFF_H_

#include "absl/random/random.h"
#include "absl/time/time.h"

namespace misc::db {

// When the pool may try to open a connection again after a failure: exponential backoff with
// jitter, so that an outage costs the database a few attempts rather than a storm. After the n-th
// failure in a row the next attempt waits a random time in [d/2, d], d = min(initial * 2^(n-1),
// max). A success resets it. Not thread-safe (the pool holds its lock).
class ReconnectBackoff {
 public:
  ReconnectBackoff(absl::Duration initial, absl::Duration max) : initial_(initial), max_(max) {}

  // Returns when the next attempt may start: at once unless attempts are failing.
  absl::Time next_attempt() const { return next_attempt_; }

  // Reports that an attempt failed at `now`; pushes the next one back.
  void Failed(absl::Time now);

  // Reports that an attempt succeeded: the next failure starts from `initial` again.
  void Succeeded();

  // Returns true while attempts are failing (since the last success).
  bool failing() const { return failures_ > 0; }

 private:
  // Returns the delay after the current run of failures, with its jitter.
  absl::Duration NextDelay();

  const absl::Duration initial_;
  const absl::Duration max_;
  absl::BitGen random_;
  int failures_ = 0;
  absl::Time next_attempt_ = absl::InfinitePast();
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_RECONNECT_BACKOFF_H_

#ifndef MISC_CMD_MIGRATE_CANCELLATION_H_
#define MISC_CMD_MIGRATE_CANCELLATION_H_

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::migrate {

// The stop request of one run: set once (by a signal), read by the code doing the work, which
// rolls back and returns CANCELLED. Thread-safe.
class Cancellation {
 public:
  // Marks the run cancelled by `signal_number` (0 when not by a signal) and calls the
  // registered canceller, which interrupts the query in flight. Later calls do nothing.
  void Cancel(int signal_number);

  // Calls the canceller again when already cancelled: a query that started just after the
  // first Cancel (which then found nothing to interrupt) is interrupted too.
  void Interrupt();

  // Returns true once Cancel has been called.
  bool cancelled() const;

  // Returns the signal passed to the first Cancel, 0 when none.
  int signal_number() const;

  // Installs the function Cancel calls to interrupt blocking work (e.g. cancel the running
  // query); an empty function removes it. Called right away when already cancelled.
  void SetCanceller(absl::AnyInvocable<void()> canceller);

  // Sleeps for `duration` or until cancelled, whichever comes first. Returns false when
  // cancelled.
  bool SleepFor(absl::Duration duration);

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  int signal_number_ ABSL_GUARDED_BY(mu_) = 0;
  absl::AnyInvocable<void()> canceller_ ABSL_GUARDED_BY(mu_);
};

// Blocks SIGINT and SIGTERM in the calling thread (so also in threads it starts later) and
// starts a thread that waits for them: the first one calls `cancellation->Cancel` (and then
// `Interrupt` every second until the process ends), a second one ends the process at once
// with exit code 128 + signal. Call it at the start of main,
// before any other thread exists. `cancellation` must outlive the process.
void WatchTerminationSignals(Cancellation* cancellation);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_CANCELLATION_H_

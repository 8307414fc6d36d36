#ifndef MISC_SRC_DB_QUERY_CANCELLER_H_
#define MISC_SRC_DB_QUERY_CANCELLER_H_

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace misc::db {

// Lets another thread stop the query one call is running, e.g. when the gRPC caller cancels
// or its deadline passes. HostPool::Read attaches what stops its running query; Cancel() runs it,
// or, before anything is attached, makes Read give up. Never blocks on the database, so it is
// safe on gRPC's callback threads: the cancel request itself goes out on the pool's own
// threads. Thread-safe.
class QueryCanceller {
 public:
  // Marks the call cancelled and stops the running query, if any. Idempotent.
  void Cancel();

  // Returns true once Cancel() was called.
  bool cancelled() const;

 private:
  friend class HostPool;

  // Records how to stop the query now running for this call; returns false (attaching
  // nothing) when the call is already cancelled. `stop` must not block.
  bool Attach(absl::AnyInvocable<void()> stop);
  // Forgets what Attach recorded; once it returns, that `stop` is never called again.
  void Detach();

  mutable absl::Mutex mu_;
  absl::AnyInvocable<void()> stop_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_QUERY_CANCELLER_H_

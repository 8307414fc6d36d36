#ifndef MISC_SRC_DB_QUERY_CANCELLER_H_
#define MISC_SRC_DB_QUERY_CANCELLER_H_

#include <pqxx/pqxx>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace misc::db {

// Lets another thread stop the query one call is running, e.g. when the gRPC caller cancels.
// Pool::Read attaches the connection it runs on; Cancel() asks PostgreSQL to cancel whatever
// that connection is running, or, before a connection is attached, makes Read give up.
// Thread-safe.
class QueryCanceller {
 public:
  // Marks the call cancelled and cancels the running query, if any. Idempotent.
  void Cancel();

  // Returns true once Cancel() was called.
  bool cancelled() const;

 private:
  friend class Pool;

  // Records that `connection` now runs this call's queries; returns false (attaching
  // nothing) when the call is already cancelled.
  bool Attach(pqxx::connection_base* connection);
  void Detach();

  mutable absl::Mutex mu_;
  pqxx::connection_base* connection_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_QUERY_CANCELLER_H_

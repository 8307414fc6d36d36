#ifndef MISC_SRC_DB_CANCEL_SENDER_H_
#define MISC_SRC_DB_CANCEL_SENDER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

// libpq's cancel key of one backend (PGcancel), usable after its connection is gone.
struct pg_cancel;

namespace misc::db {

// Sends PostgreSQL cancel requests on threads of its own, so that neither a gRPC thread nor
// the thread running the query ever waits for one: libpq's PQcancel opens a connection to
// the server and blocks until the server has acted, which is forever when the server is
// silent. At most `threads` requests are on the wire at once (the pool's documented extra
// connections); the rest wait in a bounded queue or are refused. Thread-safe.
class CancelSender {
 public:
  // One request to cancel what one backend runs.
  class Request {
   public:
    // Waits until the server has acknowledged the request, or `deadline` passes. Returns
    // true when it was acknowledged: the cancel can no longer hit a later query on that
    // connection, so the connection may be reused.
    bool WaitAcknowledged(absl::Time deadline);

   private:
    friend class CancelSender;
    explicit Request(std::shared_ptr<pg_cancel> key) : key_(std::move(key)) {}

    const std::shared_ptr<pg_cancel> key_;
    absl::Mutex mu_;
    bool done_ ABSL_GUARDED_BY(mu_) = false;
    bool acknowledged_ ABSL_GUARDED_BY(mu_) = false;
  };

  // Starts `threads` sender threads; at most `max_queued` requests wait for one.
  CancelSender(int threads, int max_queued);
  // Stops the idle threads. A thread still waiting on a silent server is left to finish by
  // itself (it owns what it uses), so shutting down never waits for the database.
  ~CancelSender();
  CancelSender(const CancelSender&) = delete;
  CancelSender& operator=(const CancelSender&) = delete;

  // Queues a cancel request for the backend of `key`. Never blocks. Returns nullptr when the
  // queue is full (the caller then relies on the query's deadline alone).
  std::shared_ptr<Request> Submit(std::shared_ptr<pg_cancel> key);

 private:
  struct Queue;
  std::shared_ptr<Queue> queue_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_CANCEL_SENDER_H_

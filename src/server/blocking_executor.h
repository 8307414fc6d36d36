#ifndef MISC_SRC_SERVER_BLOCKING_EXECUTOR_H_
#define MISC_SRC_SERVER_BLOCKING_EXECUTOR_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace misc::server {

// A fixed set of threads for blocking work (database queries), so that gRPC's callback
// threads never block. The queue is bounded: when it is full, Submit refuses at once and the
// call can fail fast instead of piling up.
class BlockingExecutor {
 public:
  // Starts `threads` workers; at most `max_queued` tasks wait for a free worker.
  BlockingExecutor(int threads, int max_queued);
  // Runs every queued task, then joins the workers.
  ~BlockingExecutor();
  BlockingExecutor(const BlockingExecutor&) = delete;
  BlockingExecutor& operator=(const BlockingExecutor&) = delete;

  // Queues `task` to run on a worker. Returns false, without running it, when the queue is
  // full or the executor is shutting down.
  [[nodiscard]] bool Submit(absl::AnyInvocable<void() &&> task);

 private:
  void WorkLoop();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_BLOCKING_EXECUTOR_H_

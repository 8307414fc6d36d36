#include "src/db/cancel_sender.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <array>
#include <deque>
#include <thread>
#include <utility>

namespace misc::db {

struct CancelSender::Queue {
  absl::Mutex mu;
  std::deque<std::shared_ptr<Request>> pending ABSL_GUARDED_BY(mu);
  size_t max_queued = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

namespace {

// Sends one request and records the answer. PQcancel returns 1 once the server has read the
// request and closed the connection, i.e. the backend has been told.
bool SendCancel(pg_cancel* key) {
  std::array<char, 256> error{};
  if (PQcancel(key, error.data(), static_cast<int>(error.size())) == 1) return true;
  spdlog::debug("database cancel request failed: {}", error.data());
  return false;
}

}  // namespace

bool CancelSender::Request::WaitAcknowledged(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(&done_), deadline);
  return acknowledged_;
}

CancelSender::CancelSender(int threads, int max_queued) : queue_(std::make_shared<Queue>()) {
  queue_->max_queued = static_cast<size_t>(max_queued);
  for (int i = 0; i < threads; ++i) {
    // Detached, holding the queue: see the destructor.
    std::thread([queue = queue_] {
      while (true) {
        std::shared_ptr<Request> request;
        {
          absl::MutexLock lock(&queue->mu);
          queue->mu.Await(absl::Condition(
              +[](Queue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu) {
                return q->stopping || !q->pending.empty();
              },
              queue.get()));
          if (queue->stopping) return;
          request = std::move(queue->pending.front());
          queue->pending.pop_front();
        }
        const bool acknowledged = SendCancel(request->key_.get());
        absl::MutexLock lock(&request->mu_);
        request->done_ = true;
        request->acknowledged_ = acknowledged;
      }
    }).detach();
  }
}

CancelSender::~CancelSender() {
  absl::MutexLock lock(&queue_->mu);
  queue_->stopping = true;
}

std::shared_ptr<CancelSender::Request> CancelSender::Submit(std::shared_ptr<pg_cancel> key) {
  std::shared_ptr<Request> request(new Request(std::move(key)));
  absl::MutexLock lock(&queue_->mu);
  if (queue_->stopping || queue_->pending.size() >= queue_->max_queued) return nullptr;
  queue_->pending.push_back(request);
  return request;
}

}  // namespace misc::db

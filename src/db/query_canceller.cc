#include "src/db/query_canceller.h"

#include <utility>

namespace misc::db {

void QueryCanceller::Cancel() {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return;
  cancelled_ = true;
  if (stop_) stop_();
}

bool QueryCanceller::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool QueryCanceller::Attach(absl::AnyInvocable<void()> stop) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  stop_ = std::move(stop);
  return true;
}

void QueryCanceller::Detach() {
  absl::MutexLock lock(&mu_);
  stop_ = nullptr;
}

}  // namespace misc::db

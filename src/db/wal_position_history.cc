#include "src/db/wal_position_history.h"

#include <algorithm>

namespace misc::db {

void WalPositionHistory::Record(absl::Time asked, uint64_t lsn) {
  absl::MutexLock lock(&mu_);
  if (!samples_.empty() && lsn < samples_.back().lsn) samples_.clear();
  if (!samples_.empty() && samples_.back().lsn == lsn) {
    // An idle primary: only the newest time at this position can ever be the answer.
    samples_.back().asked = asked;
  } else {
    samples_.push_back({asked, lsn});
  }
  while (samples_.size() > 1 && samples_.front().asked < asked - keep_) samples_.pop_front();
}

std::optional<absl::Duration> WalPositionHistory::LagOf(uint64_t replayed, absl::Time now) const {
  absl::MutexLock lock(&mu_);
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (it->lsn <= replayed) return std::max(absl::ZeroDuration(), now - it->asked);
  }
  return std::nullopt;
}

absl::Time WalPositionHistory::Newest() const {
  absl::MutexLock lock(&mu_);
  return samples_.empty() ? absl::InfinitePast() : samples_.back().asked;
}

}  // namespace misc::db

#include "src/db/wal_position_history.h"

#include <algorithm>

namespace misc::db {
namespace {

constexpr uint64_t kWalPageSize = 8192;
// SizeOfXLogShortPHD and SizeOfXLogLongPHD (MAXALIGNed).
constexpr uint64_t kShortPageHeader = 24;
constexpr uint64_t kLongPageHeader = 40;

}  // namespace

uint64_t WalRecordEnd(uint64_t insert_lsn) {
  const uint64_t offset = insert_lsn % kWalPageSize;
  // No record is shorter than 24 bytes, so a record ending 40 bytes into a page with a short
  // header would have to start on the page before: a replay position can be there, but then
  // none can be at the page's start, and the lag comes out the same.
  if (offset == kShortPageHeader || offset == kLongPageHeader) return insert_lsn - offset;
  return insert_lsn;
}

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

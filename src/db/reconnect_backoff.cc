#include "src/db/reconnect_backoff.h"

#include <algorithm>

#include "absl/random/distributions.h"

namespace misc::db {

absl::Duration ReconnectBackoff::NextDelay() {
  absl::Duration delay = initial_;
  for (int i = 1; i < failures_ && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  return delay / 2 + absl::Uniform(random_, 0.0, 1.0) * (delay / 2);
}

void ReconnectBackoff::Failed(absl::Time now) {
  ++failures_;
  next_attempt_ = now + NextDelay();
}

void ReconnectBackoff::Succeeded() {
  failures_ = 0;
  next_attempt_ = absl::InfinitePast();
}

}  // namespace misc::db

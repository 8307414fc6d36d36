#include "src/log/warning_limiter.h"

#include <spdlog/spdlog.h>

#include "absl/time/clock.h"
#include "src/log/absl_format.h"

namespace misc::log {

void WarningLimiter::Warn(absl::string_view cause, absl::string_view detail) {
  const absl::Time now = absl::Now();
  int suppressed = 0;
  absl::Time since;
  {
    absl::MutexLock lock(&mu_);
    Cause& entry = causes_[cause];
    if (now - entry.last_logged < interval_) {
      ++entry.suppressed;
      return;
    }
    suppressed = entry.suppressed;
    since = entry.last_logged;
    entry.last_logged = now;
    entry.suppressed = 0;
  }
  if (suppressed == 0) {
    spdlog::warn("{}: {}", cause, detail);
  } else {
    spdlog::warn("{}: {} ({} more since {})", cause, detail, suppressed,
                 absl::FormatTime("%H:%M:%E3S", since, absl::UTCTimeZone()));
  }
}

}  // namespace misc::log

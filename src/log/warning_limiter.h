#ifndef MISC_SRC_LOG_WARNING_LIMITER_H_
#define MISC_SRC_LOG_WARNING_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::log {

// Logs warnings at most once per cause per `interval`, so that an outage seen by thousands of
// calls writes a few lines instead of thousands. The line after a quiet spell says how many
// were suppressed: "<cause>: <detail> (N more since <time>)". Thread-safe.
class WarningLimiter {
 public:
  explicit WarningLimiter(absl::Duration interval = absl::Seconds(10)) : interval_(interval) {}

  // Logs "<cause>: <detail>" as a warning unless `cause` was logged less than `interval` ago;
  // then only counts it. `cause` is a fixed text; `detail` must hold no secret.
  void Warn(absl::string_view cause, absl::string_view detail);

 private:
  struct Cause {
    absl::Time last_logged = absl::InfinitePast();
    int suppressed = 0;
  };

  const absl::Duration interval_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Cause> causes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::log

#endif  // MISC_SRC_LOG_WARNING_LIMITER_H_

#ifndef MISC_TEST_SUPPORT_EVENTUALLY_H_
#define MISC_TEST_SUPPORT_EVENTUALLY_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace misc::testing {

// Calls `condition` every `poll` until it returns true or `timeout` passes. Returns true as
// soon as it does; false when the time ran out (the condition is asked once more at the
// deadline, so a slow last probe still counts). The bounded poll of every test that waits for
// a server or the database to change state.
inline bool Eventually(const std::function<bool()>& condition, absl::Duration timeout,
                       absl::Duration poll = absl::Milliseconds(50)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() >= deadline) return condition();
    absl::SleepFor(poll);
  }
  return true;
}

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_EVENTUALLY_H_

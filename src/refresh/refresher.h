#ifndef MISC_SRC_REFRESH_REFRESHER_H_
#define MISC_SRC_REFRESH_REFRESHER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::refresh {

// Runs every registered reload on one background thread, each at its own interval: the one
// refresher of a process, shared by every service that keeps data in memory.
//
// A reload typically reads a table and Set()s a Snapshot the service reads from. The reload
// function is called on the live objects it captured (hold them by shared_ptr or reference,
// never by copy): the field report behind misc lost its refreshes to a timer bound to a copy.
class Refresher {
 public:
  // A reload: returns OK when the new data is in place; on error the last good data stays.
  using Reload = std::function<absl::Status()>;

  Refresher() = default;
  // Stops the background thread; a reload in progress finishes first.
  ~Refresher();
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  // Registers `reload` under `name` (for logs), to run every `interval`. Call before Start.
  void Add(std::string name, absl::Duration interval, Reload reload);

  // Runs every reload once now, on the calling thread, then starts the background thread.
  // Returns the first failure of that first round (the background thread keeps retrying
  // failed ones at their interval either way).
  absl::Status Start();

  // Stops the background thread. Idempotent.
  void Stop();

  // Returns the names of the registered reloads, in registration order.
  std::vector<std::string> Names() const;

  // Returns true when every registered reload has succeeded at least once.
  bool AllLoaded() const;

  // Returns the time of `name`'s last successful reload, or absl::InfinitePast() if none.
  absl::Time LastSuccess(const std::string& name) const;

 private:
  struct Entry {
    std::string name;
    absl::Duration interval;
    Reload reload;
    absl::Time next_run = absl::InfinitePast();
    absl::Time last_success = absl::InfinitePast();
    bool failing = false;
  };

  void Loop();
  // Runs `entry`'s reload, logs its outcome and schedules the next run.
  absl::Status RunOne(Entry& entry);

  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace misc::refresh

#endif  // MISC_SRC_REFRESH_REFRESHER_H_

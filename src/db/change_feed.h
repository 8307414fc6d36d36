#ifndef MISC_SRC_DB_CHANGE_FEED_H_
#define MISC_SRC_DB_CHANGE_FEED_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/db/pool.h"
#include "src/log/warning_limiter.h"

struct pg_conn;

namespace misc::db {

// What a subscriber of a change channel is told.
struct ChangeSubscriber {
  // The payload of each notification on the channel (what the migration's trigger sends).
  std::function<void(absl::string_view payload)> on_change;
  // Called with true once the feed listens (from then on no change is missed), and with false
  // as soon as it may miss one (connection lost, or a heartbeat unanswered). Starts false.
  std::function<void(bool listening)> on_listening;
};

// The process's one LISTEN session: a dedicated PostgreSQL connection, outside the pool, that
// LISTENs on every subscribed channel and hands each notification to its subscribers.
//
// A silent server never holds it: a heartbeat (an empty query) is sent every
// `heartbeat_interval`, and when one stays unanswered that long again, or the connection
// breaks, subscribers hear on_listening(false) at once; the feed then reconnects with
// backoff (capped at the pool's cap or 5 s, whichever is longer) and re-LISTENs before saying
// true again. Warnings are rate-limited like the pool's. Without subscribers it opens no
// connection. Thread-safe; subscribe before Start.
class ChangeFeed {
 public:
  // Listens through a session opened with `options` (its url and session settings). An empty
  // `options.url` means there is no connection that can LISTEN: subscribers are never told
  // they may trust the feed, so their caches stay bypassed (a warning at Start says so).
  ChangeFeed(const PoolOptions& options, absl::Duration heartbeat_interval);
  // Stop().
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Adds a subscriber of `channel` (an identifier: letters, digits and `_`).
  void Subscribe(const std::string& channel, ChangeSubscriber subscriber);

  // Starts the session's thread (when anything subscribed).
  void Start();

  // Stops the thread and closes the session; subscribers hear on_listening(false).
  void Stop();

 private:
  void Loop();
  // LISTENs on `conn` and dispatches notifications until the session fails or Stop; tells
  // subscribers false before returning. Returns whether it got as far as listening.
  bool RunSession(pg_conn* conn);
  void SetListening(bool listening);
  void Dispatch(const std::string& channel, absl::string_view payload);
  // Sleeps `duration` or until Stop; returns false when stopping.
  bool SleepUnlessStopped(absl::Duration duration);

  const std::string conninfo_;
  const bool has_url_;
  const absl::Duration connect_timeout_;
  const absl::Duration heartbeat_interval_;
  const absl::Duration backoff_max_;
  std::vector<std::pair<std::string, ChangeSubscriber>> subscribers_;
  // What subscribers were last told, so that each hears only changes of it.
  std::atomic<bool> listening_{false};
  std::atomic<bool> stopping_{false};
  log::WarningLimiter warnings_;
  int wake_fd_ = -1;  // eventfd: Stop wakes the session's poll.
  absl::Mutex stop_mu_;
  std::thread thread_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_CHANGE_FEED_H_

#ifndef MISC_SRC_DB_SOCKET_WATCHDOG_H_
#define MISC_SRC_DB_SOCKET_WATCHDOG_H_

#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::db {

// Bounds how long a thread can stay blocked on a database socket. libpqxx waits for a result
// with no timeout of its own, and a server that stops answering (a partition, a stopped
// process, a stuck primary) never ends that wait; TCP keepalives cannot help when the peer's
// kernel still acknowledges. The watchdog shuts the socket down (shutdown(2), never close(2))
// once its deadline passes, so the blocked libpq call returns at once with "connection lost"
// and the connection is dropped. Thread-safe; one thread of its own.
class SocketWatchdog {
 public:
  using Id = uint64_t;

  SocketWatchdog();
  // Stops the watchdog's thread; sockets still armed are left alone.
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;

  // Starts watching `fd`: at `deadline` it is shut down. Returns the id to Shorten or Disarm.
  [[nodiscard]] Id Arm(int fd, absl::Time deadline);

  // Moves the deadline of `id` to `deadline` when that is earlier; never later.
  void Shorten(Id id, absl::Time deadline);

  // Moves the deadline of every armed socket to `deadline` when that is earlier (the process
  // is shutting down).
  void ShortenAll(absl::Time deadline);

  // Stops watching `id`. Returns true when its socket was already shut down. Once it returns
  // the watchdog never touches that fd again, so the caller may close it.
  bool Disarm(Id id);

 private:
  struct Entry {
    int fd;
    absl::Time deadline;
    bool fired = false;
  };

  void Loop();
  // Shuts down every entry whose deadline has passed; returns the earliest deadline left.
  absl::Time FireExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<Id, Entry> entries_ ABSL_GUARDED_BY(mu_);
  Id next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // When the thread next wakes by itself. Arm and Shorten wake it (by bumping changes_) only
  // for an earlier deadline, so a read that ends in time costs the thread nothing.
  absl::Time next_wake_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace misc::db

#endif  // MISC_SRC_DB_SOCKET_WATCHDOG_H_

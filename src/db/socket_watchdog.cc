#include "src/db/socket_watchdog.h"

#include <sys/socket.h>

#include <algorithm>

#include "absl/time/clock.h"

namespace misc::db {
namespace {

// Shutting a socket down wakes every thread blocked on it (poll, recv) with end-of-file, but,
// unlike close(2), leaves the fd allocated, so it can never be reused for another file while
// libpq still holds it.
void ShutDown(int fd) { ::shutdown(fd, SHUT_RDWR); }

}  // namespace

SocketWatchdog::SocketWatchdog() : thread_([this] { Loop(); }) {}

SocketWatchdog::~SocketWatchdog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

SocketWatchdog::Id SocketWatchdog::Arm(int fd, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  const Id id = next_id_++;
  entries_.emplace(id, Entry{.fd = fd, .deadline = deadline});
  if (deadline < next_wake_) ++changes_;
  return id;
}

void SocketWatchdog::Shorten(Id id, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end() || deadline >= it->second.deadline) return;
  it->second.deadline = deadline;
  if (deadline < next_wake_) ++changes_;
}

void SocketWatchdog::ShortenAll(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  for (auto& [id, entry] : entries_) entry.deadline = std::min(entry.deadline, deadline);
  if (deadline < next_wake_) ++changes_;
}

bool SocketWatchdog::Disarm(Id id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  const bool fired = it->second.fired;
  entries_.erase(it);
  return fired;
}

absl::Time SocketWatchdog::FireExpired(absl::Time now) {
  absl::Time earliest = absl::InfiniteFuture();
  for (auto& [id, entry] : entries_) {
    if (entry.fired) continue;
    if (entry.deadline <= now) {
      ShutDown(entry.fd);  // Under the lock: Disarm cannot return while the fd is touched.
      entry.fired = true;
    } else {
      earliest = std::min(earliest, entry.deadline);
    }
  }
  return earliest;
}

void SocketWatchdog::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    next_wake_ = FireExpired(absl::Now());
    const uint64_t seen = changes_;
    const auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || changes_ != seen;
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), next_wake_);
  }
}

}  // namespace misc::db

#include "src/db/change_feed.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/db/connection.h"
#include "src/db/reconnect_backoff.h"

namespace misc::db {
namespace {

constexpr absl::Duration kBackoffInitial = absl::Milliseconds(50);
// The feed retries more patiently than the pool: while it is down the caches are off, which
// costs database reads, never answers, and an outage should not cost PostgreSQL two storms.
constexpr absl::Duration kBackoffMaxAtLeast = absl::Seconds(5);

// Waits until `fd` has `events` or the eventfd `wake_fd` fires, at most until `deadline`.
// Returns the events seen on `fd` (0 on timeout or wake).
int PollUntil(int fd, int16_t events, int wake_fd, absl::Time deadline) {
  pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
  const int64_t ms = std::max<int64_t>(
      0, absl::ToInt64Milliseconds(absl::Ceil(deadline - absl::Now(), absl::Milliseconds(1))));
  const int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(ms, 60000)));
  if (ready <= 0) return 0;
  return fds[0].revents;
}

}  // namespace

ChangeFeed::ChangeFeed(const PoolOptions& options, absl::Duration heartbeat_interval)
    : conninfo_(SessionConninfo(options)),
      has_url_(!options.url.empty()),
      connect_timeout_(options.connect_timeout),
      heartbeat_interval_(heartbeat_interval),
      backoff_max_(std::max(options.reconnect_backoff_max, kBackoffMaxAtLeast)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ChangeFeed::~ChangeFeed() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void ChangeFeed::Subscribe(const std::string& channel, ChangeSubscriber subscriber) {
  subscribers_.emplace_back(channel, std::move(subscriber));
}

void ChangeFeed::Start() {
  if (subscribers_.empty() || thread_.joinable()) return;
  if (!has_url_) {
    spdlog::warn(
        "change feed: no connection to LISTEN on (--db_unnamed_statements without "
        "--database_listen_url): caches are bypassed");
    return;
  }
  thread_ = std::thread([this] { Loop(); });
}

void ChangeFeed::Stop() {
  absl::MutexLock lock(&stop_mu_);
  stopping_ = true;
  const uint64_t one = 1;
  if (wake_fd_ >= 0 && write(wake_fd_, &one, sizeof(one)) < 0) {
    // Nothing to do: the session also wakes for its heartbeat.
  }
  if (thread_.joinable()) thread_.join();
}

void ChangeFeed::SetListening(bool listening) {
  if (listening_.exchange(listening) == listening) return;
  for (auto& [channel, subscriber] : subscribers_) {
    if (subscriber.on_listening) subscriber.on_listening(listening);
  }
}

void ChangeFeed::Dispatch(const std::string& channel, absl::string_view payload) {
  for (auto& [subscribed, subscriber] : subscribers_) {
    if (subscribed == channel && subscriber.on_change) subscriber.on_change(payload);
  }
}

bool ChangeFeed::SleepUnlessStopped(absl::Duration duration) {
  PollUntil(-1, 0, wake_fd_, absl::Now() + duration);
  return !stopping_.load();
}

void ChangeFeed::Loop() {
  ReconnectBackoff backoff(kBackoffInitial, backoff_max_);
  while (!stopping_.load()) {
    // Bounded by --db_connect_timeout and abandoned at Stop, like the pool's connections.
    absl::StatusOr<std::unique_ptr<Connection>> opened =
        Connection::Open(conninfo_, absl::Now() + connect_timeout_, &stopping_);
    if (!opened.ok()) {
      if (!stopping_.load()) {
        warnings_.Warn("change feed: cannot connect to the database",
                       "caches stay off until it can");
      }
    } else if (RunSession((*opened)->libpq())) {
      backoff.Succeeded();  // It listened: the next attempt starts from the shortest wait.
    }
    // Every ended session counts as a failure too, so that a database that accepts
    // connections but breaks them (or refuses LISTEN) is retried under the backoff.
    backoff.Failed(absl::Now());
    if (!SleepUnlessStopped(backoff.next_attempt() - absl::Now())) break;
  }
  SetListening(false);
}

bool ChangeFeed::RunSession(PGconn* conn) {
  absl::Cleanup not_listening = [this] { SetListening(false); };
  PQsetnonblocking(conn, 1);
  const int socket = PQsocket(conn);
  // Sends `sql` and waits for its last result, at most one heartbeat interval.
  auto run = [&](const std::string& sql) {
    if (PQsendQuery(conn, sql.c_str()) == 0) return false;
    const absl::Time deadline = absl::Now() + heartbeat_interval_;
    while (PQflush(conn) == 1) {
      if (PollUntil(socket, POLLOUT, wake_fd_, deadline) == 0) return false;
    }
    bool ok = true;
    while (true) {
      while (PQisBusy(conn) != 0) {
        if (PollUntil(socket, POLLIN, wake_fd_, deadline) == 0 || PQconsumeInput(conn) == 0) {
          return false;
        }
      }
      PGresult* result = PQgetResult(conn);
      if (result == nullptr) return ok;
      const ExecStatusType status = PQresultStatus(result);
      ok = ok &&
           (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY);
      PQclear(result);
    }
  };
  std::string listen;
  for (const auto& [channel, subscriber] : subscribers_) {
    absl::StrAppend(&listen, "LISTEN ", channel, ";");
  }
  if (!run(listen)) {
    warnings_.Warn("change feed: LISTEN failed", PQerrorMessage(conn));
    return false;
  }
  SetListening(true);
  spdlog::info("change feed: listening");
  const auto dispatch_received = [&] {
    while (PGnotify* notify = PQnotifies(conn)) {
      Dispatch(notify->relname, notify->extra);
      PQfreemem(notify);
    }
  };
  absl::Time next_heartbeat = absl::Now() + heartbeat_interval_;
  while (!stopping_.load()) {
    const int events = PollUntil(socket, POLLIN, wake_fd_, next_heartbeat);
    if (events != 0 && PQconsumeInput(conn) == 0) break;
    dispatch_received();
    if (stopping_.load()) break;
    if (absl::Now() >= next_heartbeat) {
      // Unanswered within an interval: the server or the path to it went silent, and
      // notifications may be lost; the caches stop trusting the feed now, not at TCP's timeout.
      if (!run("")) break;
      dispatch_received();  // What arrived while it waited for the answer.
      next_heartbeat = absl::Now() + heartbeat_interval_;
    }
  }
  if (!stopping_.load()) {
    warnings_.Warn("change feed: session lost", "caches are off until it is back");
  }
  return true;
}

}  // namespace misc::db

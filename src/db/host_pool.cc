#include "src/db/host_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "src/db/connection.h"
#include "src/log/logging.h"

namespace misc::db {

struct HostPool::Slot {
  std::unique_ptr<Connection> connection;
  absl::flat_hash_set<absl::string_view> prepared;
  // The session's statement_timeout in milliseconds; 0 until this pool has set it.
  int64_t statement_timeout_ms = 0;
  // HostPool::generation_ when this connection last answered.
  uint64_t generation = 0;
};

// What one ReadOnce did.
struct HostPool::Attempt {
  absl::Status status;
  // The connection broke before `work` finished: Read may run it once more.
  bool connection_lost = false;
};

namespace {

// SQLSTATE 57014: the statement was cancelled, by statement_timeout or a cancel request.
constexpr absl::string_view kQueryCanceled = "57014";
// Never let a query run for less than this, so a nearly expired deadline still gets a try.
constexpr absl::Duration kMinStatementTimeout = absl::Milliseconds(1);
// Left for sending the answer after the query returns.
constexpr absl::Duration kDeadlineMargin = absl::Milliseconds(5);
// The first delay between failing connection attempts; it doubles up to
// PoolOptions::reconnect_backoff_max.
constexpr absl::Duration kReconnectBackoffInitial = absl::Milliseconds(50);
// Cancel requests waiting for a sender thread; more are not sent (the deadline still holds).
constexpr int kMaxQueuedCancels = 64;

// libpq takes whole seconds for keepalives and milliseconds for tcp_user_timeout.
int64_t Seconds(absl::Duration d) { return std::max<int64_t>(1, absl::ToInt64Seconds(d)); }

// How often a backend running a query checks that misc is still there (PostgreSQL 14+), so a
// query whose connection misc abandoned (deadline, drain) stops instead of running on.
constexpr absl::Duration kClientConnectionCheckInterval = absl::Seconds(1);

// Adds the settings every pooled connection needs to the caller's connection string. Every
// session is read-only, so even a bug cannot write through misc. Connection attempts are
// bounded by Connection::Open itself, not by libpq's connect_timeout.
absl::Status Unavailable() { return absl::UnavailableError("database unavailable"); }

}  // namespace

std::string SessionConninfo(const PoolOptions& options) {
  const std::vector<std::pair<absl::string_view, std::string>> settings = {
      {"application_name", "misc"},
      {"keepalives", "1"},
      {"keepalives_idle", absl::StrCat(Seconds(options.keepalives_idle))},
      {"keepalives_interval", absl::StrCat(Seconds(options.keepalives_interval))},
      {"keepalives_count", absl::StrCat(options.keepalives_count)},
      {"tcp_user_timeout", absl::StrCat(absl::ToInt64Milliseconds(options.tcp_user_timeout))},
  };
  const bool is_url = absl::StartsWith(options.url, "postgresql://") ||
                      absl::StartsWith(options.url, "postgres://");
  if (options.unnamed_statements) {
    // PgBouncer 1.18 refuses a connection that sends `options` (and ignoring it there would
    // silently drop read-only): the role's settings apply instead.
    return is_url ? absl::StrCat(options.url, absl::StrContains(options.url, "?") ? "&" : "?",
                                 absl::StrJoin(settings, "&", absl::PairFormatter("=")))
                  : absl::StrCat(options.url, " ",
                                 absl::StrJoin(settings, " ", absl::PairFormatter("=")));
  }
  if (is_url) {
    return absl::StrCat(options.url, absl::StrContains(options.url, "?") ? "&" : "?",
                        absl::StrJoin(settings, "&", absl::PairFormatter("=")),
                        "&options=-c%20default_transaction_read_only%3Don"
                        "%20-c%20client_connection_check_interval%3D",
                        absl::ToInt64Milliseconds(kClientConnectionCheckInterval));
  }
  return absl::StrCat(options.url, " ", absl::StrJoin(settings, " ", absl::PairFormatter("=")),
                      " options='-c default_transaction_read_only=on",
                      " -c client_connection_check_interval=",
                      absl::ToInt64Milliseconds(kClientConnectionCheckInterval), "'");
}

HostPool::HostPool(PoolOptions options)
    : options_(std::move(options)),
      conninfo_(SessionConninfo(options_)),
      log_prefix_(options_.log_name.empty() ? "" : absl::StrCat(options_.log_name, ": ")),
      cancels_(kCancelConnections, kMaxQueuedCancels),
      last_answer_unix_nanos_(absl::ToUnixNanos(absl::InfinitePast())),
      backoff_(kReconnectBackoffInitial, options_.reconnect_backoff_max),
      opener_([this] { OpenLoop(); }) {}

HostPool::~HostPool() {
  Close();
  opener_.join();
}

void HostPool::Close() {
  closing_ = true;
  absl::MutexLock lock(&mu_);
  closed_ = true;
  // Not at once: the drain's end also cancels the calls still running, and a query stopped by
  // its cancel request leaves libpq in a clean state, where a shut-down socket mid-statement
  // takes libpq's error path (which leaks a result in PQprepare: LeakSanitizer sees it).
  watchdog_.ShortenAll(absl::Now() + options_.cancel_timeout);
}

absl::Time HostPool::LastAnswer() const { return absl::FromUnixNanos(last_answer_unix_nanos_); }

int HostPool::OpenConnections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int HostPool::BusyConnections() const {
  absl::MutexLock lock(&mu_);
  return open_ - static_cast<int>(idle_.size());
}

int HostPool::Waiters() const {
  absl::MutexLock lock(&mu_);
  return waiters_;
}

bool HostPool::Failing() const {
  absl::MutexLock lock(&mu_);
  return backoff_.failing();
}

void HostPool::OpenLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    const auto needed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || (wanted_ && open_ < options_.size);
    };
    mu_.Await(absl::Condition(&needed));
    if (closed_) return;
    // Wait out the backoff; Close() ends the wait.
    if (mu_.AwaitWithDeadline(absl::Condition(&closed_), backoff_.next_attempt())) return;
    wanted_ = false;
    ++open_;  // Reserve the place while connecting outside the lock.
    absl::StatusOr<std::unique_ptr<Connection>> opened;
    {
      mu_.Unlock();
      opened = Connection::Open(conninfo_, absl::Now() + options_.connect_timeout, &closing_);
      mu_.Lock();
    }
    if (!opened.ok()) {
      --open_;
      backoff_.Failed(absl::Now());
      // Keep trying, spaced by the backoff, until the database is back, so that recovery
      // does not wait for the next call. Waiters see `failing` and fail fast meanwhile.
      wanted_ = true;
      warnings_.Warn(absl::StrCat(log_prefix_, "database connection failed"),
                     opened.status().message());
      continue;
    }
    backoff_.Succeeded();
    auto slot = std::make_unique<Slot>();
    slot->connection = *std::move(opened);
    slot->generation = generation_;
    idle_.push_back(std::move(slot));
    wanted_ = waiters_ > 0;
  }
}

absl::StatusOr<std::unique_ptr<HostPool::Slot>> HostPool::Acquire(absl::Time deadline) {
  const absl::Time start = absl::Now();
  absl::Cleanup report_wait = [this, start] {
    if (options_.on_acquire_wait) options_.on_acquire_wait(absl::Now() - start);
  };
  std::vector<std::unique_ptr<Slot>> suspect;  // Closed outside the lock.
  absl::MutexLock lock(&mu_);
  const auto take_idle = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> std::unique_ptr<Slot> {
    while (!idle_.empty()) {
      std::unique_ptr<Slot> slot = std::move(idle_.back());
      idle_.pop_back();
      if (slot->generation == generation_) return slot;
      --open_;
      suspect.push_back(std::move(slot));
    }
    return nullptr;
  };
  if (closed_) return Unavailable();
  if (std::unique_ptr<Slot> slot = take_idle()) return slot;
  wanted_ = true;
  // While connection attempts fail, the database is down: say so at once.
  if (backoff_.failing()) return Unavailable();
  if (waiters_ >= options_.max_waiters) {
    return absl::UnavailableError("too many calls waiting for a database connection");
  }
  ++waiters_;
  const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || !idle_.empty() || backoff_.failing();
  };
  while (true) {
    const bool woke = mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
    if (!woke) {
      --waiters_;
      return absl::DeadlineExceededError("no database connection before the deadline");
    }
    if (closed_ || backoff_.failing()) {
      --waiters_;
      return Unavailable();
    }
    if (std::unique_ptr<Slot> slot = take_idle()) {
      --waiters_;
      return slot;
    }
    wanted_ = true;  // Every idle one was suspect: ask for a new one.
  }
}

void HostPool::Release(std::unique_ptr<Slot> slot, bool drop) {
  if (drop) slot.reset();  // Close outside the lock.
  absl::MutexLock lock(&mu_);
  if (drop) {
    --open_;
    if (waiters_ > 0) wanted_ = true;
  } else {
    slot->generation = generation_;  // It just answered.
    idle_.push_back(std::move(slot));
  }
}

absl::Status HostPool::Read(absl::Time deadline, absl::FunctionRef<absl::Status(Session&)> work,
                            QueryCanceller* canceller) {
  Attempt attempt = ReadOnce(deadline, work, canceller);
  if (attempt.connection_lost && absl::Now() < deadline) {
    attempt = ReadOnce(deadline, work, canceller);
  }
  return attempt.status;
}

HostPool::Attempt HostPool::ReadOnce(absl::Time deadline,
                                     absl::FunctionRef<absl::Status(Session&)> work,
                                     QueryCanceller* canceller) {
  absl::StatusOr<std::unique_ptr<Slot>> acquired = Acquire(deadline);
  if (!acquired.ok()) return {.status = acquired.status()};
  std::unique_ptr<Slot> slot = *std::move(acquired);
  const SocketWatchdog::Id watch =
      watchdog_.Arm(slot->connection->socket(), deadline + kAbandonGrace);
  // Set by the canceller, on the canceller's thread, until Detach() returns.
  std::shared_ptr<CancelSender::Request> cancel_request;
  if (canceller != nullptr &&
      !canceller->Attach([this, watch, &cancel_request, key = slot->connection->cancel_key()] {
        cancel_request = cancels_.Submit(key);
        watchdog_.Shorten(watch, absl::Now() + options_.cancel_timeout);
      })) {
    watchdog_.Disarm(watch);
    Release(std::move(slot), /*drop=*/false);
    return {.status = absl::CancelledError("call cancelled")};
  }

  Attempt attempt;
  bool answered = true;  // The server answered (rows or an SQL error).
  Session session(slot->connection->pqxx(), slot->prepared, options_.unnamed_statements);
  try {
    const absl::Duration budget =
        canceller != nullptr
            ? options_.statement_timeout
            : std::max(kMinStatementTimeout, deadline - absl::Now() - kDeadlineMargin);
    const int64_t timeout_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(budget));
    // Through a transaction-mode pooler a SET would outlive this read on a server connection
    // another client gets next: the role's statement_timeout holds there instead.
    if (!options_.unnamed_statements && slot->statement_timeout_ms != timeout_ms) {
      pqxx::nontransaction(slot->connection->pqxx())
          .exec0(absl::StrCat("SET statement_timeout = ", timeout_ms));
      slot->statement_timeout_ms = timeout_ms;
    }
    attempt.status = work(session);
  } catch (const pqxx::broken_connection&) {
    answered = false;
    // Run the work again only if none of it has run: a store may act on what it read.
    attempt.connection_lost = session.answered() == 0;
    attempt.status = Unavailable();
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == kQueryCanceled && canceller != nullptr && canceller->cancelled()) {
      attempt.status = absl::CancelledError("call cancelled");
    } else if (e.sqlstate() == kQueryCanceled) {
      attempt.status = absl::DeadlineExceededError("deadline exceeded while querying the database");
    } else {
      spdlog::error("database error (SQLSTATE {}): {}", e.sqlstate(), e.what());
      attempt.status = absl::InternalError("database error");
    }
  } catch (const std::exception& e) {
    spdlog::error("database client error: {}", e.what());
    attempt.status = absl::InternalError("database error");
  }
  if (canceller != nullptr) canceller->Detach();
  const bool abandoned = watchdog_.Disarm(watch);
  bool drop = !answered;
  if (abandoned) {
    // The watchdog ended a read the server left unanswered: that is the deadline (or the
    // cancel) speaking, not a broken connection to retry.
    attempt.connection_lost = false;
    attempt.status = canceller != nullptr && canceller->cancelled()
                         ? absl::CancelledError("call cancelled")
                         : absl::DeadlineExceededError("the database did not answer in time");
    warnings_.Warn(absl::StrCat(log_prefix_, "database query abandoned"),
                   "no answer before the deadline; its connection was closed");
  } else if (!answered) {
    warnings_.Warn(absl::StrCat(log_prefix_, "database connection lost"),
                   "a pooled connection broke; it is replaced");
    absl::MutexLock lock(&mu_);
    ++generation_;  // Idle connections from before the break (a restart?) are suspect too.
  }
  // A cancel request still on its way could stop the next query on this session: reuse the
  // session only once the server has acted on it.
  if (!drop && cancel_request != nullptr &&
      !cancel_request->WaitAcknowledged(absl::Now() + options_.cancel_timeout)) {
    drop = true;
  }
  if (!drop && !slot->connection->is_open()) drop = true;
  if (answered) last_answer_unix_nanos_ = absl::ToUnixNanos(absl::Now());
  Release(std::move(slot), drop);
  return attempt;
}

}  // namespace misc::db

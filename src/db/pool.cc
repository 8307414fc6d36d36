#include "src/db/pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/log/logging.h"

namespace misc::db {

struct Pool::Slot {
  std::unique_ptr<pqxx::connection> connection;
  absl::flat_hash_set<absl::string_view> prepared;
  // The session's statement_timeout in milliseconds; 0 until this pool has set it.
  int64_t statement_timeout_ms = 0;
};

namespace {

// SQLSTATE 57014: the statement was cancelled, here by statement_timeout.
constexpr absl::string_view kQueryCanceled = "57014";
// Never let a query run for less than this, so a nearly expired deadline still gets a try.
constexpr absl::Duration kMinStatementTimeout = absl::Milliseconds(1);
// Left for sending the answer after the query returns.
constexpr absl::Duration kDeadlineMargin = absl::Milliseconds(5);

// Adds settings every pooled connection needs to the caller's connection string. Every
// session is read-only, so even a bug cannot write through misc.
std::string Conninfo(const PoolOptions& options) {
  const int64_t timeout = std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout));
  if (absl::StartsWith(options.url, "postgresql://") ||
      absl::StartsWith(options.url, "postgres://")) {
    return absl::StrCat(options.url, absl::StrContains(options.url, "?") ? "&" : "?",
                        "connect_timeout=", timeout,
                        "&application_name=misc&options=-c%20default_transaction_read_only%3Don");
  }
  return absl::StrCat(options.url, " connect_timeout=", timeout,
                      " application_name=misc options='-c default_transaction_read_only=on'");
}

absl::Status Unavailable() { return absl::UnavailableError("database unavailable"); }

}  // namespace

Pool::Pool(PoolOptions options) : options_(std::move(options)), conninfo_(Conninfo(options_)) {}

Pool::~Pool() = default;

int Pool::OpenConnections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int Pool::BusyConnections() const {
  absl::MutexLock lock(&mu_);
  return open_ - static_cast<int>(idle_.size());
}

int Pool::Waiters() const {
  absl::MutexLock lock(&mu_);
  return waiters_;
}

absl::StatusOr<std::unique_ptr<Pool::Slot>> Pool::Connect() {
  try {
    auto slot = std::make_unique<Slot>();
    slot->connection = std::make_unique<pqxx::connection>(conninfo_);
    return slot;
  } catch (const std::exception& e) {
    // libpq's message names host and port, never the password.
    spdlog::warn("database connection failed: {}", e.what());
    return Unavailable();
  }
}

absl::StatusOr<std::unique_ptr<Pool::Slot>> Pool::Acquire(absl::Time deadline) {
  const absl::Time start = absl::Now();
  absl::Cleanup report_wait = [this, start] {
    if (options_.on_acquire_wait) options_.on_acquire_wait(absl::Now() - start);
  };
  {
    absl::MutexLock lock(&mu_);
    if (idle_.empty() && open_ >= options_.size) {
      if (waiters_ >= options_.max_waiters) {
        return absl::UnavailableError("too many calls waiting for a database connection");
      }
      ++waiters_;
      const auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < options_.size;
      };
      const bool got = mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
      --waiters_;
      if (!got) return absl::DeadlineExceededError("no database connection before the deadline");
    }
    if (!idle_.empty()) {
      std::unique_ptr<Slot> slot = std::move(idle_.back());
      idle_.pop_back();
      return slot;
    }
    ++open_;  // Reserve the place before connecting outside the lock.
  }
  absl::StatusOr<std::unique_ptr<Slot>> slot = Connect();
  if (!slot.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return slot;
}

void Pool::Release(std::unique_ptr<Slot> slot, bool broken) {
  if (broken) slot.reset();  // Close outside the lock.
  absl::MutexLock lock(&mu_);
  if (broken) {
    --open_;
  } else {
    idle_.push_back(std::move(slot));
  }
}

absl::Status Pool::Read(absl::Time deadline, absl::FunctionRef<absl::Status(Transaction&)> work,
                        QueryCanceller* canceller) {
  bool broken = false;
  absl::Status status = ReadOnce(deadline, work, canceller, &broken);
  const bool cancelled = canceller != nullptr && canceller->cancelled();
  if (broken && !cancelled && absl::Now() < deadline) {
    status = ReadOnce(deadline, work, canceller, &broken);
  }
  return status;
}

absl::Status Pool::ReadOnce(absl::Time deadline, absl::FunctionRef<absl::Status(Transaction&)> work,
                            QueryCanceller* canceller, bool* broken) {
  *broken = false;
  absl::StatusOr<std::unique_ptr<Slot>> acquired = Acquire(deadline);
  if (!acquired.ok()) return acquired.status();
  std::unique_ptr<Slot> slot = *std::move(acquired);
  if (canceller != nullptr && !canceller->Attach(slot->connection.get())) {
    Release(std::move(slot), /*broken=*/false);
    return absl::CancelledError("call cancelled");
  }
  absl::Status status;
  try {
    const absl::Duration budget =
        canceller != nullptr
            ? options_.statement_timeout
            : std::max(kMinStatementTimeout, deadline - absl::Now() - kDeadlineMargin);
    const int64_t timeout_ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(budget));
    // Autocommit: every statement is its own read-only transaction, one round trip each.
    pqxx::nontransaction tx(*slot->connection);
    if (slot->statement_timeout_ms != timeout_ms) {
      tx.exec0(absl::StrCat("SET statement_timeout = ", timeout_ms));
      slot->statement_timeout_ms = timeout_ms;
    }
    Transaction transaction(tx, slot->prepared);
    status = work(transaction);
  } catch (const pqxx::broken_connection& e) {
    spdlog::warn("database connection lost: {}", e.what());
    *broken = true;
    status = Unavailable();
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() == kQueryCanceled && canceller != nullptr && canceller->cancelled()) {
      status = absl::CancelledError("call cancelled");
    } else if (e.sqlstate() == kQueryCanceled) {
      status = absl::DeadlineExceededError("deadline exceeded while querying the database");
    } else {
      spdlog::error("database error (SQLSTATE {}): {}", e.sqlstate(), e.what());
      status = absl::InternalError("database error");
    }
  } catch (const std::exception& e) {
    spdlog::error("database client error: {}", e.what());
    status = absl::InternalError("database error");
  }
  if (canceller != nullptr) {
    canceller->Detach();
    // A cancel request may still be on its way to the server: never reuse that session.
    if (canceller->cancelled()) *broken = true;
  }
  if (!*broken && !slot->connection->is_open()) *broken = true;
  Release(std::move(slot), *broken);
  return status;
}

}  // namespace misc::db

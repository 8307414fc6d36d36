#include "cmd/migrate/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cmd/migrate/database_url.h"
#include "spdlog/spdlog.h"

namespace misc::migrate {
namespace {

constexpr std::string_view kTryLock = "SELECT pg_try_advisory_lock($1)";
constexpr std::string_view kUnlock = "SELECT pg_advisory_unlock($1)";
constexpr std::string_view kSetApplicationName = "SET application_name = 'misc-migrate'";
// SET LOCAL lock_timeout = $1, as a parameterised statement.
constexpr std::string_view kSetLocalLockTimeout = "SELECT set_config('lock_timeout', $1, true)";
// PostgreSQL's SQLSTATE for a lock wait that ran into lock_timeout (lock_not_available).
constexpr std::string_view kLockNotAvailable = "55P03";

constexpr absl::Duration kLockPollInterval = absl::Milliseconds(200);
constexpr absl::Duration kFirstRetryDelay = absl::Milliseconds(500);
constexpr absl::Duration kMaxRetryDelay = absl::Seconds(2);

class NoticeLogger final : public pqxx::errorhandler {
 public:
  explicit NoticeLogger(pqxx::connection_base& connection) : pqxx::errorhandler(connection) {}
  bool operator()(const char message[]) noexcept override {
    spdlog::info("postgres: {}", std::string(absl::StripTrailingAsciiWhitespace(message)));
    return false;
  }
};

std::string Message(const std::exception& e) {
  return std::string(absl::StripTrailingAsciiWhitespace(e.what()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Session>> Session::Connect(const ConnectOptions& options,
                                                          Cancellation* cancellation) {
  const absl::Time deadline = absl::Now() + options.wait;
  absl::Duration delay = kFirstRetryDelay;
  for (int attempt = 1;; ++attempt) {
    if (cancellation->cancelled()) return absl::CancelledError("cancelled before connecting");
    std::string error;
    try {
      auto connection = std::make_unique<pqxx::connection>(options.database_url);
      pqxx::nontransaction(*connection).exec0(std::string(kSetApplicationName));
      return std::unique_ptr<Session>(
          new Session(options.database_url, std::move(connection), cancellation));
    } catch (const pqxx::broken_connection& e) {
      error = HidePassword(Message(e), options.database_url);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot connect to the database: ", HidePassword(Message(e), options.database_url)));
    }
    if (absl::Now() + delay > deadline) {
      return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", error));
    }
    spdlog::warn("database not reachable yet (attempt {}, retrying in {} until {} has passed): {}",
                 attempt, absl::FormatDuration(delay), absl::FormatDuration(options.wait), error);
    if (!cancellation->SleepFor(delay)) {
      return absl::CancelledError("cancelled while waiting for the database");
    }
    delay = std::min(2 * delay, kMaxRetryDelay);
  }
}

Session::Session(std::string database_url, std::unique_ptr<pqxx::connection> connection,
                 Cancellation* cancellation)
    : database_url_(std::move(database_url)),
      connection_(std::move(connection)),
      notice_logger_(std::make_unique<NoticeLogger>(*connection_)),
      cancellation_(cancellation) {
  pqxx::connection* raw = connection_.get();
  cancellation_->SetCanceller([raw] {
    try {
      raw->cancel_query();
    } catch (const std::exception& e) {
      spdlog::warn("could not cancel the running query: {}", Message(e));
    }
  });
}

Session::~Session() {
  cancellation_->SetCanceller(nullptr);
  if (locked_) Unlock();
  notice_logger_.reset();
}

absl::Status Session::Lock(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  bool logged_wait = false;
  while (true) {
    if (cancellation_->cancelled()) {
      return absl::CancelledError("cancelled while waiting for the migration lock");
    }
    bool acquired = false;
    try {
      pqxx::nontransaction tx(*connection_);
      acquired = tx.exec_params1(std::string(kTryLock), kAdvisoryLockKey)[0].as<bool>();
    } catch (const std::exception& e) {
      return ErrorStatus("taking the migration lock", e);
    }
    if (acquired) {
      locked_ = true;
      return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("another misc-migrate holds the lock on this database; gave up after ",
                       absl::FormatDuration(timeout), " (--lock_timeout)"));
    }
    if (!logged_wait) {
      spdlog::info("another misc-migrate holds the lock; waiting up to {}",
                   absl::FormatDuration(timeout));
      logged_wait = true;
    }
    cancellation_->SleepFor(std::min(kLockPollInterval, deadline - absl::Now()));
  }
}

void Session::Unlock() {
  if (!locked_) return;
  locked_ = false;
  try {
    pqxx::nontransaction tx(*connection_);
    tx.exec_params(std::string(kUnlock), kAdvisoryLockKey);
  } catch (const std::exception& e) {
    spdlog::warn("could not release the migration lock (closing the connection will): {}",
                 HidePassword(Message(e), database_url_));
  }
}

absl::Status Session::InTransaction(std::string_view what,
                                    absl::FunctionRef<absl::Status(pqxx::work&)> work) {
  if (absl::Status cancelled = CheckCancelled(); !cancelled.ok()) return cancelled;
  try {
    pqxx::work tx(*connection_);
    absl::Status status = work(tx);
    if (!status.ok()) return status;  // ~work rolls back.
    if (absl::Status cancelled = CheckCancelled(); !cancelled.ok()) return cancelled;
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return ErrorStatus(what, e);
  }
}

absl::Status Session::InTransactionWithLockTimeout(
    std::string_view what, absl::Duration lock_timeout,
    absl::FunctionRef<absl::Status(pqxx::work&)> work) {
  return InTransaction(what, [&](pqxx::work& tx) {
    if (lock_timeout > absl::ZeroDuration()) {
      // Whole milliseconds, at least 1 (0 would turn the timeout off).
      const int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(lock_timeout, absl::Milliseconds(1)));
      tx.exec_params(std::string(kSetLocalLockTimeout), absl::StrCat(ms, "ms"));
    }
    return work(tx);
  });
}

absl::Status Session::CheckCancelled() const {
  if (!cancellation_->cancelled()) return absl::OkStatus();
  return absl::CancelledError("cancelled; nothing was committed");
}

absl::Status Session::ErrorStatus(std::string_view what_view, const std::exception& e) const {
  const std::string what(what_view);
  if (cancellation_->cancelled()) {
    return absl::CancelledError("cancelled; the transaction was rolled back");
  }
  const std::string message = HidePassword(Message(e), database_url_);
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(what,
                     ": lost the connection while committing; the commit may or may not have "
                     "happened: ",
                     message));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(what, ": lost the connection to the database: ", message));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
      sql != nullptr && sql->sqlstate() == kLockNotAvailable) {
    return absl::AbortedError(absl::StrCat(what, ": ", message));
  }
  return absl::InternalError(absl::StrCat(what, ": ", message));
}

}  // namespace misc::migrate

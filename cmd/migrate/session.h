#ifndef MISC_CMD_MIGRATE_SESSION_H_
#define MISC_CMD_MIGRATE_SESSION_H_

#include <cstdint>
#include <exception>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cmd/migrate/cancellation.h"

namespace misc::migrate {

// The key of the session-level advisory lock every misc-migrate takes on a database before
// changing it (the ASCII bytes of "misc-mig"); pg_locks shows who holds it.
inline constexpr int64_t kAdvisoryLockKey = 0x6d6973632d6d6967;

// How Session::Connect reaches the database.
struct ConnectOptions {
  // libpq URL or key=value string. Never printed: it may hold a password.
  std::string database_url;
  // How long to keep retrying the first connection (for a Job that starts before the
  // database); zero tries once.
  absl::Duration wait = absl::ZeroDuration();
};

// One database connection of misc-migrate: connecting (with retries), the advisory lock that
// serialises every misc-migrate on a database, and transactions whose libpqxx exceptions
// come back as absl::Status. A signal delivered to `cancellation` cancels the running query.
class Session {
 public:
  // Connects, retrying every second or two while `options.wait` lasts and logging each
  // retry. Returns UNAVAILABLE when the database cannot be reached in time and CANCELLED when
  // `cancellation` fires first. `cancellation` must outlive the session.
  static absl::StatusOr<std::unique_ptr<Session>> Connect(const ConnectOptions& options,
                                                          Cancellation* cancellation);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Takes the session-level advisory lock shared by every misc-migrate, polling until
  // `timeout`. Returns DEADLINE_EXCEEDED ("another misc-migrate holds the lock") on timeout,
  // CANCELLED when cancelled, UNAVAILABLE/INTERNAL on database errors.
  [[nodiscard]] absl::Status Lock(absl::Duration timeout);

  // Releases the advisory lock taken by Lock; errors are logged (closing the connection
  // releases it anyway).
  void Unlock();

  // Runs `work` in a transaction and commits when it returns OK; rolls back when it returns
  // an error, throws, or the run is cancelled. A libpqxx exception becomes "<what>: <message>"
  // (UNAVAILABLE for a lost connection, INTERNAL with PostgreSQL's message otherwise), and a
  // cancelled run CANCELLED.
  [[nodiscard]] absl::Status InTransaction(std::string_view what,
                                           absl::FunctionRef<absl::Status(pqxx::work&)> work);

  // Like InTransaction, with PostgreSQL's lock_timeout set to `lock_timeout` for this
  // transaction only (SET LOCAL; zero leaves the server's setting): a statement that waits
  // longer for a lock fails, the transaction is rolled back, and the result is ABORTED
  // ("<what>: <PostgreSQL's message>"), which RetryLockTimeouts retries.
  [[nodiscard]] absl::Status InTransactionWithLockTimeout(
      std::string_view what, absl::Duration lock_timeout,
      absl::FunctionRef<absl::Status(pqxx::work&)> work);

  // Returns the cancellation this session obeys.
  Cancellation& cancellation() { return *cancellation_; }

 private:
  Session(std::string database_url, std::unique_ptr<pqxx::connection> connection,
          Cancellation* cancellation);

  // Returns the status for exception `e` thrown while doing `what`: CANCELLED when the run
  // was cancelled, UNAVAILABLE for a lost connection, ABORTED for a lock wait that ran out
  // (lock_not_available), INTERNAL otherwise.
  absl::Status ErrorStatus(std::string_view what, const std::exception& e) const;

  // Returns CANCELLED when the run was cancelled, OK otherwise.
  absl::Status CheckCancelled() const;

  const std::string database_url_;
  std::unique_ptr<pqxx::connection> connection_;
  // Forwards PostgreSQL notices (RAISE NOTICE, ...) to the log instead of stderr.
  std::unique_ptr<pqxx::errorhandler> notice_logger_;
  Cancellation* const cancellation_;
  bool locked_ = false;
};

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_SESSION_H_

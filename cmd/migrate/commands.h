#ifndef MISC_CMD_MIGRATE_COMMANDS_H_
#define MISC_CMD_MIGRATE_COMMANDS_H_

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "cmd/migrate/cancellation.h"
#include "cmd/migrate/lock_retry.h"
#include "cmd/migrate/seed.h"

namespace misc::migrate {

// Exit codes of misc-migrate (a signal makes it exit with 128 + the signal number).
inline constexpr int kExitOk = 0;
// `status`: migrations are pending. `verify`: an applied file was changed or is missing.
inline constexpr int kExitNotClean = 1;
// Any error: bad usage, unreachable database, refused or failed migration, busy lock.
inline constexpr int kExitError = 2;

// Everything a command needs, from the flags.
struct CommandOptions {
  // libpq URL; never printed.
  std::string database_url;
  std::string migrations_dir;
  // How long to wait for another misc-migrate's advisory lock (up, seed).
  absl::Duration lock_timeout = absl::Seconds(30);
  absl::Duration wait = absl::ZeroDuration();
  // How migrations and the seed wait for table locks (PostgreSQL's lock_timeout, retries).
  LockRetryPolicy table_locks;
  // Only for `seed` (its lock_timeout and table_locks are ignored: the ones above apply).
  SeedOptions seed;
};

// Runs `command` ("up", "status", "verify" or "seed"), printing results to stdout and
// progress and errors to the log. Returns the process exit code (see kExit*; 128 + signal
// when `cancellation` was triggered by a signal).
int RunCommand(std::string_view command, const CommandOptions& options, Cancellation& cancellation);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_COMMANDS_H_

// misc-migrate: applies the schema migrations in migrations/ and loads sample data.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "cmd/migrate/cancellation.h"
#include "cmd/migrate/commands.h"
#include "src/config/env_flags.h"
#include "src/log/logging.h"

ABSL_FLAG(std::string, database_url, "", "PostgreSQL URL (env DATABASE_URL). Required.");
ABSL_FLAG(std::string, migrations_dir, MISC_MIGRATIONS_DIR, "Directory of NNNN_name.sql files.");
ABSL_FLAG(absl::Duration, lock_timeout, absl::Seconds(30),
          "How long to wait for another misc-migrate's advisory lock (up, seed); "
          "not PostgreSQL's lock_timeout, which is --db_lock_timeout.");
ABSL_FLAG(absl::Duration, db_lock_timeout, absl::Seconds(2),
          "PostgreSQL lock_timeout of each migration (and seed) attempt: how long a statement "
          "may wait for a table lock, holding up the reads queued behind it. Then the attempt "
          "is rolled back and retried after a backoff. 0: no limit.");
ABSL_FLAG(absl::Duration, db_lock_retry_deadline, absl::Minutes(3),
          "How long after its first attempt a migration (or seed) may still start another one "
          "while its table locks are busy; then misc-migrate fails naming it.");
ABSL_FLAG(absl::Duration, wait, absl::ZeroDuration(),
          "Keep retrying the first connection this long (0: try once).");
ABSL_FLAG(int64_t, restaurants, 1000, "seed: number of restaurants.");
ABSL_FLAG(int64_t, reviews_per_restaurant, 10, "seed: average reviews per restaurant.");
ABSL_FLAG(bool, replace, false, "seed: truncate the sample tables first instead of refusing.");
ABSL_FLAG(std::string, log_level, "info", "Log level: trace, debug, info, warn, error.");

int main(int argc, char** argv) {
  // Never destroyed: the signal thread may still use it while the process exits.
  static auto* const cancellation = new misc::migrate::Cancellation();
  misc::migrate::WatchTerminationSignals(cancellation);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::vector<char*> args =
      misc::config::ParseFlags(argc, argv, "misc-migrate [flags] up|status|verify|seed");
  misc::log::Init("misc-migrate", absl::GetFlag(FLAGS_log_level));
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: misc-migrate [flags] up|status|verify|seed (see --help)\n");
    return misc::migrate::kExitError;
  }
  const misc::migrate::CommandOptions options = {
      .database_url = absl::GetFlag(FLAGS_database_url),
      .migrations_dir = absl::GetFlag(FLAGS_migrations_dir),
      .lock_timeout = absl::GetFlag(FLAGS_lock_timeout),
      .wait = absl::GetFlag(FLAGS_wait),
      .table_locks = {.lock_timeout = absl::GetFlag(FLAGS_db_lock_timeout),
                      .retry_deadline = absl::GetFlag(FLAGS_db_lock_retry_deadline)},
      .seed = {.restaurants = absl::GetFlag(FLAGS_restaurants),
               .reviews_per_restaurant = absl::GetFlag(FLAGS_reviews_per_restaurant),
               .replace = absl::GetFlag(FLAGS_replace)}};
  return misc::migrate::RunCommand(args[1], options, *cancellation);
}

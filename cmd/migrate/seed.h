#ifndef MISC_CMD_MIGRATE_SEED_H_
#define MISC_CMD_MIGRATE_SEED_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cmd/migrate/lock_retry.h"

namespace misc::migrate {

class Migrator;
class Session;

// What `misc-migrate seed` loads.
struct SeedOptions {
  // Number of restaurants (ids 1..restaurants); at least 1.
  int64_t restaurants = 1000;
  // Average number of reviews per restaurant (it varies per restaurant); at least 0.
  int64_t reviews_per_restaurant = 10;
  // Truncate the sample tables first instead of refusing a database that has data.
  bool replace = false;
  // How long to wait for the advisory lock held by another misc-migrate.
  absl::Duration lock_timeout = absl::Seconds(30);
  // How to wait for table locks: the seed drops and re-adds foreign keys (ALTER TABLE) and
  // --replace truncates, both of which would queue in front of reads.
  LockRetryPolicy table_locks;
};

// Row counts after a seed, and how long it took.
struct SeedReport {
  int64_t restaurants = 0;
  int64_t reviews = 0;
  int64_t review_likes = 0;
  int64_t bookmarks = 0;
  int64_t rollout_targets = 0;
  absl::Duration elapsed;
};

// One step of the seed script: a name for the log and the SQL (one or more statements).
struct SeedStep {
  std::string name;
  std::string sql;
};

// Splits a script into steps at lines `-- @step <name>`; text before the first one is
// dropped. Returns them in order.
std::vector<SeedStep> SplitSeedSteps(std::string_view script);

// Loads the sample data (see seed.sql) in one transaction under the migration lock, after
// checking that `migrator` finds the schema up to date; the transaction is retried while its
// table locks are busy (options.table_locks). Returns FAILED_PRECONDITION when the schema is
// not up to date or the tables have data and `options.replace` is false, INVALID_ARGUMENT for
// bad options, DEADLINE_EXCEEDED when the migration lock or the table locks stay busy, and the
// database error otherwise (nothing is loaded then).
absl::StatusOr<SeedReport> Seed(Session& session, Migrator& migrator, const SeedOptions& options);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_SEED_H_

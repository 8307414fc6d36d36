#ifndef MISC_CMD_MIGRATE_MIGRATOR_H_
#define MISC_CMD_MIGRATE_MIGRATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cmd/migrate/lock_retry.h"
#include "cmd/migrate/migration_files.h"

namespace misc::migrate {

class Session;

// A row of schema_migrations: a migration the database has applied.
struct AppliedMigration {
  int64_t version = 0;
  // The file name recorded when it was applied.
  std::string file_name;
  std::string checksum;
  // When it was applied, RFC 3339 in UTC.
  std::string applied_at;
};

// Where one migration stands between the files and the database.
enum class MigrationState {
  kPending,      // A file that the database has not applied.
  kApplied,      // Applied, and the file is unchanged.
  kChanged,      // Applied, but the file's checksum differs from the recorded one.
  kMissingFile,  // Applied, but there is no file: the database has a newer or unknown schema.
};

// One line of `misc-migrate status`.
struct MigrationStatus {
  int64_t version = 0;
  std::string file_name;
  MigrationState state = MigrationState::kPending;
  // Empty for a pending migration.
  std::string applied_at;
  // For kChanged: the checksums recorded and on disk.
  std::string recorded_checksum;
  std::string file_checksum;
};

// Returns the state of every version found in `files` or `applied`, ordered by version.
std::vector<MigrationStatus> CompareMigrations(const std::vector<MigrationFile>& files,
                                               const std::vector<AppliedMigration>& applied);

// Returns OK when no applied migration was changed or lost its file, otherwise
// FAILED_PRECONDITION naming every such file (`migrations_dir` appears in the message).
absl::Status CheckApplied(const std::vector<MigrationStatus>& statuses,
                          std::string_view migrations_dir);

// Applies and inspects the migrations of one directory on one database. Every method returns
// a status instead of throwing; database errors carry PostgreSQL's message.
class Migrator {
 public:
  // Works on `session` (which must outlive it) with `files` discovered in `migrations_dir`.
  Migrator(Session& session, std::vector<MigrationFile> files, std::string migrations_dir);

  // Returns the state of every migration (see CompareMigrations), or the database error. A
  // database without schema_migrations has every migration pending.
  absl::StatusOr<std::vector<MigrationStatus>> Inspect();

  // Returns OK when every applied migration's file exists and is unchanged, otherwise
  // FAILED_PRECONDITION naming the files (or the database error).
  absl::Status Verify();

  // Returns OK when every migration is applied and unchanged, FAILED_PRECONDITION otherwise.
  absl::Status CheckUpToDate();

  // Takes the advisory lock (waiting up to `lock_timeout`), refuses changed or missing
  // applied files and out-of-order pending ones (FAILED_PRECONDITION), then applies each
  // pending file in its own transaction together with its schema_migrations row, waiting for
  // table locks as `table_locks` says (RetryLockTimeouts). Returns the file names applied
  // (empty when already up to date); on a failing file, an error naming it with PostgreSQL's
  // message (DEADLINE_EXCEEDED when its locks stayed busy), that file rolled back and the
  // earlier ones kept.
  absl::StatusOr<std::vector<std::string>> Up(absl::Duration lock_timeout,
                                              const LockRetryPolicy& table_locks);

 private:
  // Reads schema_migrations; empty when the table does not exist.
  absl::StatusOr<std::vector<AppliedMigration>> ReadApplied();
  // Creates schema_migrations when the database has none (call it under the lock).
  absl::Status CreateTableIfMissing();
  // Applies one file and records it, in one transaction (retried while its locks are busy).
  absl::Status Apply(const MigrationFile& file, const LockRetryPolicy& table_locks);

  Session& session_;
  const std::vector<MigrationFile> files_;
  const std::string migrations_dir_;
};

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_MIGRATOR_H_

#include "cmd/migrate/migrator.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cmd/migrate/session.h"
#include "spdlog/spdlog.h"

namespace misc::migrate {
namespace {

constexpr std::string_view kCreateSchemaMigrations = R"sql(
CREATE TABLE schema_migrations (
  version    bigint      PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr std::string_view kSchemaMigrationsExists =
    "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr std::string_view kSelectApplied = R"sql(
SELECT version, name, checksum,
       to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM schema_migrations
ORDER BY version)sql";
constexpr std::string_view kInsertApplied =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

// Returns the state of `version` in `statuses` (kPending when absent).
MigrationState StateOf(const std::vector<MigrationStatus>& statuses, int64_t version) {
  for (const MigrationStatus& status : statuses) {
    if (status.version == version) return status.state;
  }
  return MigrationState::kPending;
}

std::string Describe(const MigrationStatus& status, std::string_view migrations_dir) {
  switch (status.state) {
    case MigrationState::kChanged:
      return absl::StrCat(status.file_name, " was edited after it was applied (checksum recorded ",
                          status.recorded_checksum, ", file ", status.file_checksum,
                          "); never edit an applied migration, add a new one");
    case MigrationState::kMissingFile:
      return absl::StrCat("version ", status.version, " (", status.file_name,
                          ") is applied in the database but has no file in ",
                          std::string(migrations_dir),
                          "; the database has a newer or unknown schema");
    default:
      return "";
  }
}

}  // namespace

std::vector<MigrationStatus> CompareMigrations(const std::vector<MigrationFile>& files,
                                               const std::vector<AppliedMigration>& applied) {
  std::map<int64_t, MigrationStatus> by_version;
  for (const MigrationFile& file : files) {
    by_version[file.version] = {.version = file.version,
                                .file_name = file.file_name,
                                .state = MigrationState::kPending,
                                .file_checksum = file.checksum};
  }
  for (const AppliedMigration& row : applied) {
    auto [it, is_new] = by_version.try_emplace(row.version);
    MigrationStatus& status = it->second;
    status.version = row.version;
    status.applied_at = row.applied_at;
    status.recorded_checksum = row.checksum;
    if (is_new) {
      status.file_name = row.file_name;
      status.state = MigrationState::kMissingFile;
    } else {
      status.state = status.file_checksum == row.checksum ? MigrationState::kApplied
                                                          : MigrationState::kChanged;
    }
  }
  std::vector<MigrationStatus> result;
  result.reserve(by_version.size());
  for (auto& [version, status] : by_version) result.push_back(std::move(status));
  return result;
}

absl::Status CheckApplied(const std::vector<MigrationStatus>& statuses,
                          std::string_view migrations_dir) {
  std::vector<std::string> problems;
  for (const MigrationStatus& status : statuses) {
    if (status.state == MigrationState::kChanged || status.state == MigrationState::kMissingFile) {
      problems.push_back(Describe(status, migrations_dir));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
}

Migrator::Migrator(Session& session, std::vector<MigrationFile> files, std::string migrations_dir)
    : session_(session), files_(std::move(files)), migrations_dir_(std::move(migrations_dir)) {}

absl::StatusOr<std::vector<AppliedMigration>> Migrator::ReadApplied() {
  std::vector<AppliedMigration> applied;
  absl::Status status = session_.InTransaction("reading schema_migrations", [&](pqxx::work& tx) {
    if (!tx.exec1(std::string(kSchemaMigrationsExists))[0].as<bool>()) {
      return absl::OkStatus();
    }
    for (const pqxx::row& row : tx.exec(std::string(kSelectApplied))) {
      applied.push_back({.version = row[0].as<int64_t>(),
                         .file_name = row[1].as<std::string>(),
                         .checksum = row[2].as<std::string>(),
                         .applied_at = row[3].as<std::string>()});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return applied;
}

absl::StatusOr<std::vector<MigrationStatus>> Migrator::Inspect() {
  absl::StatusOr<std::vector<AppliedMigration>> applied = ReadApplied();
  if (!applied.ok()) return applied.status();
  return CompareMigrations(files_, *applied);
}

absl::Status Migrator::Verify() {
  absl::StatusOr<std::vector<MigrationStatus>> statuses = Inspect();
  if (!statuses.ok()) return statuses.status();
  return CheckApplied(*statuses, migrations_dir_);
}

absl::Status Migrator::CheckUpToDate() {
  absl::StatusOr<std::vector<MigrationStatus>> statuses = Inspect();
  if (!statuses.ok()) return statuses.status();
  if (absl::Status problems = CheckApplied(*statuses, migrations_dir_); !problems.ok()) {
    return problems;
  }
  std::vector<std::string> pending;
  for (const MigrationStatus& status : *statuses) {
    if (status.state == MigrationState::kPending) pending.push_back(status.file_name);
  }
  if (pending.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the schema is not up to date (pending: ", absl::StrJoin(pending, ", "),
                   "); run `misc-migrate up` first"));
}

absl::StatusOr<std::vector<std::string>> Migrator::Up(absl::Duration lock_timeout,
                                                      const LockRetryPolicy& table_locks) {
  if (absl::Status locked = session_.Lock(lock_timeout); !locked.ok()) return locked;
  absl::Cleanup unlock = [this] { session_.Unlock(); };

  if (absl::Status created = CreateTableIfMissing(); !created.ok()) return created;

  // Read under the lock: a concurrent run may have just applied everything.
  absl::StatusOr<std::vector<MigrationStatus>> statuses = Inspect();
  if (!statuses.ok()) return statuses.status();
  if (absl::Status problems = CheckApplied(*statuses, migrations_dir_); !problems.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(problems.message(), "\nnothing was applied"));
  }

  std::optional<int64_t> latest_applied;
  for (const MigrationStatus& status : *statuses) {
    if (status.state != MigrationState::kPending) latest_applied = status.version;
  }
  std::vector<const MigrationFile*> pending;
  for (const MigrationFile& file : files_) {
    if (StateOf(*statuses, file.version) != MigrationState::kPending) continue;
    if (latest_applied.has_value() && file.version < *latest_applied) {
      return absl::FailedPreconditionError(absl::StrCat(
          file.file_name, " is pending but the later version ", *latest_applied,
          " is already applied; a migration must have a higher version than every applied "
          "one (rename it). Nothing was applied"));
    }
    pending.push_back(&file);
  }

  std::vector<std::string> applied;
  for (const MigrationFile* file : pending) {
    spdlog::info("applying {}", file->file_name);
    const absl::Time start = absl::Now();
    if (absl::Status status = Apply(*file, table_locks); !status.ok()) return status;
    spdlog::info("applied {} in {}", file->file_name,
                 absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))));
    applied.push_back(file->file_name);
  }
  return applied;
}

absl::Status Migrator::CreateTableIfMissing() {
  return session_.InTransaction("creating schema_migrations", [](pqxx::work& tx) {
    if (!tx.exec1(std::string(kSchemaMigrationsExists))[0].as<bool>()) {
      tx.exec0(std::string(kCreateSchemaMigrations));
    }
    return absl::OkStatus();
  });
}

absl::Status Migrator::Apply(const MigrationFile& file, const LockRetryPolicy& table_locks) {
  const std::string failed =
      absl::StrCat(file.file_name, " failed and was rolled back (nothing of it is applied)");
  return RetryLockTimeouts(file.file_name, table_locks, session_.cancellation(), [&] {
    absl::Status status = session_.InTransactionWithLockTimeout(
        failed, table_locks.lock_timeout, [&](pqxx::work& tx) {
          tx.exec(file.sql);
          tx.exec_params0(std::string(kInsertApplied), file.version, file.file_name, file.checksum);
          return absl::OkStatus();
        });
    if (absl::IsCancelled(status)) {
      return absl::CancelledError(absl::StrCat("cancelled while applying ", file.file_name,
                                               "; it was rolled back (nothing of it is applied)"));
    }
    return status;
  });
}

}  // namespace misc::migrate

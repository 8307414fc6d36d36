#include "cmd/migrate/commands.h"

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "cmd/migrate/migration_files.h"
#include "cmd/migrate/migrator.h"
#include "cmd/migrate/session.h"
#include "spdlog/spdlog.h"

namespace misc::migrate {
namespace {

std::string_view StateName(MigrationState state) {
  switch (state) {
    case MigrationState::kPending:
      return "pending";
    case MigrationState::kApplied:
      return "applied";
    case MigrationState::kChanged:
      return "CHANGED";
    case MigrationState::kMissingFile:
      return "NO FILE";
  }
  return "?";
}

// Logs `status` and returns the exit code for it.
int Fail(const absl::Status& status, const Cancellation& cancellation) {
  spdlog::error("{}", std::string(status.message()));
  if (cancellation.signal_number() != 0) return 128 + cancellation.signal_number();
  return kExitError;
}

int RunUp(Migrator& migrator, const CommandOptions& options, Cancellation& cancellation) {
  absl::StatusOr<std::vector<std::string>> applied =
      migrator.Up(options.lock_timeout, options.table_locks);
  if (!applied.ok()) return Fail(applied.status(), cancellation);
  for (const std::string& name : *applied) std::printf("applied %s\n", name.c_str());
  std::printf("%s\n", applied->empty() ? "nothing to apply: up to date" : "up to date");
  return kExitOk;
}

int RunStatus(Migrator& migrator, const CommandOptions& options, Cancellation& cancellation) {
  absl::StatusOr<std::vector<MigrationStatus>> statuses = migrator.Inspect();
  if (!statuses.ok()) return Fail(statuses.status(), cancellation);
  int pending = 0;
  for (const MigrationStatus& status : *statuses) {
    if (status.state == MigrationState::kPending) ++pending;
    std::printf("%-8s %s%s%s\n", std::string(StateName(status.state)).c_str(),
                status.file_name.c_str(), status.applied_at.empty() ? "" : "  applied ",
                status.applied_at.c_str());
  }
  if (absl::Status problems = CheckApplied(*statuses, options.migrations_dir); !problems.ok()) {
    return Fail(problems, cancellation);
  }
  std::printf("%d pending\n", pending);
  return pending > 0 ? kExitNotClean : kExitOk;
}

int RunVerify(Migrator& migrator, Cancellation& cancellation) {
  absl::Status status = migrator.Verify();
  if (absl::IsFailedPrecondition(status)) {
    spdlog::error("{}", std::string(status.message()));
    return kExitNotClean;
  }
  if (!status.ok()) return Fail(status, cancellation);
  std::printf("verified: every applied migration matches its file\n");
  return kExitOk;
}

int RunSeed(Session& session, Migrator& migrator, const CommandOptions& options,
            Cancellation& cancellation) {
  SeedOptions seed = options.seed;
  seed.lock_timeout = options.lock_timeout;
  seed.table_locks = options.table_locks;
  absl::StatusOr<SeedReport> report = Seed(session, migrator, seed);
  if (!report.ok()) return Fail(report.status(), cancellation);
  std::printf(
      "seeded %lld restaurants, %lld reviews, %lld review likes, %lld bookmarks, %lld rollout "
      "targets in %s\n",
      static_cast<long long>(report->restaurants), static_cast<long long>(report->reviews),
      static_cast<long long>(report->review_likes), static_cast<long long>(report->bookmarks),
      static_cast<long long>(report->rollout_targets),
      absl::FormatDuration(absl::Trunc(report->elapsed, absl::Milliseconds(1))).c_str());
  return kExitOk;
}

}  // namespace

int RunCommand(std::string_view command, const CommandOptions& options,
               Cancellation& cancellation) {
  if (command != "up" && command != "status" && command != "verify" && command != "seed") {
    spdlog::error("unknown command \"{}\": expected up, status, verify or seed", command);
    return kExitError;
  }
  if (options.database_url.empty()) {
    spdlog::error("--database_url (or DATABASE_URL) is required");
    return kExitError;
  }
  // PostgreSQL takes lock_timeout in whole milliseconds that fit an int.
  if (options.table_locks.lock_timeout < absl::ZeroDuration() ||
      options.table_locks.lock_timeout > absl::Milliseconds(std::numeric_limits<int32_t>::max())) {
    spdlog::error("--db_lock_timeout must be between 0 (no limit) and 596h");
    return kExitError;
  }
  if (options.table_locks.retry_deadline < absl::ZeroDuration()) {
    spdlog::error("--db_lock_retry_deadline must not be negative");
    return kExitError;
  }
  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(options.migrations_dir);
  if (!files.ok()) return Fail(files.status(), cancellation);

  absl::StatusOr<std::unique_ptr<Session>> session =
      Session::Connect({.database_url = options.database_url, .wait = options.wait}, &cancellation);
  if (!session.ok()) return Fail(session.status(), cancellation);
  Migrator migrator(**session, *std::move(files), options.migrations_dir);

  if (command == "up") return RunUp(migrator, options, cancellation);
  if (command == "status") return RunStatus(migrator, options, cancellation);
  if (command == "verify") return RunVerify(migrator, cancellation);
  return RunSeed(**session, migrator, options, cancellation);
}

}  // namespace misc::migrate

#include "cmd/migrate/seed.h"

#include <pqxx/pqxx>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cmd/migrate/cancellation.h"
#include "cmd/migrate/migrator.h"
#include "cmd/migrate/seed_sql.h"  // Generated from seed.sql: kSeedSql.
#include "cmd/migrate/session.h"
#include "spdlog/spdlog.h"

namespace misc::migrate {
namespace {

constexpr absl::string_view kStepMarker = "-- @step ";

// The sample tables that hold rows.
constexpr std::string_view kSelectNonEmptyTables = R"sql(
SELECT name FROM (VALUES
  ('prefectures', EXISTS (SELECT 1 FROM prefectures)),
  ('areas', EXISTS (SELECT 1 FROM areas)),
  ('genres', EXISTS (SELECT 1 FROM genres)),
  ('restaurants', EXISTS (SELECT 1 FROM restaurants)),
  ('reviews', EXISTS (SELECT 1 FROM reviews)),
  ('review_likes', EXISTS (SELECT 1 FROM review_likes)),
  ('bookmarks', EXISTS (SELECT 1 FROM bookmarks)),
  ('rollout_targets', EXISTS (SELECT 1 FROM rollout_targets))
) AS t (name, has_rows)
WHERE has_rows)sql";
constexpr std::string_view kTruncateSampleTables =
    "TRUNCATE review_likes, bookmarks, rollout_targets, reviews, restaurants, areas, genres, "
    "prefectures";
constexpr std::string_view kSetParameters =
    "SELECT set_config('misc_seed.restaurants', $1, true), "
    "set_config('misc_seed.reviews_per_restaurant', $2, true)";
constexpr std::string_view kCountRows = R"sql(
SELECT (SELECT count(*) FROM restaurants), (SELECT count(*) FROM reviews),
       (SELECT count(*) FROM review_likes), (SELECT count(*) FROM bookmarks),
       (SELECT count(*) FROM rollout_targets))sql";

// Returns the sample tables that already hold rows.
std::vector<std::string> NonEmptyTables(pqxx::work& tx) {
  std::vector<std::string> tables;
  for (const pqxx::row& row : tx.exec(std::string(kSelectNonEmptyTables))) {
    tables.push_back(row[0].as<std::string>());
  }
  return tables;
}

absl::Status ValidateOptions(const SeedOptions& options) {
  if (options.restaurants < 1 || options.restaurants > 100'000'000) {
    return absl::InvalidArgumentError("--restaurants must be between 1 and 100000000");
  }
  if (options.reviews_per_restaurant < 0 || options.reviews_per_restaurant > 10'000) {
    return absl::InvalidArgumentError("--reviews_per_restaurant must be between 0 and 10000");
  }
  return absl::OkStatus();
}

// Loads the sample data in `tx` and fills `report`'s row counts. Returns FAILED_PRECONDITION
// when the tables have data and `options.replace` is false; throws libpqxx's exceptions.
absl::Status Load(pqxx::work& tx, const SeedOptions& options, const Cancellation& cancellation,
                  SeedReport& report) {
  if (options.replace) {
    spdlog::info("seed: --replace: truncating the sample tables");
    tx.exec0(std::string(kTruncateSampleTables));
  } else if (std::vector<std::string> tables = NonEmptyTables(tx); !tables.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database already has data (", absl::StrJoin(tables, ", "),
                     " not empty); seed refuses to add to it. Pass --replace to truncate the "
                     "sample tables and load fresh sample data"));
  }
  tx.exec_params(std::string(kSetParameters), absl::StrCat(options.restaurants),
                 absl::StrCat(options.reviews_per_restaurant));
  for (const SeedStep& step : SplitSeedSteps(kSeedSql)) {
    if (cancellation.cancelled()) break;  // InTransaction rolls back.
    const absl::Time step_start = absl::Now();
    tx.exec(step.sql, step.name);
    spdlog::info(
        "seed: {} done in {}", step.name,
        absl::FormatDuration(absl::Trunc(absl::Now() - step_start, absl::Milliseconds(1))));
  }
  const pqxx::row counts = tx.exec1(std::string(kCountRows));
  report.restaurants = counts[0].as<int64_t>();
  report.reviews = counts[1].as<int64_t>();
  report.review_likes = counts[2].as<int64_t>();
  report.bookmarks = counts[3].as<int64_t>();
  report.rollout_targets = counts[4].as<int64_t>();
  return absl::OkStatus();
}

}  // namespace

std::vector<SeedStep> SplitSeedSteps(std::string_view script) {
  std::vector<SeedStep> steps;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(script.data(), script.size()), '\n')) {
    if (absl::ConsumePrefix(&line, kStepMarker)) {
      steps.push_back({.name = std::string(absl::StripAsciiWhitespace(line)), .sql = ""});
    } else if (!steps.empty()) {
      absl::StrAppend(&steps.back().sql, line, "\n");
    }
  }
  return steps;
}

absl::StatusOr<SeedReport> Seed(Session& session, Migrator& migrator, const SeedOptions& options) {
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  if (absl::Status locked = session.Lock(options.lock_timeout); !locked.ok()) return locked;
  absl::Cleanup unlock = [&session] { session.Unlock(); };
  if (absl::Status current = migrator.CheckUpToDate(); !current.ok()) return current;

  const absl::Time start = absl::Now();
  SeedReport report;
  absl::Status status = RetryLockTimeouts("seed", options.table_locks, session.cancellation(), [&] {
    return session.InTransactionWithLockTimeout(
        "seed failed and was rolled back, nothing was loaded", options.table_locks.lock_timeout,
        [&](pqxx::work& tx) { return Load(tx, options, session.cancellation(), report); });
  });
  if (!status.ok()) return status;
  report.elapsed = absl::Now() - start;
  return report;
}

}  // namespace misc::migrate

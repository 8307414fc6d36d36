// End-to-end tests of the misc-migrate binary against the throwaway PostgreSQL.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cmd/migrate/migration_files.h"
#include "cmd/migrate/session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/migrate/temp_dir.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::migrate {
namespace {

using ::misc::testing::QueryValue;
using ::misc::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBinary[] = MISC_MIGRATE_BINARY;
constexpr char kRealMigrations[] = MISC_MIGRATIONS_DIR;

class MigrateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = misc::testing::CreateFreshDatabase("migrate_test");
    ASSERT_FALSE(url_.empty());
  }

  // Runs misc-migrate on this test's database with `args`.
  RunResult Run(std::vector<std::string> args, absl::Duration timeout = absl::Seconds(120)) {
    args.push_back(absl::StrCat("--database_url=", url_));
    return misc::testing::RunAndWait(kBinary, args, {}, timeout);
  }

  // Runs `misc-migrate <command>` on `dir` (plus `extra` flags).
  RunResult RunIn(const TempDir& dir, std::string command, std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {std::move(command), "--migrations_dir=" + dir.path().string()});
    return Run(std::move(extra));
  }

  // Returns the single value of `sql` on this test's database ("ERROR: ..." on failure).
  std::string Query(std::string_view sql) {
    absl::StatusOr<std::string> value = QueryValue(url_, sql);
    return value.ok() ? *value : absl::StrCat("ERROR: ", value.status().ToString());
  }

  bool TableExists(std::string_view table) {
    return Query(absl::StrCat("SELECT to_regclass('", std::string(table), "') IS NOT NULL")) == "t";
  }

  std::string url_;
};

TEST_F(MigrateCommandTest, UpAppliesTheRealMigrationsAndRecordsTheirChecksums) {
  const RunResult result = Run({"up", absl::StrCat("--migrations_dir=", kRealMigrations)});

  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("applied 0001_initial_schema.sql"));
  for (const char* table : {"prefectures", "areas", "genres", "restaurants", "reviews",
                            "review_likes", "bookmarks", "rollout_targets", "rollout_state"}) {
    EXPECT_TRUE(TableExists(table)) << table;
  }
  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(kRealMigrations);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), absl::StrCat(files->size()));
  EXPECT_EQ(Query("SELECT name || ' ' || checksum FROM schema_migrations WHERE version = 1"),
            absl::StrCat("0001_initial_schema.sql ", (*files)[0].checksum));
}

TEST_F(MigrateCommandTest, UpTwiceAppliesNothingTheSecondTime) {
  ASSERT_EQ(Run({"up", absl::StrCat("--migrations_dir=", kRealMigrations)}).exit_code, 0);
  const std::string recorded =
      Query("SELECT string_agg(version || applied_at, ',') FROM schema_migrations");

  const RunResult again = Run({"up", absl::StrCat("--migrations_dir=", kRealMigrations)});

  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("up to date"));
  EXPECT_THAT(again.output, Not(HasSubstr("applied 0001")));
  EXPECT_EQ(Query("SELECT string_agg(version || applied_at, ',') FROM schema_migrations"),
            recorded);
}

TEST_F(MigrateCommandTest, UpRefusesAnAppliedFileThatWasEditedAndAppliesNothing) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  dir.Write("0001_a.sql", "CREATE TABLE a (id bigint);");
  dir.Write("0002_b.sql", "CREATE TABLE b (id int);");

  const RunResult result = RunIn(dir, "up");

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("0001_a.sql was edited after it was applied"));
  EXPECT_THAT(result.output, HasSubstr("nothing was applied"));
  EXPECT_FALSE(TableExists("b"));
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "1");
}

TEST_F(MigrateCommandTest, UpRefusesADatabaseWithAnAppliedVersionThatHasNoFile) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  ASSERT_TRUE(misc::testing::ExecuteSql(url_,
                                        "INSERT INTO schema_migrations VALUES "
                                        "(7, '0007_future.sql', 'abc', now())")
                  .ok());
  dir.Write("0002_b.sql", "CREATE TABLE b (id int);");

  const RunResult result = RunIn(dir, "up");

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("version 7 (0007_future.sql) is applied"));
  EXPECT_THAT(result.output, HasSubstr("newer or unknown schema"));
  EXPECT_FALSE(TableExists("b"));
}

TEST_F(MigrateCommandTest, UpRefusesAPendingFileOlderThanTheLatestAppliedOne) {
  TempDir dir;
  dir.Write("0002_b.sql", "CREATE TABLE b (id int);");
  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");

  const RunResult result = RunIn(dir, "up");

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("0001_a.sql is pending but the later version 2"));
  EXPECT_FALSE(TableExists("a"));
}

TEST_F(MigrateCommandTest, AFailingFileIsRolledBackAndTheEarlierOnesStay) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  dir.Write("0002_b.sql", "CREATE TABLE b (id int);\nCREAT TABLE oops (id int);\n");
  dir.Write("0003_c.sql", "CREATE TABLE c (id int);");

  const RunResult result = RunIn(dir, "up");

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("0002_b.sql failed and was rolled back"));
  EXPECT_THAT(result.output, HasSubstr("syntax error at or near"));
  EXPECT_TRUE(TableExists("a"));
  EXPECT_FALSE(TableExists("b"));
  EXPECT_FALSE(TableExists("c"));
  EXPECT_EQ(Query("SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");
}

TEST_F(MigrateCommandTest, ConcurrentUpRunsTakeTurnsAndApplyEachFileOnce) {
  TempDir dir;
  dir.Write("0001_slow.sql", "SELECT pg_sleep(2);\nCREATE TABLE slow (id int);");
  const std::vector<std::string> args = {"up", "--migrations_dir=" + dir.path().string(),
                                         "--database_url=" + url_};
  absl::StatusOr<std::unique_ptr<misc::testing::Subprocess>> first =
      misc::testing::Subprocess::Start(kBinary, args);
  absl::StatusOr<std::unique_ptr<misc::testing::Subprocess>> second =
      misc::testing::Subprocess::Start(kBinary, args);
  ASSERT_TRUE(first.ok() && second.ok());

  absl::StatusOr<int> first_exit = (*first)->Wait(absl::Seconds(60));
  absl::StatusOr<int> second_exit = (*second)->Wait(absl::Seconds(60));

  const std::string outputs = (*first)->Output() + (*second)->Output();
  EXPECT_EQ(first_exit.value_or(-1), 0) << outputs;
  EXPECT_EQ(second_exit.value_or(-1), 0) << outputs;
  EXPECT_THAT(outputs, HasSubstr("another misc-migrate holds the lock; waiting"));
  EXPECT_THAT(outputs, HasSubstr("applied 0001_slow.sql"));
  EXPECT_THAT(outputs, HasSubstr("nothing to apply: up to date"));
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "1");
}

TEST_F(MigrateCommandTest, UpGivesUpAfterLockTimeoutWhileAnotherSessionHoldsTheLock) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  pqxx::connection holder(url_);
  pqxx::nontransaction(holder).exec_params("SELECT pg_advisory_lock($1)", kAdvisoryLockKey);

  const absl::Time start = absl::Now();
  const RunResult result = RunIn(dir, "up", {"--lock_timeout=500ms"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("another misc-migrate holds the lock"));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_FALSE(TableExists("a"));
}

TEST_F(MigrateCommandTest, StatusExitsOneWhilePendingAndZeroWhenUpToDate) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");

  const RunResult pending = RunIn(dir, "status");
  EXPECT_EQ(pending.exit_code, 1) << pending.output;
  EXPECT_THAT(pending.output, HasSubstr("pending  0001_a.sql"));
  EXPECT_FALSE(TableExists("schema_migrations"));  // status changes nothing.

  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  const RunResult clean = RunIn(dir, "status");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_THAT(clean.output, HasSubstr("applied  0001_a.sql"));
}

TEST_F(MigrateCommandTest, StatusExitsTwoWhenAnAppliedFileChanged) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  dir.Write("0001_a.sql", "-- edited\nCREATE TABLE a (id int);");

  const RunResult result = RunIn(dir, "status");

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("CHANGED  0001_a.sql"));
}

TEST_F(MigrateCommandTest, VerifyPassesWhenCleanAndDetectsAnEditedFile) {
  TempDir dir;
  dir.Write("0001_a.sql", "CREATE TABLE a (id int);");
  ASSERT_EQ(RunIn(dir, "up").exit_code, 0);
  const RunResult clean = RunIn(dir, "verify");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;

  dir.Write("0001_a.sql", "CREATE TABLE a (id int, x int);");
  const RunResult edited = RunIn(dir, "verify");

  EXPECT_NE(edited.exit_code, 0) << edited.output;
  EXPECT_THAT(edited.output, HasSubstr("0001_a.sql was edited after it was applied"));
}

TEST_F(MigrateCommandTest, SigtermDuringAMigrationRollsItBackAndExitsNonZero) {
  TempDir dir;
  dir.Write("0001_slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(60);");
  absl::StatusOr<std::unique_ptr<misc::testing::Subprocess>> process =
      misc::testing::Subprocess::Start(
          kBinary, {"up", "--migrations_dir=" + dir.path().string(), "--database_url=" + url_});
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE((*process)->WaitForOutput("applying 0001_slow.sql", absl::Seconds(30)))
      << (*process)->Output();
  absl::SleepFor(absl::Milliseconds(300));  // Let the statement reach the server.

  (*process)->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(10));

  EXPECT_EQ(exit_code.value_or(-1), 128 + SIGTERM) << (*process)->Output();
  EXPECT_THAT((*process)->Output(), HasSubstr("cancelled while applying 0001_slow.sql"));
  EXPECT_FALSE(TableExists("slow"));
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "0");
}

TEST(MigrateConnectionTest, WaitRetriesTheConnectionAndNeverPrintsThePassword) {
  const absl::Time start = absl::Now();
  const RunResult result = misc::testing::RunAndWait(
      kBinary, {"status", "--wait=2s", "--database_url=postgresql://misc:sekret@127.0.0.1:1/db"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(1500));
  EXPECT_THAT(result.output, HasSubstr("database not reachable yet (attempt 1"));
  EXPECT_THAT(result.output, HasSubstr("cannot connect to the database"));
  EXPECT_THAT(result.output, Not(HasSubstr("sekret")));
}

TEST(MigrateConnectionTest, RejectsAnUnknownCommand) {
  const RunResult result =
      misc::testing::RunAndWait(kBinary, {"sideways", "--database_url=postgresql://x@y/z"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr("unknown command"));
}

}  // namespace
}  // namespace misc::migrate

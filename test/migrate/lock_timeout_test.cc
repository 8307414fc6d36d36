// End-to-end tests of how misc-migrate waits for table locks (--db_lock_timeout,
// --db_lock_retry_deadline) while a long read holds one, against the throwaway PostgreSQL.
//
// PostgreSQL queues lock requests: an ALTER TABLE waiting for its ACCESS EXCLUSIVE lock behind
// a long read makes every later read of the table wait behind the ALTER. These tests hold such
// a read and check that later reads still complete, because each attempt of the migration gives
// up after --db_lock_timeout, rolls back and retries.
#include <signal.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/migrate/temp_dir.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::migrate {
namespace {

using ::misc::testing::RunResult;
using ::misc::testing::Subprocess;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBinary[] = MISC_MIGRATE_BINARY;
constexpr char kRealMigrations[] = MISC_MIGRATIONS_DIR;

// A migration that needs an ACCESS EXCLUSIVE lock on t, after a statement that must not stay
// applied when the migration gives up.
constexpr char kAlterMigration[] = "0002_add_note.sql";
constexpr char kAlterSql[] = "CREATE TABLE side (id int);\nALTER TABLE t ADD COLUMN note text;\n";

// The lock_timeout the tests give misc-migrate, and how much longer than that a read queued
// behind the migration may take before the test calls it blocked (a loaded CI machine).
constexpr absl::Duration kLockTimeout = absl::Seconds(1);
constexpr absl::Duration kMargin = absl::Seconds(3);
// The readers' statement_timeout: without misc-migrate's lock_timeout a read queued behind the
// ALTER waits this long and then fails, instead of hanging the test.
constexpr char kReaderStatementTimeout[] = "10s";

// Rows of pg_locks that misc-migrate waits for on table t: non-zero while its ALTER is queued.
constexpr char kMigrateWaitsForT[] = R"sql(
SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE NOT l.granted AND a.application_name = 'misc-migrate' AND l.relation = 't'::regclass)sql";

// A transaction that has read `table` and stays open, holding its ACCESS SHARE lock, until
// End() or destruction.
class LongRead {
 public:
  LongRead(const std::string& url, std::string_view table) : connection_(url) {
    tx_ = std::make_unique<pqxx::work>(connection_);
    tx_->exec(absl::StrCat("SELECT count(*) FROM ", std::string(table)));
  }
  // Ends the transaction (and so releases its lock).
  void End() {
    if (tx_ != nullptr) tx_->commit();
    tx_.reset();
  }

 private:
  pqxx::connection connection_;
  std::unique_ptr<pqxx::work> tx_;
};

// Reads table t on a new connection, as a server's read would. Returns how long it took, or
// the error as a failure.
absl::StatusOr<absl::Duration> TimedRead(const std::string& url) {
  try {
    pqxx::connection connection(url);
    pqxx::nontransaction tx(connection);
    tx.exec(absl::StrCat("SET statement_timeout = '", kReaderStatementTimeout, "'"));
    const absl::Time start = absl::Now();
    tx.exec("SELECT count(*) FROM t");
    return absl::Now() - start;
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

class LockTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = misc::testing::CreateFreshDatabase("lock_timeout_test");
    ASSERT_FALSE(url_.empty());
    dir_.Write("0001_t.sql", "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);\n");
    const RunResult first = Run({"up"});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    dir_.Write(kAlterMigration, kAlterSql);
  }

  // misc-migrate's arguments for this test's database and directory, plus `args`.
  std::vector<std::string> Args(std::vector<std::string> args) {
    args.push_back("--database_url=" + url_);
    args.push_back("--migrations_dir=" + dir_.path().string());
    return args;
  }

  RunResult Run(std::vector<std::string> args) {
    return misc::testing::RunAndWait(kBinary, Args(std::move(args)), {}, absl::Seconds(60));
  }

  std::unique_ptr<Subprocess> Start(std::vector<std::string> args) {
    absl::StatusOr<std::unique_ptr<Subprocess>> process =
        Subprocess::Start(kBinary, Args(std::move(args)));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  }

  std::string Query(std::string_view sql) { return misc::testing::QueryString(url_, sql); }

  // Waits until misc-migrate's ALTER is queued for t's lock; false after `timeout`.
  bool WaitUntilMigrateQueuesForT(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Query(kMigrateWaitsForT) != "0") return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  bool HasNoteColumn() {
    return Query(
               "SELECT count(*) FROM information_schema.columns "
               "WHERE table_name = 't' AND column_name = 'note'") == "1";
  }

  std::string url_;
  TempDir dir_;
};

TEST_F(LockTimeoutTest, ReadsGoOnWhileAMigrationWaitsBehindALongReadAndItAppliesAfterward) {
  LongRead long_read(url_, "t");
  std::unique_ptr<Subprocess> migrate =
      Start({"up", absl::StrCat("--db_lock_timeout=", absl::FormatDuration(kLockTimeout)),
             "--db_lock_retry_deadline=2m"});
  ASSERT_NE(migrate, nullptr);
  ASSERT_TRUE(WaitUntilMigrateQueuesForT(absl::Seconds(30))) << migrate->Output();

  // A read that arrives while the ALTER is queued waits at most until its lock_timeout.
  absl::StatusOr<absl::Duration> queued_read = TimedRead(url_);
  ASSERT_TRUE(queued_read.ok()) << queued_read.status() << "\n" << migrate->Output();
  EXPECT_LT(*queued_read, kLockTimeout + kMargin);

  // And so does every read while the migration keeps retrying, the long read still held.
  const absl::Time until = absl::Now() + 3 * kLockTimeout;
  int reads = 0;
  while (absl::Now() < until) {
    absl::StatusOr<absl::Duration> read = TimedRead(url_);
    ASSERT_TRUE(read.ok()) << read.status() << "\n" << migrate->Output();
    EXPECT_LT(*read, kLockTimeout + kMargin) << "read " << reads;
    ++reads;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_GT(reads, 0);
  EXPECT_TRUE(migrate->Running()) << migrate->Output();
  EXPECT_THAT(migrate->Output(), HasSubstr(absl::StrCat(kAlterMigration, ": waited 1s")));
  EXPECT_THAT(migrate->Output(), HasSubstr("retrying in"));
  EXPECT_FALSE(HasNoteColumn());

  long_read.End();
  absl::StatusOr<int> exit_code = migrate->Wait(absl::Seconds(60));

  EXPECT_EQ(exit_code.value_or(-1), 0) << migrate->Output();
  EXPECT_THAT(migrate->Output(), HasSubstr(absl::StrCat("applied ", kAlterMigration)));
  EXPECT_TRUE(HasNoteColumn());
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "2");
}

TEST_F(LockTimeoutTest, GivesUpNamingTheMigrationAndLeavesNothingOfItApplied) {
  LongRead long_read(url_, "t");

  const RunResult result = Run({"up", "--db_lock_timeout=200ms", "--db_lock_retry_deadline=2s"});

  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, HasSubstr(absl::StrCat(kAlterMigration, " could not take its locks")));
  EXPECT_THAT(result.output, HasSubstr("--db_lock_retry_deadline (2s) allows no more"));
  EXPECT_THAT(result.output, HasSubstr("retrying in"));
  EXPECT_FALSE(HasNoteColumn());
  EXPECT_EQ(Query("SELECT to_regclass('side') IS NULL"), "t");
  EXPECT_EQ(Query("SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");
}

TEST_F(LockTimeoutTest, SigtermWhileWaitingToRetryStopsAtOnce) {
  LongRead long_read(url_, "t");
  std::unique_ptr<Subprocess> migrate =
      Start({"up", "--db_lock_timeout=100ms", "--db_lock_retry_deadline=2m"});
  ASSERT_NE(migrate, nullptr);
  ASSERT_TRUE(migrate->WaitForOutput("retrying in", absl::Seconds(30))) << migrate->Output();

  const absl::Time start = absl::Now();
  migrate->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = migrate->Wait(absl::Seconds(10));

  EXPECT_EQ(exit_code.value_or(-1), 128 + SIGTERM) << migrate->Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_THAT(migrate->Output(),
              HasSubstr(absl::StrCat("cancelled while waiting to retry ", kAlterMigration)));
  EXPECT_FALSE(HasNoteColumn());
  EXPECT_EQ(Query("SELECT count(*) FROM schema_migrations"), "1");
}

TEST_F(LockTimeoutTest, ALockTimeoutOfZeroWaitsAsLongAsTheReadLasts) {
  // The old behaviour, still there for whoever asks for it: the ALTER queues until the long
  // read ends (the read queued behind it meanwhile is the problem the default avoids).
  LongRead long_read(url_, "t");
  std::unique_ptr<Subprocess> migrate = Start({"up", "--db_lock_timeout=0"});
  ASSERT_NE(migrate, nullptr);
  ASSERT_TRUE(WaitUntilMigrateQueuesForT(absl::Seconds(30))) << migrate->Output();
  absl::SleepFor(absl::Seconds(2));
  EXPECT_EQ(Query(kMigrateWaitsForT), "1") << "still queued";
  EXPECT_THAT(migrate->Output(), Not(HasSubstr("retrying in")));

  long_read.End();
  absl::StatusOr<int> exit_code = migrate->Wait(absl::Seconds(60));

  EXPECT_EQ(exit_code.value_or(-1), 0) << migrate->Output();
  EXPECT_TRUE(HasNoteColumn());
}

TEST(SeedLockTimeoutTest, SeedRetriesWhileALongReadHoldsATableItAlters) {
  const std::string url = misc::testing::CreateMigratedDatabase("seed_lock_timeout_test");
  ASSERT_FALSE(url.empty());
  LongRead long_read(url, "restaurants");
  absl::StatusOr<std::unique_ptr<Subprocess>> seed =
      Subprocess::Start(kBinary, {"seed", "--restaurants=10", "--db_lock_timeout=200ms",
                                  "--db_lock_retry_deadline=2m", "--database_url=" + url,
                                  absl::StrCat("--migrations_dir=", kRealMigrations)});
  ASSERT_TRUE(seed.ok()) << seed.status();
  ASSERT_TRUE((*seed)->WaitForOutput("seed: waited 200ms", absl::Seconds(30))) << (*seed)->Output();

  long_read.End();
  absl::StatusOr<int> exit_code = (*seed)->Wait(absl::Seconds(120));

  EXPECT_EQ(exit_code.value_or(-1), 0) << (*seed)->Output();
  EXPECT_THAT((*seed)->Output(), HasSubstr("seeded 10 restaurants"));
  EXPECT_EQ(misc::testing::QueryString(url, "SELECT count(*) FROM restaurants"), "10");
}

}  // namespace
}  // namespace misc::migrate

// Tests of test/support (postgres.h, subprocess.h), which other tests build on.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(WithDatabaseTest, ReplacesOnlyTheDatabaseName) {
  EXPECT_EQ(WithDatabase("postgresql://misc@127.0.0.1:5432/postgres", "x"),
            "postgresql://misc@127.0.0.1:5432/x");
  EXPECT_EQ(WithDatabase("postgresql://misc@h/postgres?sslmode=disable", "x"),
            "postgresql://misc@h/x?sslmode=disable");
  EXPECT_EQ(WithDatabase("postgresql://misc@h", "x"), "postgresql://misc@h/x");
}

TEST(PostgresSupportTest, FreshDatabasesAreDistinctAndEmpty) {
  const std::string first = CreateFreshDatabase("support");
  const std::string second = CreateFreshDatabase("support");

  EXPECT_NE(first, second);
  EXPECT_EQ(QueryInt64(first, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), 0);
}

TEST(PostgresSupportTest, MigratedDatabaseHasTheSchemaAndNoData) {
  const std::string url = CreateMigratedDatabase("support");

  ASSERT_FALSE(url.empty());
  EXPECT_EQ(QueryInt64(url, "SELECT count(*) FROM schema_migrations WHERE version = 1"), 1);
  EXPECT_EQ(QueryInt64(url, "SELECT count(*) FROM restaurants"), 0);
}

TEST(PostgresSupportTest, SeededDatabaseIsCreatedOnceWithSampleData) {
  const std::string url = SeededDatabaseUrl();

  EXPECT_EQ(SeededDatabaseUrl(), url);
  EXPECT_EQ(QueryInt64(url, "SELECT count(*) FROM restaurants"), 300);
  EXPECT_EQ(QueryString(url, "SELECT name FROM prefectures WHERE prefecture_id = 13"), "東京都");
}

TEST(PostgresSupportTest, QueryHelpersReadValuesAndColumns) {
  const std::string url = AdminDatabaseUrl();

  EXPECT_THAT(QueryInt64Column(url, "SELECT g FROM generate_series(3, 1, -1) AS g"),
              ElementsAre(3, 2, 1));
  EXPECT_EQ(QueryString(url, "SELECT 'あ🍣'"), "あ🍣");
  EXPECT_EQ(QueryValue(url, "SELECT NULL").value_or("?"), "NULL");
  EXPECT_EQ(QueryValue(url, "SELECT 1 WHERE false").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ExecuteSql(url, "SELEKT 1").code(), absl::StatusCode::kInternal);
}

TEST(SubprocessTest, RunAndWaitReturnsTheExitCodeAndBothOutputStreams) {
  const RunResult result =
      RunAndWait("/bin/sh", {"-c", "echo out; echo err >&2; echo $MISC_SUPPORT_X; exit 3"},
                 {{"MISC_SUPPORT_X", "from-env"}});

  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.output, HasSubstr("out\n"));
  EXPECT_THAT(result.output, HasSubstr("err\n"));
  EXPECT_THAT(result.output, HasSubstr("from-env"));
}

TEST(SubprocessTest, RunAndWaitKillsAProcessThatOutlivesTheTimeout) {
  const absl::Time start = absl::Now();

  const RunResult result = RunAndWait("/bin/sleep", {"30"}, {}, absl::Milliseconds(200));

  EXPECT_EQ(result.exit_code, -1);
  EXPECT_THAT(result.output, HasSubstr("killed"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(SubprocessTest, SignalStopsTheChildAndWaitReportsIt) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start("/bin/sh", {"-c", "echo ready; exec sleep 30"});
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE((*process)->WaitForOutput("ready", absl::Seconds(10)));
  EXPECT_TRUE((*process)->Running());
  EXPECT_EQ((*process)->Wait(absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);

  (*process)->Signal(SIGTERM);

  EXPECT_EQ((*process)->Wait(absl::Seconds(10)).value_or(-1), 128 + SIGTERM);
  EXPECT_FALSE((*process)->Running());
}

TEST(SubprocessTest, WaitForOutputGivesUpWhenTheChildExitsWithoutIt) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process =
      Subprocess::Start("/bin/sh", {"-c", "echo something else"});
  ASSERT_TRUE(process.ok()) << process.status();

  EXPECT_FALSE((*process)->WaitForOutput("never", absl::Seconds(30)));
  EXPECT_EQ((*process)->Wait(absl::Seconds(1)).value_or(-1), 0);
}

TEST(SubprocessTest, StartFailsForAMissingBinary) {
  EXPECT_FALSE(Subprocess::Start("/nonexistent/binary", {}).ok());
}

}  // namespace
}  // namespace misc::testing

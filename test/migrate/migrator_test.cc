// Unit tests of the pieces of misc-migrate that need no database.
#include "cmd/migrate/migrator.h"

#include "absl/status/status.h"
#include "cmd/migrate/database_url.h"
#include "cmd/migrate/seed.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace misc::migrate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

MigrationFile File(int64_t version, std::string name, std::string checksum) {
  return {
      .version = version, .file_name = std::move(name), .sql = "", .checksum = std::move(checksum)};
}

AppliedMigration Row(int64_t version, std::string name, std::string checksum) {
  return {.version = version,
          .file_name = std::move(name),
          .checksum = std::move(checksum),
          .applied_at = "2026-01-02T03:04:05Z"};
}

TEST(CompareMigrationsTest, ClassifiesPendingAppliedChangedAndMissingFiles) {
  const std::vector<MigrationFile> files = {
      File(1, "0001_a.sql", "aaa"), File(2, "0002_b.sql", "bbb"), File(4, "0004_d.sql", "ddd")};
  const std::vector<AppliedMigration> applied = {
      Row(1, "0001_a.sql", "aaa"), Row(2, "0002_b.sql", "OLD"), Row(3, "0003_c.sql", "ccc")};

  const std::vector<MigrationStatus> statuses = CompareMigrations(files, applied);

  ASSERT_EQ(statuses.size(), 4u);
  EXPECT_EQ(statuses[0].state, MigrationState::kApplied);
  EXPECT_EQ(statuses[0].applied_at, "2026-01-02T03:04:05Z");
  EXPECT_EQ(statuses[1].state, MigrationState::kChanged);
  EXPECT_EQ(statuses[1].recorded_checksum, "OLD");
  EXPECT_EQ(statuses[1].file_checksum, "bbb");
  EXPECT_EQ(statuses[2].state, MigrationState::kMissingFile);
  EXPECT_EQ(statuses[2].file_name, "0003_c.sql");
  EXPECT_EQ(statuses[3].state, MigrationState::kPending);
  EXPECT_TRUE(statuses[3].applied_at.empty());
}

TEST(CheckAppliedTest, NamesEveryChangedOrMissingFile) {
  const std::vector<MigrationStatus> statuses =
      CompareMigrations({File(1, "0001_a.sql", "new"), File(3, "0003_c.sql", "ccc")},
                        {Row(1, "0001_a.sql", "old"), Row(2, "0002_b.sql", "bbb")});

  const absl::Status status = CheckApplied(statuses, "/migrations");

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("0001_a.sql was edited after it was applied"));
  EXPECT_THAT(status.message(), HasSubstr("version 2 (0002_b.sql)"));
  EXPECT_THAT(status.message(), HasSubstr("no file in /migrations"));
  EXPECT_THAT(status.message(), Not(HasSubstr("0003_c.sql")));
}

TEST(CheckAppliedTest, PendingMigrationsAreNotAProblem) {
  EXPECT_TRUE(CheckApplied(CompareMigrations({File(1, "0001_a.sql", "a")}, {}), "m").ok());
}

TEST(HidePasswordTest, MasksThePasswordOfAUrlAsWrittenAndDecoded) {
  const std::string url = "postgresql://misc:p%40ss@db:5432/misc";

  EXPECT_EQ(HidePassword("connecting to postgresql://misc:p%40ss@db:5432/misc failed", url),
            "connecting to postgresql://misc:****@db:5432/misc failed");
  EXPECT_EQ(HidePassword("password p@ss was rejected", url), "password **** was rejected");
}

TEST(HidePasswordTest, MasksAPasswordQueryParameterAndAKeyValuePassword) {
  EXPECT_EQ(HidePassword("x sekret y", "postgres://db/misc?sslmode=require&password=sekret"),
            "x **** y");
  EXPECT_EQ(HidePassword("x sekret y", "host=db password=sekret dbname=misc"), "x **** y");
  EXPECT_EQ(HidePassword("x two words y", "host=db password='two words'"), "x **** y");
}

TEST(HidePasswordTest, LeavesTextAloneWhenTheUrlHasNoPassword) {
  EXPECT_EQ(HidePassword("misc@db failed", "postgresql://misc@db/misc"), "misc@db failed");
}

TEST(SplitSeedStepsTest, SplitsAtStepMarkersAndDropsTheHeader) {
  const std::vector<SeedStep> steps =
      SplitSeedSteps("-- header\n-- @step one\nSELECT 1;\n-- @step  two \nSELECT 2;\nSELECT 3;\n");

  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].name, "one");
  EXPECT_EQ(steps[0].sql, "SELECT 1;\n");
  EXPECT_EQ(steps[1].name, "two");
  EXPECT_EQ(steps[1].sql, "SELECT 2;\nSELECT 3;\n\n");
}

}  // namespace
}  // namespace misc::migrate

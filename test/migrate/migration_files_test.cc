#include "cmd/migrate/migration_files.h"

#include <filesystem>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test/migrate/temp_dir.h"

namespace misc::migrate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Names(const std::vector<MigrationFile>& files) {
  std::vector<std::string> names;
  names.reserve(files.size());
  for (const MigrationFile& file : files) names.push_back(file.file_name);
  return names;
}

TEST(DiscoverMigrationsTest, OrdersByNumericVersionNotByName) {
  TempDir dir;
  dir.Write("10_ten.sql", "SELECT 10;");
  dir.Write("0002_two.sql", "SELECT 2;");
  dir.Write("9_nine.sql", "SELECT 9;");
  dir.Write("0001_one.sql", "SELECT 1;");

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path());

  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(Names(*files),
              ElementsAre("0001_one.sql", "0002_two.sql", "9_nine.sql", "10_ten.sql"));
  EXPECT_EQ((*files)[0].version, 1);
  EXPECT_EQ((*files)[3].version, 10);
  EXPECT_EQ((*files)[1].sql, "SELECT 2;");
}

TEST(DiscoverMigrationsTest, RefusesTwoFilesWithTheSameVersion) {
  TempDir dir;
  dir.Write("0001_one.sql", "SELECT 1;");
  dir.Write("1_also_one.sql", "SELECT 1;");

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path());

  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(files.status().message(), HasSubstr("0001_one.sql"));
  EXPECT_THAT(files.status().message(), HasSubstr("1_also_one.sql"));
  EXPECT_THAT(files.status().message(), HasSubstr("same version 1"));
}

TEST(DiscoverMigrationsTest, IgnoresFilesThatAreNotNamedNumberUnderscoreNameSql) {
  TempDir dir;
  dir.Write("0001_one.sql", "SELECT 1;");
  dir.Write("README.md", "docs");
  dir.Write("0002_two.sql.bak", "SELECT 2;");
  dir.Write("0003-three.sql", "SELECT 3;");
  dir.Write("_0004_four.sql", "SELECT 4;");
  dir.Write("0005_.sql", "SELECT 5;");
  dir.Write("abc_def.sql", "SELECT 6;");
  dir.Write("0007.sql", "SELECT 7;");
  std::filesystem::create_directory(dir.path() / "0008_dir.sql");

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path());

  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_THAT(Names(*files), ElementsAre("0001_one.sql"));
}

TEST(DiscoverMigrationsTest, RefusesVersionZero) {
  TempDir dir;
  dir.Write("0000_zero.sql", "SELECT 0;");

  EXPECT_EQ(DiscoverMigrations(dir.path()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DiscoverMigrationsTest, ReportsAMissingDirectoryAsNotFound) {
  TempDir dir;

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path() / "nope");

  EXPECT_EQ(files.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(files.status().message(), HasSubstr("nope"));
}

TEST(DiscoverMigrationsTest, AnEmptyDirectoryHasNoMigrations) {
  TempDir dir;

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path());

  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE(files->empty());
}

TEST(DiscoverMigrationsTest, ChecksumIsTheSha256OfTheFileBytes) {
  TempDir dir;
  dir.Write("0001_abc.sql", "abc");

  absl::StatusOr<std::vector<MigrationFile>> files = DiscoverMigrations(dir.path());

  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_EQ(files->size(), 1u);
  // FIPS 180-2 test vector for "abc".
  EXPECT_EQ((*files)[0].checksum,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256HexTest, HashesTheEmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace misc::migrate

#include "src/config/env_flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"

ABSL_FLAG(int, env_flags_test_number, 1, "A flag for this test.");
// Defined by src/server/server_config.cc.
ABSL_DECLARE_FLAG(std::vector<std::string>, database_replica_url);

namespace misc::config {
namespace {

TEST(EnvironmentVariableForTest, UsesMiscPrefixExceptDatabaseUrl) {
  EXPECT_EQ(EnvironmentVariableFor("listen"), "MISC_LISTEN");
  EXPECT_EQ(EnvironmentVariableFor("db_pool_size"), "MISC_DB_POOL_SIZE");
  EXPECT_EQ(EnvironmentVariableFor("database_url"), "DATABASE_URL");
  EXPECT_EQ(EnvironmentVariableFor("database_replica_url"), "MISC_DATABASE_REPLICA_URLS");
}

TEST(ParseFlagsTest, ReplicaUrlsAddUpWhetherRepeatedOrCommaSeparated) {
  absl::FlagSaver saver;
  setenv("MISC_DATABASE_REPLICA_URLS", "postgresql://env/misc", 1);
  char program[] = "test";
  char first[] = "--database_replica_url=postgresql://a/misc,postgresql://b/misc";
  char spaced[] = "--database_replica_url";
  char second[] = "host=c dbname=misc";
  char other[] = "--env_flags_test_number=3";
  char* argv[] = {program, first, other, spaced, second};
  ParseFlags(5, argv, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_database_replica_url),
            (std::vector<std::string>{"postgresql://a/misc", "postgresql://b/misc",
                                      "host=c dbname=misc"}));
  EXPECT_EQ(absl::GetFlag(FLAGS_env_flags_test_number), 3);

  char* argv_env_only[] = {program};
  ParseFlags(1, argv_env_only, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_database_replica_url),
            std::vector<std::string>{"postgresql://env/misc"});
  unsetenv("MISC_DATABASE_REPLICA_URLS");
}

TEST(ParseFlagsTest, EnvironmentSetsAFlagAndTheCommandLineWins) {
  setenv("MISC_ENV_FLAGS_TEST_NUMBER", "7", 1);
  char program[] = "test";
  char* argv_env_only[] = {program};
  ParseFlags(1, argv_env_only, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_env_flags_test_number), 7);

  char flag[] = "--env_flags_test_number=9";
  char positional[] = "up";
  char* argv_both[] = {program, flag, positional};
  std::vector<char*> rest = ParseFlags(3, argv_both, "test");
  EXPECT_EQ(absl::GetFlag(FLAGS_env_flags_test_number), 9);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_STREQ(rest[1], "up");
  unsetenv("MISC_ENV_FLAGS_TEST_NUMBER");
}

TEST(ParseFlagsDeathTest, ABadEnvironmentValueNamesTheVariable) {
  setenv("MISC_ENV_FLAGS_TEST_NUMBER", "seven", 1);
  char program[] = "test";
  char* argv[] = {program};
  EXPECT_EXIT(ParseFlags(1, argv, "test"), testing::ExitedWithCode(2),
              "MISC_ENV_FLAGS_TEST_NUMBER");
  unsetenv("MISC_ENV_FLAGS_TEST_NUMBER");
}

}  // namespace
}  // namespace misc::config

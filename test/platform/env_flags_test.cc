#include "src/config/env_flags.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "absl/flags/flag.h"

ABSL_FLAG(int, env_flags_test_number, 1, "A flag for this test.");

namespace misc::config {
namespace {

TEST(EnvironmentVariableForTest, UsesMiscPrefixExceptDatabaseUrl) {
  EXPECT_EQ(EnvironmentVariableFor("listen"), "MISC_LISTEN");
  EXPECT_EQ(EnvironmentVariableFor("db_pool_size"), "MISC_DB_POOL_SIZE");
  EXPECT_EQ(EnvironmentVariableFor("database_url"), "DATABASE_URL");
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

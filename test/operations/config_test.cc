// Configuration errors of every server binary stop it at once, with a non-zero exit and a
// message naming the flag and the environment variable that sets it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "test/operations/operations_support.h"
#include "test/support/subprocess.h"

namespace misc::operations {
namespace {

using ::misc::testing::RunAndWait;
using ::misc::testing::RunResult;

// A database URL that is well-formed but never reached (nothing listens on port 1).
constexpr char kUnreachableDatabase[] = "--database_url=postgresql://misc@127.0.0.1:1/none";

class ConfigTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs the binary under test with `args` and extra environment `env`.
  RunResult Run(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) {
    return RunAndWait(GetParam(), args, env, absl::Seconds(30));
  }
};

// Exit code of a server refusing its configuration (docs/operations.md).
constexpr int kConfigurationError = 2;

// Expects `result` to be a refusal to start with `exit_code` whose output holds every one of
// `parts`.
void ExpectRefused(int exit_code, const RunResult& result, const std::vector<std::string>& parts) {
  EXPECT_EQ(result.exit_code, exit_code) << result.output;
  for (const std::string& part : parts) {
    EXPECT_NE(result.output.find(part), std::string::npos) << "missing \"" << part << "\" in:\n"
                                                           << result.output;
  }
}

TEST_P(ConfigTest, ZeroPoolSizeNamesTheFlagAndItsVariable) {
  ExpectRefused(kConfigurationError, Run({"--db_pool_size=0", kUnreachableDatabase}),
                {"--db_pool_size (env MISC_DB_POOL_SIZE) must be 1 to 1000"});
}

TEST_P(ConfigTest, ZeroPoolSizeFromTheEnvironmentIsValidatedLikeTheFlag) {
  ExpectRefused(kConfigurationError, Run({kUnreachableDatabase}, {{"MISC_DB_POOL_SIZE", "0"}}),
                {"--db_pool_size (env MISC_DB_POOL_SIZE) must be 1 to 1000"});
}

TEST_P(ConfigTest, BadListenAddressNamesTheFlagAndItsVariable) {
  for (const char* listen : {"--listen=localhost", "--listen=127.0.0.1:http",
                             "--listen=127.0.0.1:70000", "--listen=:50051"}) {
    SCOPED_TRACE(listen);
    ExpectRefused(kConfigurationError, Run({listen, kUnreachableDatabase}),
                  {"--listen (env MISC_LISTEN) must be host:port"});
  }
}

TEST_P(ConfigTest, UnparsableEnvironmentValueNamesTheVariableAndTheFlag) {
  ExpectRefused(kConfigurationError, Run({kUnreachableDatabase}, {{"MISC_DB_POOL_SIZE", "abc"}}),
                {"MISC_DB_POOL_SIZE", "db_pool_size", "abc"});
}

TEST_P(ConfigTest, MissingDatabaseUrlNamesTheFlagAndItsVariable) {
  ExpectRefused(kConfigurationError, Run({}, {{"DATABASE_URL", ""}}),
                {"--database_url (env DATABASE_URL) is required"});
}

TEST_P(ConfigTest, EveryBadFlagIsNamedAtOnce) {
  ExpectRefused(kConfigurationError,
                Run({"--db_pool_size=0", "--listen=nowhere", "--readiness_interval=1ms",
                     "--db_max_waiters=-1", kUnreachableDatabase}),
                {"--db_pool_size (env MISC_DB_POOL_SIZE)", "--listen (env MISC_LISTEN)",
                 "--readiness_interval (env MISC_READINESS_INTERVAL)",
                 "--db_max_waiters (env MISC_DB_MAX_WAITERS)"});
}

TEST_P(ConfigTest, ListenAddressInUseExitsNamingIt) {
  int port = 0;
  const int taken = NeverAnsweringListener(&port);
  ASSERT_GE(taken, 0);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  const RunResult result = Run(
      {absl::StrCat("--listen=", address), "--metrics_listen=127.0.0.1:0", kUnreachableDatabase});
  close(taken);
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.exit_code, -1) << "did not exit by itself:\n" << result.output;
  EXPECT_NE(result.output.find(absl::StrCat("cannot listen on ", address)), std::string::npos)
      << result.output;
}

INSTANTIATE_TEST_SUITE_P(Binaries, ConfigTest,
                         ::testing::Values(std::string(MISC_SERVER_BINARY),
                                           std::string(MISC_RESTAURANT_BINARY)),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.index == 0 ? std::string("misc_server")
                                                        : std::string("misc_restaurant");
                         });

}  // namespace
}  // namespace misc::operations

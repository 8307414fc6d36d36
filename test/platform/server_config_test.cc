#include "src/server/server_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "src/auth/jwt_flags.h"
#include "src/observability/flags.h"

ABSL_DECLARE_FLAG(std::string, database_url);
ABSL_DECLARE_FLAG(absl::Duration, db_cancel_timeout);
ABSL_DECLARE_FLAG(absl::Duration, db_reconnect_backoff_max);
ABSL_DECLARE_FLAG(absl::Duration, db_tcp_user_timeout);
ABSL_DECLARE_FLAG(int, db_keepalives_count);
ABSL_DECLARE_FLAG(std::vector<std::string>, database_replica_url);
ABSL_DECLARE_FLAG(absl::Duration, max_replica_lag);
ABSL_DECLARE_FLAG(absl::Duration, replica_check_interval);

namespace misc::server {
namespace {

// Every flag of the platform is read here, so one call tells all that is wrong at once.
class ServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { absl::SetFlag(&FLAGS_database_url, "postgresql://localhost/misc"); }

  // Returns the message of the rejection, or "" when the flags are accepted.
  static std::string Rejection() {
    absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
    return config.ok() ? "" : std::string(config.status().message());
  }

  absl::FlagSaver flag_saver_;
};

TEST_F(ServerConfigTest, ReadsTheJwtMetricsAndAccessLogFlags) {
  absl::SetFlag(&FLAGS_jwks_file, "/keys/jwks.json");
  absl::SetFlag(&FLAGS_jwt_issuer, "bff");
  absl::SetFlag(&FLAGS_jwt_audience, "misc");
  absl::SetFlag(&FLAGS_jwt_cache_size, 10);
  absl::SetFlag(&FLAGS_jwks_refresh_interval, absl::Seconds(7));
  absl::SetFlag(&FLAGS_metrics_listen, "0.0.0.0:9464");
  absl::SetFlag(&FLAGS_access_log, false);
  absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jwt.jwks_file, "/keys/jwks.json");
  EXPECT_EQ(config->jwt.issuer, "bff");
  EXPECT_EQ(config->jwt.audience, "misc");
  EXPECT_EQ(config->jwt.cache_size, 10u);
  EXPECT_EQ(config->jwks_refresh_interval, absl::Seconds(7));
  EXPECT_EQ(config->metrics_listen, "0.0.0.0:9464");
  EXPECT_FALSE(config->access_log);
}

TEST_F(ServerConfigTest, AJwksFileNeedsIssuerAndAudienceAndEachMissingOneIsNamed) {
  absl::SetFlag(&FLAGS_jwks_file, "/keys/jwks.json");
  const std::string rejection = Rejection();
  EXPECT_NE(rejection.find("--jwt_issuer (env MISC_JWT_ISSUER) is required"), std::string::npos)
      << rejection;
  EXPECT_NE(rejection.find("--jwt_audience (env MISC_JWT_AUDIENCE) is required"), std::string::npos)
      << rejection;
}

TEST_F(ServerConfigTest, RejectsBadJwtDurationsAndSizes) {
  absl::SetFlag(&FLAGS_jwks_refresh_interval, absl::ZeroDuration());
  absl::SetFlag(&FLAGS_jwt_clock_skew, absl::Seconds(-1));
  absl::SetFlag(&FLAGS_jwt_cache_size, -1);
  const std::string rejection = Rejection();
  EXPECT_NE(rejection.find("--jwks_refresh_interval"), std::string::npos) << rejection;
  EXPECT_NE(rejection.find("--jwt_clock_skew"), std::string::npos) << rejection;
  EXPECT_NE(rejection.find("--jwt_cache_size"), std::string::npos) << rejection;
}

TEST_F(ServerConfigTest, ReadsReplicaFlagsAndBoundsTheCacheByTheirStaleness) {
  absl::SetFlag(&FLAGS_database_replica_url,
                std::vector<std::string>{"postgresql://r1/misc", "postgresql://r2/misc"});
  absl::SetFlag(&FLAGS_max_replica_lag, absl::Seconds(3));
  absl::SetFlag(&FLAGS_replica_check_interval, absl::Milliseconds(200));
  absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->replicas.urls,
            (std::vector<std::string>{"postgresql://r1/misc", "postgresql://r2/misc"}));
  EXPECT_EQ(config->replicas.max_lag, absl::Seconds(3));
  EXPECT_EQ(config->replicas.check_interval, absl::Milliseconds(200));
  EXPECT_EQ(config->cache.source_lag, absl::Milliseconds(3800));
}

TEST_F(ServerConfigTest, WithoutReplicasTheCacheExpectsNoLag) {
  absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->replicas.urls.empty());
  EXPECT_EQ(config->cache.source_lag, absl::ZeroDuration());
}

TEST_F(ServerConfigTest, RejectsBadReplicaSettings) {
  absl::SetFlag(&FLAGS_database_replica_url, std::vector<std::string>{"postgresql://r1/x", ""});
  absl::SetFlag(&FLAGS_max_replica_lag, absl::Seconds(1));
  absl::SetFlag(&FLAGS_replica_check_interval, absl::Seconds(1));
  const std::string rejection = Rejection();
  EXPECT_NE(rejection.find("--database_replica_url (env MISC_DATABASE_REPLICA_URLS) has an empty"),
            std::string::npos)
      << rejection;
  EXPECT_NE(rejection.find("--replica_check_interval (env MISC_REPLICA_CHECK_INTERVAL) must be"),
            std::string::npos)
      << rejection;
  absl::SetFlag(&FLAGS_max_replica_lag, absl::ZeroDuration());
  EXPECT_NE(Rejection().find("--max_replica_lag (env MISC_MAX_REPLICA_LAG) must be positive"),
            std::string::npos);
}

TEST_F(ServerConfigTest, RejectsBadDatabaseFaultSettings) {
  absl::SetFlag(&FLAGS_db_cancel_timeout, absl::ZeroDuration());
  absl::SetFlag(&FLAGS_db_reconnect_backoff_max, absl::Milliseconds(1));
  absl::SetFlag(&FLAGS_db_tcp_user_timeout, absl::Milliseconds(10));
  absl::SetFlag(&FLAGS_db_keepalives_count, 0);
  const std::string rejection = Rejection();
  for (const char* flag : {"--db_cancel_timeout", "--db_reconnect_backoff_max",
                           "--db_tcp_user_timeout", "--db_keepalives_count"}) {
    EXPECT_NE(rejection.find(flag), std::string::npos) << flag << ": " << rejection;
  }
}

}  // namespace
}  // namespace misc::server

// What misc sends when it opens a PostgreSQL session, directly or through a transaction-mode
// pooler (--db_unnamed_statements), and where the change feed's session goes.
#include <gtest/gtest.h>

#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "src/db/pool.h"
#include "src/server/server_config.h"

ABSL_DECLARE_FLAG(std::string, database_url);
ABSL_DECLARE_FLAG(std::string, database_listen_url);
ABSL_DECLARE_FLAG(bool, db_unnamed_statements);

namespace misc {
namespace {

constexpr char kUrl[] = "postgresql://misc@db:5432/misc";
constexpr char kKeywords[] = "host=db port=5432 dbname=misc user=misc";

std::string Conninfo(const std::string& url, bool unnamed_statements) {
  db::PoolOptions options;
  options.url = url;
  options.unnamed_statements = unnamed_statements;
  return db::SessionConninfo(options);
}

TEST(SessionConninfoTest, DirectSessionsAreReadOnlyThroughTheOptionsParameter) {
  for (const std::string url : {kUrl, kKeywords}) {
    const std::string conninfo = Conninfo(url, /*unnamed_statements=*/false);
    EXPECT_TRUE(absl::StartsWith(conninfo, url)) << conninfo;
    EXPECT_TRUE(absl::StrContains(conninfo, "options")) << conninfo;
    EXPECT_TRUE(absl::StrContains(conninfo, "default_transaction_read_only")) << conninfo;
    EXPECT_TRUE(absl::StrContains(conninfo, "application_name")) << conninfo;
  }
}

TEST(SessionConninfoTest, UnnamedStatementsSendNoOptionsButKeepTheClientSettings) {
  for (const std::string url : {kUrl, kKeywords}) {
    const std::string conninfo = Conninfo(url, /*unnamed_statements=*/true);
    EXPECT_TRUE(absl::StartsWith(conninfo, url)) << conninfo;
    // PgBouncer 1.18 refuses a startup packet with `options`.
    EXPECT_FALSE(absl::StrContains(conninfo, "options")) << conninfo;
    EXPECT_FALSE(absl::StrContains(conninfo, "read_only")) << conninfo;
    // libpq's own settings never reach the server as parameters: they stay.
    EXPECT_TRUE(absl::StrContains(conninfo, "application_name")) << conninfo;
    EXPECT_TRUE(absl::StrContains(conninfo, "keepalives_idle")) << conninfo;
    EXPECT_TRUE(absl::StrContains(conninfo, "tcp_user_timeout")) << conninfo;
  }
}

TEST(SessionConninfoTest, UnnamedStatementsAppendToAUrlThatHasAQuery) {
  const std::string conninfo =
      Conninfo("postgresql://misc@db/misc?sslmode=require", /*unnamed_statements=*/true);
  EXPECT_TRUE(absl::StartsWith(conninfo, "postgresql://misc@db/misc?sslmode=require&")) << conninfo;
  EXPECT_EQ(conninfo.find('?'), conninfo.rfind('?')) << conninfo;
}

class ChangeFeedOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { absl::SetFlag(&FLAGS_database_url, kUrl); }

  static db::PoolOptions FeedOptions() {
    absl::StatusOr<server::ServerConfig> config = server::ServerConfigFromFlags();
    EXPECT_TRUE(config.ok()) << config.status();
    return config.ok() ? server::ChangeFeedOptions(*config) : db::PoolOptions();
  }

  absl::FlagSaver flag_saver_;
};

TEST_F(ChangeFeedOptionsTest, ListensOnTheDatabaseUrlByDefault) {
  const db::PoolOptions options = FeedOptions();
  EXPECT_EQ(options.url, kUrl);
  EXPECT_FALSE(options.unnamed_statements);
}

TEST_F(ChangeFeedOptionsTest, ListensOnTheListenUrlWithSessionSettingsBehindAPooler) {
  absl::SetFlag(&FLAGS_db_unnamed_statements, true);
  absl::SetFlag(&FLAGS_database_listen_url, "postgresql://misc@primary/misc");
  const db::PoolOptions options = FeedOptions();
  EXPECT_EQ(options.url, "postgresql://misc@primary/misc");
  EXPECT_FALSE(options.unnamed_statements);
  EXPECT_TRUE(absl::StrContains(db::SessionConninfo(options), "default_transaction_read_only"));
}

TEST_F(ChangeFeedOptionsTest, HasNoUrlBehindAPoolerWithoutAListenUrl) {
  absl::SetFlag(&FLAGS_db_unnamed_statements, true);
  absl::StatusOr<server::ServerConfig> config = server::ServerConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->pool.unnamed_statements);
  EXPECT_EQ(server::ChangeFeedOptions(*config).url, "");
}

}  // namespace
}  // namespace misc

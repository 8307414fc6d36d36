// The restaurant cache behind a transaction-mode pooler. Its LISTEN session needs a connection
// of its own to PostgreSQL (--database_listen_url); without one, nothing would tell the cache
// of a change, so it stays bypassed and every answer is read fresh.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "test/pgbouncer/pgbouncer_support.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc {
namespace {

class PgBouncerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::CreateMigratedDatabase("pgbouncer_cache");
    ASSERT_FALSE(url_.empty());
    ASSERT_TRUE(testing::ExecuteSql(url_, testing::kCacheProbeRows).ok());
  }

  std::unique_ptr<testing::ServerProcess> StartThroughPgBouncer(std::vector<std::string> flags) {
    flags.push_back("--db_unnamed_statements");
    // Entries never expire on their own: only the change feed can keep them exact.
    flags.push_back("--cache_ttl=1h");
    return testing::ServerProcess::Start(testing::ThroughPgBouncer(url_), flags);
  }

  std::string url_;
};

TEST_F(PgBouncerCacheTest, WithoutAListenUrlTheCacheStaysBypassedAndSaysSo) {
  std::unique_ptr<testing::ServerProcess> server = StartThroughPgBouncer({});
  ASSERT_NE(server, nullptr);
  testing::RestaurantCacheProbe probe(server->channel(), url_);
  // A change nobody is told of is served at once, again and again: nothing is kept.
  for (const std::string name : {"first", "second", "third"}) {
    ASSERT_TRUE(probe.RenameSilently(name).ok());
    EXPECT_EQ(probe.Name().value_or("(error)"), name);
    EXPECT_EQ(probe.Name().value_or("(error)"), name);
  }
  EXPECT_EQ(probe.WaitUntilCached(absl::Seconds(3)).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(server->Output().find("caches are bypassed"), std::string::npos) << server->Output();
}

TEST_F(PgBouncerCacheTest, WithAListenUrlTheCacheServesAndIsToldOfChanges) {
  std::unique_ptr<testing::ServerProcess> server =
      StartThroughPgBouncer({"--database_listen_url=" + url_});
  ASSERT_NE(server, nullptr);
  testing::RestaurantCacheProbe probe(server->channel(), url_);
  ASSERT_TRUE(probe.WaitUntilCached().ok()) << "the cache never served: is the feed listening?";
  ASSERT_TRUE(probe.RenameTold("told").ok());
  EXPECT_TRUE(probe.ServedWithin("told", absl::Seconds(5)));
  EXPECT_EQ(server->Output().find("caches are bypassed"), std::string::npos);
}

}  // namespace
}  // namespace misc

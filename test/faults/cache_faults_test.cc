// The caches (GetRestaurant's restaurants, ListRestaurants' and ListReviews' first pages) when
// PostgreSQL goes silent, away or restarts under misc-server: they may keep answering from
// memory only until their change feed can tell that notifications may be lost (at most two
// heartbeats when the database is silent, at once when the connection breaks), and after the
// database is back it never serves a name older than the row's.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/faults/fault_fixture.h"
#include "test/support/database_cutoff.h"
#include "test/support/fault_proxy.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc::faults {
namespace {

// --change_feed_heartbeat of these tests, shorter than its default so that a fault plays out
// quickly. The promise (docs/operations.md, "Caches"): stale answers stop at most two
// heartbeats after the database went silent.
constexpr absl::Duration kHeartbeat = absl::Milliseconds(500);
// Scheduling slack on a shared 2-core machine.
constexpr absl::Duration kSlack = absl::Milliseconds(300);
const absl::Duration kStaleBound = 2 * kHeartbeat + kSlack;
// How long each phase reads.
constexpr absl::Duration kWatch = absl::Seconds(3);

// Prints when the last stale answer came, or "none".
void StaleFigure(const std::string& name, absl::Duration last_stale) {
  if (last_stale < absl::ZeroDuration()) {
    Figure(name, std::string("none"));
  } else {
    Figure(name, last_stale);
  }
}

class CacheFaultTest : public FaultTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(FaultTest::SetUp());
    url_ = testing::CreateMigratedDatabase("cache_faults");
    ASSERT_FALSE(url_.empty());
    ASSERT_TRUE(testing::ExecuteSql(url_, testing::kCacheProbeRows).ok());
    ASSERT_TRUE(testing::ExecuteSql(url_, testing::kCacheProbeReview).ok());
    server_ = StartServer(testing::DatabaseNameOf(url_),
                          {"--cache_ttl=1h", absl::StrCat("--change_feed_heartbeat=",
                                                          absl::FormatDuration(kHeartbeat))});
    ASSERT_NE(server_, nullptr);
    probe_ = std::make_unique<testing::RestaurantCacheProbe>(
        server_->channel(), url_, testing::ProbedCaches::kRestaurantAndReviews);
    ASSERT_TRUE(probe_->WaitUntilCached().ok());
  }

  // Reads for `watch` from `origin` on, GetRestaurant, ListRestaurants' and ListReviews' first
  // pages in turn, and returns when the last answer with the cached, now stale name ("before")
  // was given, relative to `origin` (negative: none). Errors (the database is away) are fine;
  // any other name than `fresh` is not.
  absl::Duration LastStaleAnswer(absl::Time origin, const std::string& fresh) {
    constexpr absl::Duration kRead = absl::Milliseconds(300);
    absl::Duration last_stale = -absl::InfiniteDuration();
    for (int turn = 0; absl::Now() < origin + kWatch; ++turn) {
      absl::StatusOr<std::string> name;
      const char* read = "";
      switch (turn % 3) {
        case 0:
          name = probe_->Name(kRead);
          read = "GetRestaurant";
          break;
        case 1:
          name = probe_->ListedName(kRead);
          read = "ListRestaurants";
          break;
        default:
          name = probe_->ReviewTitle(kRead);
          read = "ListReviews";
      }
      const absl::Duration at = absl::Now() - origin;
      if (!name.ok()) continue;
      if (*name == "before") {
        last_stale = at;
      } else {
        EXPECT_EQ(*name, fresh) << read << " at " << at;
      }
    }
    return last_stale;
  }

  // After the database is back: a told rename is served, never anything older, and the cache
  // serves again once its feed listens again.
  void ExpectFreshAfterRecovery(const std::string& phase) {
    const std::string renamed = absl::StrCat("after-", phase);
    ASSERT_TRUE(probe_->RenameTold(renamed).ok());
    EXPECT_TRUE(probe_->ServedWithin(renamed, kRecoveryBound));
    EXPECT_EQ(LastStaleAnswer(absl::Now(), renamed), -absl::InfiniteDuration());
    EXPECT_TRUE(probe_->WaitUntilCached().ok()) << phase;
  }

  std::string url_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<testing::RestaurantCacheProbe> probe_;
};

// The path to the database goes silent (packets vanish), and the row changes meanwhile: its
// notification never arrives, and nothing tells the server at once.
TEST_F(CacheFaultTest, SilentDatabaseStopsStaleAnswersWithinTwoHeartbeats) {
  const absl::Time silent = absl::Now();
  ASSERT_TRUE(proxy().SetMode(testing::FaultMode::kBlackhole).ok());
  ASSERT_TRUE(probe_->RenameTold("changed-while-silent").ok());  // Directly, not via the proxy.
  const absl::Duration last_stale = LastStaleAnswer(silent, "changed-while-silent");
  StaleFigure("cache.silent_last_stale_answer", last_stale);
  EXPECT_LE(last_stale, kStaleBound);
  ASSERT_TRUE(proxy().SetMode(testing::FaultMode::kPass).ok());
  ExpectFreshAfterRecovery("silent");
}

// PostgreSQL stops (its connections close), then starts again; a change made as soon as it is
// back may come before the feed listens again, so its notification is lost too.
TEST_F(CacheFaultTest, StoppedAndRestartedDatabaseNeverServesAStaleAnswer) {
  const absl::Time stopped = absl::Now();
  ASSERT_TRUE(cluster().Stop().ok());
  const absl::Duration last_stale = LastStaleAnswer(stopped, "never");
  StaleFigure("cache.stopped_last_stale_answer", last_stale);
  EXPECT_LE(last_stale, kStaleBound);
  ASSERT_TRUE(cluster().Start().ok());
  ExpectFreshAfterRecovery("restart");
}

}  // namespace
}  // namespace misc::faults

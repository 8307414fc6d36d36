// The restaurant cache, end to end through misc-server on a database of its own: anonymous
// GetRestaurant is answered from memory, a row changed in psql is served fresh within a
// second (the trigger's NOTIFY evicts it), a killed LISTEN session never lets a stale entry
// through, and logged-in answers (viewer.bookmarked) stay per viewer.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"
#include "test/support/viewer_server_test.h"

namespace misc::restaurant {
namespace {

constexpr int64_t kRestaurant = 1;
constexpr int64_t kBookmarkingUser = 7;
constexpr int64_t kOtherUser = 8;

class RestaurantCacheTest : public testing::CacheServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer(
        "restaurant_cache", absl::StrCat(testing::kCacheProbeRows,
                                         "INSERT INTO bookmarks (user_id, restaurant_id) "
                                         "VALUES (7, 1);")));
    stub_ = v1::RestaurantService::NewStub(server_->channel());
    probe_ = std::make_unique<testing::RestaurantCacheProbe>(server_->channel(), url_);
  }

  // GetRestaurant(kRestaurant) as `user_id` (0: anonymous); returns the whole restaurant.
  v1::Restaurant Get(int64_t user_id = 0) {
    grpc::ClientContext context;
    if (user_id != 0) {
      context.AddMetadata(
          "authorization",
          absl::StrCat("Bearer ", testing::TokenNow(auth::testing::EcKey(), user_id)));
    }
    v1::GetRestaurantRequest request;
    request.set_restaurant_id(kRestaurant);
    v1::GetRestaurantResponse response;
    const grpc::Status status = stub_->GetRestaurant(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response.restaurant();
  }

  // Anonymous GetRestaurant's status code within a second after `sql` ran: NOT_FOUND once the
  // cache let go of the restaurant.
  grpc::StatusCode CodeAfter(const std::string& sql) {
    EXPECT_TRUE(testing::ExecuteSql(url_, sql).ok()) << sql;
    const absl::Time give_up = absl::Now() + absl::Seconds(1);
    grpc::StatusCode code = grpc::StatusCode::OK;
    while (absl::Now() < give_up && code != grpc::StatusCode::NOT_FOUND) {
      grpc::ClientContext context;
      v1::GetRestaurantRequest request;
      request.set_restaurant_id(kRestaurant);
      v1::GetRestaurantResponse response;
      code = stub_->GetRestaurant(&context, request, &response).error_code();
    }
    return code;
  }

  std::unique_ptr<v1::RestaurantService::Stub> stub_;
  std::unique_ptr<testing::RestaurantCacheProbe> probe_;
};

TEST_F(RestaurantCacheTest, AnUpdateInPsqlIsServedWithinASecond) {
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
  ASSERT_TRUE(probe_->RenameTold("after").ok());
  EXPECT_TRUE(probe_->ServedWithin("after", absl::Seconds(1))) << Get().name();
  // And it stays: nothing older comes back.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Get().name(), "after");
}

TEST_F(RestaurantCacheTest, ADeleteEvicts) {
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
  EXPECT_EQ(CodeAfter("DELETE FROM bookmarks; DELETE FROM restaurants"),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RestaurantCacheTest, ATruncateEvictsEverything) {
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
  EXPECT_EQ(CodeAfter("TRUNCATE restaurants CASCADE"), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RestaurantCacheTest, AKilledListenSessionNeverYieldsAStaleAnswer) {
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
  // The change feed's session killed, then the row changes while nobody listens: that
  // notification is lost.
  const absl::StatusOr<int> killed = testing::KillChangeFeedSession(url_);
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_GE(*killed, 1);
  ASSERT_TRUE(probe_->RenameTold("missed").ok());
  // From now on every answer is the row as it is: the cache was emptied and bypassed when the
  // session broke, and emptied again when it came back.
  const absl::Time until = absl::Now() + absl::Seconds(3);
  int reads = 0;
  while (absl::Now() < until) {
    ASSERT_EQ(Get().name(), "missed") << "after " << reads << " reads";
    ++reads;
  }
  // And once back, the cache serves again, and is told of changes again.
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
}

TEST_F(RestaurantCacheTest, LoggedInAnswersStayPerViewer) {
  ASSERT_TRUE(probe_->WaitUntilCached().ok());
  // The anonymous entry is cached; logged-in viewers each get their own bookmark state, read
  // for them, and the row as it is.
  const v1::Restaurant bookmarking = Get(kBookmarkingUser);
  EXPECT_TRUE(bookmarking.has_viewer());
  EXPECT_TRUE(bookmarking.viewer().bookmarked());
  EXPECT_EQ(bookmarking.name(), "silent");
  const v1::Restaurant other = Get(kOtherUser);
  EXPECT_TRUE(other.has_viewer());
  EXPECT_FALSE(other.viewer().bookmarked());
  EXPECT_FALSE(Get().has_viewer());

  // A bookmark added now shows at once for its user only.
  ASSERT_TRUE(testing::ExecuteSql(url_,
                                  "INSERT INTO bookmarks (user_id, restaurant_id) "
                                  "VALUES (8, 1)")
                  .ok());
  EXPECT_TRUE(Get(kOtherUser).viewer().bookmarked());
  EXPECT_FALSE(Get().has_viewer());
  EXPECT_EQ(Get().name(), "before");  // The anonymous answer still comes from the cache.
}

}  // namespace
}  // namespace misc::restaurant

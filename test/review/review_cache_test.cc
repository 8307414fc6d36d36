// The cache of ListReviews' anonymous first pages, end to end through misc-server on a
// database of its own: the first page at the default size is answered from memory, a review
// changed in psql (title, a new review, like_count) is served fresh within a second (the
// trigger's NOTIFY evicts the restaurant's page), a restaurant deleted is NOT_FOUND within a
// second, a killed LISTEN session never lets a stale page through, other pages and logged-in
// callers (liked_by_viewer) always read the database.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc::review {
namespace {

constexpr int64_t kRestaurant = 1;
constexpr int64_t kRestaurantWithoutReviews = 2;
constexpr int64_t kLikingUser = 7;
constexpr int64_t kOtherUser = 8;

// Restaurant 1 with three reviews (review 3 the newest, titled "before"), which user 7 liked,
// and restaurant 2 with none.
constexpr char kRows[] = R"sql(
  INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');
  INSERT INTO areas VALUES (1, 13, '渋谷', 'Shibuya');
  INSERT INTO restaurants (restaurant_id, name, area_id) VALUES (1, 'reviewed', 1), (2, 'quiet', 1);
  INSERT INTO reviews (review_id, restaurant_id, author_name, rating, title, body, create_time)
    VALUES (1, 1, 'a', 4, 'old', 'body', now() - interval '3 days'),
           (2, 1, 'b', 5, 'older', 'body', now() - interval '4 days'),
           (3, 1, 'c', 3, 'before', 'body', now() - interval '1 day');
  INSERT INTO review_likes (user_id, review_id) VALUES (7, 3);
)sql";

using ::misc::testing::WithoutChangeNotifications;

class ReviewCacheTest : public testing::CacheServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer("review_cache", kRows));
    stub_ = v1::ReviewService::NewStub(server_->channel());
  }

  // ListReviews of `restaurant_id` as `user_id` (0: anonymous), at `page_size` (0: default).
  grpc::Status List(v1::ListReviewsResponse* response, int64_t user_id = 0,
                    int64_t restaurant_id = kRestaurant, int32_t page_size = 0) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (user_id != 0) {
      context.AddMetadata(
          "authorization",
          absl::StrCat("Bearer ", testing::TokenNow(auth::testing::EcKey(), user_id)));
    }
    v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    request.set_page_size(page_size);
    return stub_->ListReviews(&context, request, response);
  }

  // The title of the newest review of restaurant 1, as `user_id` sees it at `page_size`.
  std::string NewestTitle(int64_t user_id = 0, int32_t page_size = 0) {
    v1::ListReviewsResponse response;
    const grpc::Status status = List(&response, user_id, kRestaurant, page_size);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response.reviews().empty() ? "" : response.reviews(0).title();
  }

  // Waits until anonymous first pages come from the cache: review 3 retitled behind its back
  // still reads "before". Leaves the database saying "silent".
  bool WaitUntilCached() {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      // A told change first, so that whatever the cache holds is evicted; the read that
      // follows loads "before" into it, if it is on.
      const std::string told = "UPDATE reviews SET title = 'before' WHERE review_id = 3";
      if (!testing::ExecuteSql(url_, told).ok()) return false;
      const absl::Time settle = absl::Now() + absl::Seconds(2);
      while (NewestTitle() != "before" && absl::Now() < settle) {
      }
      const std::string silent = "UPDATE reviews SET title = 'silent' WHERE review_id = 3";
      if (!testing::ExecuteSql(url_, WithoutChangeNotifications(silent)).ok()) return false;
      if (NewestTitle() == "before") return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // Whether `check` holds for an anonymous first page within a second of `sql`.
  bool ServedWithinASecondOf(
      const std::string& sql,
      const std::function<bool(const grpc::Status&, const v1::ListReviewsResponse&)>& check,
      int64_t restaurant_id = kRestaurant) {
    EXPECT_TRUE(testing::ExecuteSql(url_, sql).ok()) << sql;
    const absl::Time give_up = absl::Now() + absl::Seconds(1);
    while (absl::Now() < give_up) {
      v1::ListReviewsResponse response;
      const grpc::Status status = List(&response, 0, restaurant_id);
      if (check(status, response)) return true;
    }
    return false;
  }

  std::unique_ptr<v1::ReviewService::Stub> stub_;
};

bool NewestIs(const std::string& title, const grpc::Status& status,
              const v1::ListReviewsResponse& response) {
  return status.ok() && !response.reviews().empty() && response.reviews(0).title() == title;
}

TEST_F(ReviewCacheTest, AnUpdateInPsqlIsServedWithinASecond) {
  ASSERT_TRUE(WaitUntilCached());
  EXPECT_TRUE(ServedWithinASecondOf(
      "UPDATE reviews SET title = 'after' WHERE review_id = 3",
      [](const grpc::Status& status, const v1::ListReviewsResponse& response) {
        return NewestIs("after", status, response);
      }));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(NewestTitle(), "after");
}

TEST_F(ReviewCacheTest, ANewReviewAndALikeAreServedWithinASecond) {
  ASSERT_TRUE(WaitUntilCached());
  EXPECT_TRUE(ServedWithinASecondOf(
      "INSERT INTO reviews (review_id, restaurant_id, author_name, rating, title) "
      "VALUES (4, 1, 'd', 5, 'newest')",
      [](const grpc::Status& status, const v1::ListReviewsResponse& response) {
        return NewestIs("newest", status, response) && response.reviews_size() == 4;
      }));
  EXPECT_TRUE(ServedWithinASecondOf(
      "UPDATE reviews SET like_count = like_count + 1 WHERE review_id = 4",
      [](const grpc::Status& status, const v1::ListReviewsResponse& response) {
        return NewestIs("newest", status, response) && response.reviews(0).like_count() == 1;
      }));
}

TEST_F(ReviewCacheTest, ADeletedRestaurantIsNotFoundWithinASecond) {
  // Its empty first page is cached like any other: a review added behind the cache's back
  // does not show. A told change of the restaurant evicts the page between tries.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  bool cached = false;
  while (!cached && absl::Now() < give_up) {
    ASSERT_TRUE(testing::ExecuteSql(url_,
                                    "UPDATE restaurants SET name = name "
                                    "WHERE restaurant_id = 2")
                    .ok());
    v1::ListReviewsResponse empty;
    ASSERT_TRUE(List(&empty, 0, kRestaurantWithoutReviews).ok());
    ASSERT_TRUE(
        testing::ExecuteSql(url_, WithoutChangeNotifications("INSERT INTO reviews (review_id, "
                                                             "restaurant_id, author_name, rating) "
                                                             "VALUES (10, 2, 'e', 1)"))
            .ok());
    v1::ListReviewsResponse read;
    ASSERT_TRUE(List(&read, 0, kRestaurantWithoutReviews).ok());
    cached = read.reviews().empty();
    ASSERT_TRUE(testing::ExecuteSql(
                    url_, WithoutChangeNotifications("DELETE FROM reviews WHERE review_id = 10"))
                    .ok());
  }
  ASSERT_TRUE(cached);
  // Only the restaurants' channel tells of this: no review changed.
  EXPECT_TRUE(ServedWithinASecondOf(
      "DELETE FROM restaurants WHERE restaurant_id = 2",
      [](const grpc::Status& status, const v1::ListReviewsResponse&) {
        return status.error_code() == grpc::StatusCode::NOT_FOUND;
      },
      kRestaurantWithoutReviews));
}

TEST_F(ReviewCacheTest, AKilledListenSessionNeverYieldsAStalePage) {
  ASSERT_TRUE(WaitUntilCached());
  // The change feed's session killed, then a review changes while nobody listens: that
  // notification is lost.
  const absl::StatusOr<int> killed = testing::KillChangeFeedSession(url_);
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_GE(*killed, 1);
  ASSERT_TRUE(
      testing::ExecuteSql(url_, "UPDATE reviews SET title = 'missed' WHERE review_id = 3").ok());
  const absl::Time until = absl::Now() + absl::Seconds(3);
  int reads = 0;
  while (absl::Now() < until) {
    ASSERT_EQ(NewestTitle(), "missed") << "after " << reads << " reads";
    ++reads;
  }
  // And once back, the cache serves again.
  ASSERT_TRUE(WaitUntilCached());
}

TEST_F(ReviewCacheTest, OtherPagesAndLoggedInCallersReadTheDatabase) {
  ASSERT_TRUE(WaitUntilCached());
  EXPECT_EQ(NewestTitle(), "before");      // From the cache.
  EXPECT_EQ(NewestTitle(0, 5), "silent");  // Another page size: the row as it is.
  // Logged-in callers: the row as it is, with their own likes.
  v1::ListReviewsResponse liking;
  ASSERT_TRUE(List(&liking, kLikingUser).ok());
  ASSERT_EQ(liking.reviews_size(), 3);
  EXPECT_EQ(liking.reviews(0).title(), "silent");
  EXPECT_TRUE(liking.reviews(0).liked_by_viewer());
  v1::ListReviewsResponse other;
  ASSERT_TRUE(List(&other, kOtherUser).ok());
  ASSERT_EQ(other.reviews_size(), 3);
  EXPECT_FALSE(other.reviews(0).liked_by_viewer());
  // And the anonymous page shared from the cache carries nobody's likes.
  v1::ListReviewsResponse anonymous;
  ASSERT_TRUE(List(&anonymous).ok());
  for (const v1::Review& review : anonymous.reviews()) EXPECT_FALSE(review.liked_by_viewer());
}

}  // namespace
}  // namespace misc::review

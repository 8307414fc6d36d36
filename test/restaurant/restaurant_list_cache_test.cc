// The cache of ListRestaurants' anonymous first pages, end to end through misc-server on a
// database of its own: the first page at the default size is answered from memory, a
// restaurant changed in psql (renamed, a new one ranked first, one closed) is served fresh
// within a second (the trigger's NOTIFY empties the cache), a killed LISTEN session never lets
// a stale page through, and other pages, other filters' first reads and logged-in callers
// (viewer.bookmarked) read the database.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc::restaurant {
namespace {

constexpr int64_t kBookmarkingUser = 7;
constexpr int64_t kOtherUser = 8;

// Restaurant 1 ranked first (most reviews), named "before" and bookmarked by user 7, and
// restaurant 2 behind it, both in area 1.
constexpr char kRows[] = R"sql(
  INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');
  INSERT INTO areas VALUES (1, 13, '渋谷', 'Shibuya');
  INSERT INTO restaurants (restaurant_id, name, area_id, review_count)
    VALUES (1, 'before', 1, 10), (2, 'second', 1, 5);
  INSERT INTO bookmarks (user_id, restaurant_id) VALUES (7, 1);
)sql";

using ::misc::testing::WithoutChangeNotifications;

class RestaurantListCacheTest : public testing::CacheServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer("restaurant_list_cache", kRows));
    stub_ = v1::RestaurantService::NewStub(server_->channel());
  }

  // ListRestaurants' first page as `user_id` (0: anonymous), at `page_size` (0: default), in
  // `area_id` (0: any).
  grpc::Status List(v1::ListRestaurantsResponse* response, int64_t user_id = 0,
                    int32_t page_size = 0, int64_t area_id = 0) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (user_id != 0) {
      context.AddMetadata(
          "authorization",
          absl::StrCat("Bearer ", testing::TokenNow(auth::testing::EcKey(), user_id)));
    }
    v1::ListRestaurantsRequest request;
    request.set_page_size(page_size);
    request.set_area_id(area_id);
    return stub_->ListRestaurants(&context, request, response);
  }

  // The name of the first restaurant of the list, as `user_id` sees it.
  std::string FirstName(int64_t user_id = 0, int32_t page_size = 0, int64_t area_id = 0) {
    v1::ListRestaurantsResponse response;
    const grpc::Status status = List(&response, user_id, page_size, area_id);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response.restaurants().empty() ? "" : response.restaurants(0).name();
  }

  // The name of the first restaurant of the anonymous page at the default size after
  // `page_token`.
  std::string NameAfter(const std::string& page_token) {
    grpc::ClientContext context;
    v1::ListRestaurantsRequest request;
    request.set_page_token(page_token);
    v1::ListRestaurantsResponse response;
    const grpc::Status status = stub_->ListRestaurants(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response.restaurants().empty() ? "" : response.restaurants(0).name();
  }

  // Waits until anonymous first pages come from the cache: restaurant 1 renamed behind its
  // back still reads "before". Leaves the database saying "silent".
  bool WaitUntilCached() {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      // A told change first, so that whatever the cache holds is dropped; the read that
      // follows loads "before" into it, if it is on.
      if (!testing::ExecuteSql(url_,
                               "UPDATE restaurants SET name = 'before' WHERE "
                               "restaurant_id = 1")
               .ok()) {
        return false;
      }
      const absl::Time settle = absl::Now() + absl::Seconds(2);
      while (FirstName() != "before" && absl::Now() < settle) {
      }
      if (!testing::ExecuteSql(
               url_, WithoutChangeNotifications("UPDATE restaurants SET name = 'silent' WHERE "
                                                "restaurant_id = 1"))
               .ok()) {
        return false;
      }
      if (FirstName() == "before") return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // Whether `check` holds for an anonymous first page within a second of `sql`.
  bool ServedWithinASecondOf(const std::string& sql,
                             const std::function<bool(const v1::ListRestaurantsResponse&)>& check) {
    EXPECT_TRUE(testing::ExecuteSql(url_, sql).ok()) << sql;
    const absl::Time give_up = absl::Now() + absl::Seconds(1);
    while (absl::Now() < give_up) {
      v1::ListRestaurantsResponse response;
      if (List(&response).ok() && check(response)) return true;
    }
    return false;
  }

  std::unique_ptr<v1::RestaurantService::Stub> stub_;
};

// The ids of `page`'s restaurants, in order.
std::vector<int64_t> Ids(const v1::ListRestaurantsResponse& page) {
  std::vector<int64_t> ids;
  for (const v1::Restaurant& restaurant : page.restaurants())
    ids.push_back(restaurant.restaurant_id());
  return ids;
}

TEST_F(RestaurantListCacheTest, AnUpdateInPsqlIsServedWithinASecond) {
  ASSERT_TRUE(WaitUntilCached());
  EXPECT_TRUE(ServedWithinASecondOf("UPDATE restaurants SET name = 'after' WHERE restaurant_id = 1",
                                    [](const v1::ListRestaurantsResponse& page) {
                                      return !page.restaurants().empty() &&
                                             page.restaurants(0).name() == "after";
                                    }));
  // And it stays: nothing older comes back.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(FirstName(), "after");
}

TEST_F(RestaurantListCacheTest, AChangeOfAnotherRestaurantReordersTheListWithinASecond) {
  ASSERT_TRUE(WaitUntilCached());
  // Not one of the cached page's restaurants: a new one, ranked first.
  EXPECT_TRUE(
      ServedWithinASecondOf("INSERT INTO restaurants (restaurant_id, name, area_id, review_count) "
                            "VALUES (3, 'new', 1, 99)",
                            [](const v1::ListRestaurantsResponse& page) {
                              return Ids(page) == std::vector<int64_t>{3, 1, 2};
                            }));
  // Restaurant 2 overtaking restaurant 1, then closing: it moves up, then leaves the list.
  EXPECT_TRUE(
      ServedWithinASecondOf("UPDATE restaurants SET review_count = 11 WHERE restaurant_id = 2",
                            [](const v1::ListRestaurantsResponse& page) {
                              return Ids(page) == std::vector<int64_t>{3, 2, 1};
                            }));
  EXPECT_TRUE(ServedWithinASecondOf("UPDATE restaurants SET closed = true WHERE restaurant_id = 2",
                                    [](const v1::ListRestaurantsResponse& page) {
                                      return Ids(page) == std::vector<int64_t>{3, 1};
                                    }));
}

TEST_F(RestaurantListCacheTest, AKilledListenSessionNeverYieldsAStalePage) {
  ASSERT_TRUE(WaitUntilCached());
  // The change feed's session killed, then a restaurant changes while nobody listens: that
  // notification is lost.
  const absl::StatusOr<int> killed = testing::KillChangeFeedSession(url_);
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_GE(*killed, 1);
  ASSERT_TRUE(
      testing::ExecuteSql(url_, "UPDATE restaurants SET name = 'missed' WHERE restaurant_id = 1")
          .ok());
  const absl::Time until = absl::Now() + absl::Seconds(3);
  int reads = 0;
  while (absl::Now() < until) {
    ASSERT_EQ(FirstName(), "missed") << "after " << reads << " reads";
    ++reads;
  }
  // And once back, the cache serves again.
  ASSERT_TRUE(WaitUntilCached());
}

TEST_F(RestaurantListCacheTest, OtherPagesAndLoggedInCallersReadTheDatabase) {
  ASSERT_TRUE(WaitUntilCached());
  EXPECT_EQ(FirstName(), "before");      // From the cache.
  EXPECT_EQ(FirstName(0, 5), "silent");  // Another page size: the row as it is.
  // A later page at the default size: read twice with a silent change in between, it shows
  // the change.
  v1::ListRestaurantsResponse first_of_one;
  ASSERT_TRUE(List(&first_of_one, 0, 1).ok());
  ASSERT_FALSE(first_of_one.next_page_token().empty());
  EXPECT_EQ(NameAfter(first_of_one.next_page_token()), "second");
  ASSERT_TRUE(testing::ExecuteSql(
                  url_, WithoutChangeNotifications(
                            "UPDATE restaurants SET name = 'renamed' WHERE restaurant_id = 2"))
                  .ok());
  EXPECT_EQ(NameAfter(first_of_one.next_page_token()), "renamed");
  // Logged-in callers: the row as it is, with their own bookmarks.
  v1::ListRestaurantsResponse bookmarking;
  ASSERT_TRUE(List(&bookmarking, kBookmarkingUser).ok());
  ASSERT_FALSE(bookmarking.restaurants().empty());
  EXPECT_EQ(bookmarking.restaurants(0).name(), "silent");
  EXPECT_TRUE(bookmarking.restaurants(0).viewer().bookmarked());
  v1::ListRestaurantsResponse other;
  ASSERT_TRUE(List(&other, kOtherUser).ok());
  ASSERT_FALSE(other.restaurants().empty());
  EXPECT_TRUE(other.restaurants(0).has_viewer());
  EXPECT_FALSE(other.restaurants(0).viewer().bookmarked());
  // And the anonymous page shared from the cache carries nobody's bookmarks.
  v1::ListRestaurantsResponse anonymous;
  ASSERT_TRUE(List(&anonymous).ok());
  ASSERT_FALSE(anonymous.restaurants().empty());
  EXPECT_EQ(anonymous.restaurants(0).name(), "before");
  for (const v1::Restaurant& restaurant : anonymous.restaurants()) {
    EXPECT_FALSE(restaurant.has_viewer());
  }
}

TEST_F(RestaurantListCacheTest, EachFilterHasAPageOfItsOwn) {
  ASSERT_TRUE(WaitUntilCached());
  // Area 1's first page is another entry: its first read sees the row as it is, and the
  // unfiltered page stays cached.
  EXPECT_EQ(FirstName(0, 0, 1), "silent");
  EXPECT_EQ(FirstName(), "before");
  // Area 2 has no restaurants: an empty first page, no next page token.
  v1::ListRestaurantsResponse empty;
  ASSERT_TRUE(List(&empty, 0, 0, 2).ok());
  EXPECT_TRUE(empty.restaurants().empty());
  EXPECT_TRUE(empty.next_page_token().empty());
}

}  // namespace
}  // namespace misc::restaurant

// What RestaurantService shows a logged-in user, end to end: `viewer.bookmarked` on every
// restaurant it returns, from the bookmarks table, for the user the token names; anonymous
// callers get no `viewer` and otherwise the same answers. Through misc-server verifying the
// test keys' tokens (test/support/viewer_server_test.h), against the seeded database.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc::restaurant {
namespace {

using ::misc::testing::Anonymous;
using ::misc::testing::Bearer;
using ::misc::testing::kDemoUser;
using ::misc::testing::SameMessage;
using ::misc::testing::TokenNow;

// Returns `restaurant` without its viewer state.
v1::Restaurant WithoutViewer(v1::Restaurant restaurant) {
  restaurant.clear_viewer();
  return restaurant;
}

class RestaurantViewerTest : public misc::testing::ViewerServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ViewerServerTest::SetUp());
    bookmarks_ = BookmarksOf(kDemoUser);
    ASSERT_FALSE(bookmarks_.empty()) << "the seed gives user 42 bookmarks";
    stub_ = v1::RestaurantService::NewStub(server_->channel());
    logged_in_ = Bearer(TokenNow(auth::testing::EcKey()));
  }

  grpc::Status GetRestaurant(int64_t restaurant_id, const testing::Authorization& authorization,
                             v1::GetRestaurantResponse* response) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, authorization);
    v1::GetRestaurantRequest request;
    request.set_restaurant_id(restaurant_id);
    return stub_->GetRestaurant(&context, request, response);
  }

  grpc::Status BatchGetRestaurants(const std::vector<int64_t>& ids,
                                   const testing::Authorization& authorization,
                                   v1::BatchGetRestaurantsResponse* response) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, authorization);
    v1::BatchGetRestaurantsRequest request;
    for (const int64_t id : ids) request.add_restaurant_ids(id);
    return stub_->BatchGetRestaurants(&context, request, response);
  }

  // Returns every page of ListRestaurants (no filter, `page_size`) as `authorization`.
  std::vector<v1::ListRestaurantsResponse> WalkRestaurants(
      const testing::Authorization& authorization, int32_t page_size) {
    v1::ListRestaurantsRequest request;
    request.set_page_size(page_size);
    return misc::testing::WalkPages<v1::ListRestaurantsResponse>(
        request, authorization, [this](auto* context, const auto& page, auto* response) {
          return stub_->ListRestaurants(context, page, response);
        });
  }

  // Checks the logged-in answer `restaurant` against the demo user's bookmarks.
  void ExpectViewerOfDemoUser(const v1::Restaurant& restaurant) {
    ASSERT_TRUE(restaurant.has_viewer()) << restaurant.restaurant_id();
    EXPECT_EQ(restaurant.viewer().bookmarked(), bookmarks_.contains(restaurant.restaurant_id()))
        << restaurant.restaurant_id();
  }

  // Checks that GetRestaurant(`id`) shows the demo user `bookmarked` and an anonymous caller
  // no viewer and otherwise the same restaurant.
  void ExpectGetRestaurantShows(int64_t id, bool bookmarked) {
    v1::GetRestaurantResponse logged_in;
    ASSERT_TRUE(GetRestaurant(id, logged_in_, &logged_in).ok());
    ASSERT_TRUE(logged_in.restaurant().has_viewer()) << "viewer is set for every logged-in call";
    EXPECT_EQ(logged_in.restaurant().viewer().bookmarked(), bookmarked);

    v1::GetRestaurantResponse anonymous;
    ASSERT_TRUE(GetRestaurant(id, Anonymous(), &anonymous).ok());
    EXPECT_FALSE(anonymous.restaurant().has_viewer());
    EXPECT_TRUE(SameMessage(WithoutViewer(logged_in.restaurant()), anonymous.restaurant()));
  }

  // The restaurants kDemoUser bookmarked.
  std::set<int64_t> bookmarks_;
  std::unique_ptr<v1::RestaurantService::Stub> stub_;
  testing::Authorization logged_in_;
};

TEST_F(RestaurantViewerTest, GetRestaurantShowsBookmarkedToTheUserWhoBookmarkedIt) {
  ExpectGetRestaurantShows(*bookmarks_.begin(), true);
}

TEST_F(RestaurantViewerTest, GetRestaurantShowsNotBookmarkedToALoggedInUserWhoDidNotBookmarkIt) {
  const int64_t id = testing::QueryInt64(
      url(), absl::StrCat("SELECT min(restaurant_id) FROM restaurants WHERE restaurant_id NOT IN "
                          "(SELECT restaurant_id FROM bookmarks WHERE user_id = ",
                          kDemoUser, ")"));
  ExpectGetRestaurantShows(id, false);
}

TEST_F(RestaurantViewerTest, BatchGetSetsViewerOnEveryRestaurantFromTheBookmarksTable) {
  // Every bookmark of the user (closed restaurants too), as many others, and a duplicate.
  std::vector<int64_t> ids(bookmarks_.begin(), bookmarks_.end());
  const std::vector<int64_t> others = testing::QueryInt64Column(
      url(), absl::StrCat("SELECT restaurant_id FROM restaurants WHERE restaurant_id NOT IN "
                          "(SELECT restaurant_id FROM bookmarks WHERE user_id = ",
                          kDemoUser, ") ORDER BY restaurant_id DESC LIMIT ", ids.size()));
  for (size_t i = 0; i < others.size(); ++i)
    ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(2 * i), others[i]);
  ids.push_back(*bookmarks_.begin());
  ASSERT_LE(ids.size(), 100u);

  v1::BatchGetRestaurantsResponse logged_in;
  ASSERT_TRUE(BatchGetRestaurants(ids, logged_in_, &logged_in).ok());
  v1::BatchGetRestaurantsResponse anonymous;
  ASSERT_TRUE(BatchGetRestaurants(ids, Anonymous(), &anonymous).ok());
  ASSERT_EQ(logged_in.restaurants_size(), static_cast<int>(ids.size()));
  ASSERT_EQ(anonymous.restaurants_size(), static_cast<int>(ids.size()));
  int bookmarked = 0;
  for (int i = 0; i < logged_in.restaurants_size(); ++i) {
    const v1::Restaurant& restaurant = logged_in.restaurants(i);
    EXPECT_EQ(restaurant.restaurant_id(), ids[i]);
    ExpectViewerOfDemoUser(restaurant);
    bookmarked += restaurant.viewer().bookmarked();
    EXPECT_FALSE(anonymous.restaurants(i).has_viewer()) << ids[i];
    EXPECT_TRUE(SameMessage(WithoutViewer(restaurant), anonymous.restaurants(i))) << ids[i];
  }
  EXPECT_EQ(bookmarked, static_cast<int>(bookmarks_.size() + 1));  // The duplicate too.
}

TEST_F(RestaurantViewerTest, ListRestaurantsSetsViewerOnEveryRestaurantFromTheBookmarksTable) {
  const std::vector<v1::ListRestaurantsResponse> logged_in = WalkRestaurants(logged_in_, 50);
  const std::vector<v1::ListRestaurantsResponse> anonymous = WalkRestaurants(Anonymous(), 50);
  ASSERT_EQ(logged_in.size(), anonymous.size());
  ASSERT_GT(logged_in.size(), 1u) << "several pages";
  int bookmarked = 0;
  int listed = 0;
  for (size_t page = 0; page < logged_in.size(); ++page) {
    for (const v1::Restaurant& restaurant : logged_in[page].restaurants()) {
      ExpectViewerOfDemoUser(restaurant);
      bookmarked += restaurant.viewer().bookmarked();
      ++listed;
    }
    for (const v1::Restaurant& restaurant : anonymous[page].restaurants()) {
      EXPECT_FALSE(restaurant.has_viewer()) << restaurant.restaurant_id();
    }
    v1::ListRestaurantsResponse cleared = logged_in[page];
    for (v1::Restaurant& restaurant : *cleared.mutable_restaurants()) restaurant.clear_viewer();
    EXPECT_TRUE(SameMessage(cleared, anonymous[page])) << "page " << page;
  }
  // Only open restaurants are listed: expect exactly the user's open bookmarks.
  EXPECT_EQ(bookmarked,
            testing::QueryInt64(
                url(), absl::StrCat("SELECT count(*) FROM bookmarks JOIN restaurants "
                                    "USING (restaurant_id) WHERE NOT closed AND user_id = ",
                                    kDemoUser)));
  EXPECT_GT(bookmarked, 0);
  EXPECT_LT(bookmarked, listed);
}

TEST_F(RestaurantViewerTest, EachUserSeesTheirOwnBookmarks) {
  // The user with the most bookmarks other than the demo user, and a user with none.
  const int64_t other = testing::QueryInt64(
      url(), absl::StrCat("SELECT user_id FROM bookmarks WHERE user_id <> ", kDemoUser,
                          " GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1"));
  const int64_t nobody = testing::QueryInt64(url(), "SELECT max(user_id) + 1 FROM bookmarks");
  const std::set<int64_t> others_bookmarks = BookmarksOf(other);
  std::set<int64_t> asked = others_bookmarks;
  asked.insert(bookmarks_.begin(), bookmarks_.end());
  const std::vector<int64_t> ids(asked.begin(), asked.end());
  ASSERT_LE(ids.size(), 100u);

  v1::BatchGetRestaurantsResponse response;
  ASSERT_TRUE(
      BatchGetRestaurants(ids, Bearer(TokenNow(auth::testing::RsaKey(), other)), &response).ok());
  ASSERT_EQ(response.restaurants_size(), static_cast<int>(ids.size()));
  for (const v1::Restaurant& restaurant : response.restaurants()) {
    ASSERT_TRUE(restaurant.has_viewer());
    EXPECT_EQ(restaurant.viewer().bookmarked(),
              others_bookmarks.contains(restaurant.restaurant_id()))
        << "user " << other << ", restaurant " << restaurant.restaurant_id();
  }
  ASSERT_TRUE(
      BatchGetRestaurants(ids, Bearer(TokenNow(auth::testing::EdKey(), nobody)), &response).ok());
  for (const v1::Restaurant& restaurant : response.restaurants()) {
    ASSERT_TRUE(restaurant.has_viewer());
    EXPECT_FALSE(restaurant.viewer().bookmarked())
        << "user " << nobody << ", restaurant " << restaurant.restaurant_id();
  }
}

}  // namespace
}  // namespace misc::restaurant

// RestaurantService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL, migrated and seeded by the real misc-migrate.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/seeded_server_test.h"

namespace misc::restaurant {
namespace {

using ::misc::testing::FieldViolations;

class RestaurantServiceTest : public misc::testing::SeededServerTest<v1::RestaurantService> {
 protected:
  // Ids of open restaurants matching `where` (SQL over the restaurants table), in the
  // documented list order, read straight from PostgreSQL.
  static std::vector<int64_t> ExpectedListIds(const std::string& where) {
    return misc::testing::QueryInt64Column(
        *database_url_, absl::StrCat("SELECT restaurant_id FROM restaurants WHERE NOT closed",
                                     where, " ORDER BY review_count DESC, restaurant_id"));
  }

  // Walks every page of ListRestaurants for `request` and returns the ids in order, failing
  // the test if a page is larger than asked or the walk does not end.
  std::vector<int64_t> WalkAllPages(v1::ListRestaurantsRequest request) {
    std::vector<int64_t> ids;
    const int expected_page = request.page_size() == 0 ? 20 : request.page_size();
    for (int page = 0; page < 10000; ++page) {
      grpc::ClientContext context;
      v1::ListRestaurantsResponse response;
      const grpc::Status status = stub_->ListRestaurants(&context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(response.restaurants_size(), expected_page);
      for (const auto& restaurant : response.restaurants()) {
        EXPECT_FALSE(restaurant.closed());
        ids.push_back(restaurant.restaurant_id());
      }
      if (response.next_page_token().empty()) return ids;
      EXPECT_EQ(response.restaurants_size(), expected_page) << "only the last page may be short";
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "pagination did not end";
    return ids;
  }
};

TEST_F(RestaurantServiceTest, GetRestaurantReturnsTheStoredRow) {
  const int64_t id = misc::testing::QueryInt64(
      *database_url_,
      "SELECT restaurant_id FROM restaurants WHERE cardinality(genre_ids) > 0 "
      "AND NOT closed ORDER BY restaurant_id LIMIT 1");
  grpc::ClientContext context;
  v1::GetRestaurantRequest request;
  request.set_restaurant_id(id);
  v1::GetRestaurantResponse response;
  ASSERT_TRUE(stub_->GetRestaurant(&context, request, &response).ok());
  const v1::Restaurant& restaurant = response.restaurant();
  EXPECT_EQ(restaurant.restaurant_id(), id);
  const std::string where = absl::StrCat(" FROM restaurants WHERE restaurant_id = ", id);
  EXPECT_EQ(restaurant.name(), misc::testing::QueryString(*database_url_, "SELECT name" + where));
  EXPECT_EQ(restaurant.name_kana(),
            misc::testing::QueryString(*database_url_, "SELECT name_kana" + where));
  EXPECT_EQ(restaurant.address(),
            misc::testing::QueryString(*database_url_, "SELECT address" + where));
  EXPECT_EQ(restaurant.area_id(),
            misc::testing::QueryInt64(*database_url_, "SELECT area_id" + where));
  EXPECT_EQ(restaurant.review_count(),
            misc::testing::QueryInt64(*database_url_, "SELECT review_count" + where));
  EXPECT_EQ(restaurant.lunch_budget_yen(),
            misc::testing::QueryInt64(*database_url_, "SELECT lunch_budget_yen" + where));
  EXPECT_EQ(restaurant.dinner_budget_yen(),
            misc::testing::QueryInt64(*database_url_, "SELECT dinner_budget_yen" + where));
  EXPECT_EQ(std::vector<int64_t>(restaurant.genre_ids().begin(), restaurant.genre_ids().end()),
            misc::testing::QueryInt64Column(*database_url_, "SELECT unnest(genre_ids)" + where));
  EXPECT_EQ(restaurant.update_time().seconds(),
            misc::testing::QueryInt64(
                *database_url_, "SELECT floor(extract(epoch FROM update_time))::bigint" + where));
  EXPECT_FALSE(restaurant.has_viewer()) << "viewer is only set for logged-in callers";
}

TEST_F(RestaurantServiceTest, GetRestaurantReturnsClosedRestaurantsMarkedClosed) {
  const int64_t id = misc::testing::QueryInt64(
      *database_url_, "SELECT restaurant_id FROM restaurants WHERE closed LIMIT 1");
  grpc::ClientContext context;
  v1::GetRestaurantRequest request;
  request.set_restaurant_id(id);
  v1::GetRestaurantResponse response;
  ASSERT_TRUE(stub_->GetRestaurant(&context, request, &response).ok());
  EXPECT_TRUE(response.restaurant().closed());
}

TEST_F(RestaurantServiceTest, GetRestaurantOfAnUnknownIdIsNotFoundNamingIt) {
  const int64_t missing =
      misc::testing::QueryInt64(*database_url_, "SELECT max(restaurant_id) + 1 FROM restaurants");
  grpc::ClientContext context;
  v1::GetRestaurantRequest request;
  request.set_restaurant_id(missing);
  v1::GetRestaurantResponse response;
  const grpc::Status status = stub_->GetRestaurant(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(absl::StrCat(missing)), std::string::npos);
  EXPECT_FALSE(response.has_restaurant());
}

TEST_F(RestaurantServiceTest, GetRestaurantRejectsNonPositiveIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-5}}) {
    grpc::ClientContext context;
    v1::GetRestaurantRequest request;
    request.set_restaurant_id(id);
    v1::GetRestaurantResponse response;
    const grpc::Status status = stub_->GetRestaurant(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"restaurant_id"});
  }
}

TEST_F(RestaurantServiceTest, BatchGetAnswersInRequestOrderWithDuplicates) {
  const std::vector<int64_t> ids = misc::testing::QueryInt64Column(
      *database_url_, "SELECT restaurant_id FROM restaurants ORDER BY restaurant_id DESC LIMIT 3");
  ASSERT_EQ(ids.size(), 3u);
  const std::vector<int64_t> asked = {ids[1], ids[0], ids[2], ids[1]};
  grpc::ClientContext context;
  v1::BatchGetRestaurantsRequest request;
  for (int64_t id : asked) request.add_restaurant_ids(id);
  v1::BatchGetRestaurantsResponse response;
  ASSERT_TRUE(stub_->BatchGetRestaurants(&context, request, &response).ok());
  std::vector<int64_t> answered;
  for (const auto& restaurant : response.restaurants()) {
    answered.push_back(restaurant.restaurant_id());
  }
  EXPECT_EQ(answered, asked);
}

TEST_F(RestaurantServiceTest, BatchGetWithUnknownIdsFailsWholeNamingEveryMissingId) {
  const int64_t known =
      misc::testing::QueryInt64(*database_url_, "SELECT min(restaurant_id) FROM restaurants");
  const int64_t missing =
      misc::testing::QueryInt64(*database_url_, "SELECT max(restaurant_id) + 1 FROM restaurants");
  grpc::ClientContext context;
  v1::BatchGetRestaurantsRequest request;
  request.add_restaurant_ids(known);
  request.add_restaurant_ids(missing);
  request.add_restaurant_ids(missing + 1);
  v1::BatchGetRestaurantsResponse response;
  const grpc::Status status = stub_->BatchGetRestaurants(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(absl::StrCat(missing)), std::string::npos);
  EXPECT_NE(status.error_message().find(absl::StrCat(missing + 1)), std::string::npos);
  EXPECT_EQ(misc::testing::MissingResourceName(status), absl::StrCat(missing, ", ", missing + 1));
  EXPECT_EQ(response.restaurants_size(), 0);
}

TEST_F(RestaurantServiceTest, BatchGetValidatesSizeAndEveryId) {
  {
    grpc::ClientContext context;
    v1::BatchGetRestaurantsResponse response;
    const grpc::Status status =
        stub_->BatchGetRestaurants(&context, v1::BatchGetRestaurantsRequest(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"restaurant_ids"});
  }
  {
    grpc::ClientContext context;
    v1::BatchGetRestaurantsRequest request;
    for (int i = 1; i <= 101; ++i) request.add_restaurant_ids(i);
    v1::BatchGetRestaurantsResponse response;
    const grpc::Status status = stub_->BatchGetRestaurants(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"restaurant_ids"});
  }
  {
    grpc::ClientContext context;
    v1::BatchGetRestaurantsRequest request;
    request.add_restaurant_ids(1);
    request.add_restaurant_ids(0);
    request.add_restaurant_ids(-3);
    v1::BatchGetRestaurantsResponse response;
    const grpc::Status status = stub_->BatchGetRestaurants(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status),
              (std::vector<std::string>{"restaurant_ids[1]", "restaurant_ids[2]"}));
  }
}

TEST_F(RestaurantServiceTest, ListWalksEveryOpenRestaurantExactlyOnceInOrder) {
  v1::ListRestaurantsRequest request;
  request.set_page_size(37);
  const std::vector<int64_t> ids = WalkAllPages(request);
  EXPECT_EQ(ids, ExpectedListIds(""));
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
}

TEST_F(RestaurantServiceTest, ListWithDefaultPageSizeWalksEverything) {
  EXPECT_EQ(WalkAllPages(v1::ListRestaurantsRequest()), ExpectedListIds(""));
}

TEST_F(RestaurantServiceTest, ListFiltersByAreaGenreAndBoth) {
  // The area and the genre with the most open restaurants, so the walks span several pages.
  const int64_t area =
      misc::testing::QueryInt64(*database_url_,
                                "SELECT area_id FROM restaurants WHERE NOT closed GROUP BY area_id "
                                "ORDER BY count(*) DESC, area_id LIMIT 1");
  const int64_t genre =
      misc::testing::QueryInt64(*database_url_,
                                "SELECT g FROM restaurants, unnest(genre_ids) g WHERE NOT closed "
                                "GROUP BY g ORDER BY count(*) DESC, g LIMIT 1");
  v1::ListRestaurantsRequest request;
  request.set_page_size(5);
  request.set_area_id(area);
  const std::vector<int64_t> by_area = WalkAllPages(request);
  EXPECT_FALSE(by_area.empty());
  EXPECT_EQ(by_area, ExpectedListIds(absl::StrCat(" AND area_id = ", area)));

  request.set_area_id(0);
  request.set_genre_id(genre);
  const std::vector<int64_t> by_genre = WalkAllPages(request);
  EXPECT_FALSE(by_genre.empty());
  EXPECT_EQ(by_genre, ExpectedListIds(absl::StrCat(" AND ", genre, " = ANY(genre_ids)")));

  request.set_area_id(area);
  EXPECT_EQ(WalkAllPages(request), ExpectedListIds(absl::StrCat(" AND area_id = ", area, " AND ",
                                                                genre, " = ANY(genre_ids)")));
}

TEST_F(RestaurantServiceTest, ListOfAnAreaWithNoRestaurantsIsEmpty) {
  v1::ListRestaurantsRequest request;
  request.set_area_id(
      misc::testing::QueryInt64(*database_url_, "SELECT max(area_id) + 1000 FROM areas"));
  grpc::ClientContext context;
  v1::ListRestaurantsResponse response;
  ASSERT_TRUE(stub_->ListRestaurants(&context, request, &response).ok());
  EXPECT_EQ(response.restaurants_size(), 0);
  EXPECT_TRUE(response.next_page_token().empty());
}

TEST_F(RestaurantServiceTest, ListCapsThePageSizeAt100) {
  v1::ListRestaurantsRequest request;
  request.set_page_size(1000);
  grpc::ClientContext context;
  v1::ListRestaurantsResponse response;
  ASSERT_TRUE(stub_->ListRestaurants(&context, request, &response).ok());
  EXPECT_EQ(response.restaurants_size(), 100);
}

TEST_F(RestaurantServiceTest, ListRejectsBadFieldsNamingEach) {
  v1::ListRestaurantsRequest request;
  request.set_page_size(-1);
  request.set_area_id(-2);
  grpc::ClientContext context;
  v1::ListRestaurantsResponse response;
  const grpc::Status status = stub_->ListRestaurants(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), (std::vector<std::string>{"area_id", "page_size"}));
}

TEST_F(RestaurantServiceTest, ListRejectsTamperedAndCrossFilterTokens) {
  v1::ListRestaurantsRequest first;
  first.set_page_size(3);
  grpc::ClientContext context;
  v1::ListRestaurantsResponse response;
  ASSERT_TRUE(stub_->ListRestaurants(&context, first, &response).ok());
  const std::string token = response.next_page_token();
  ASSERT_FALSE(token.empty());

  std::string tampered = token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  const int64_t area =
      misc::testing::QueryInt64(*database_url_, "SELECT min(area_id) FROM restaurants");
  struct Case {
    std::string token;
    int64_t area_id;
  };
  for (const Case& bad : {Case{tampered, 0}, Case{token, area}, Case{"garbage", 0},
                          Case{token.substr(0, token.size() - 2), 0}}) {
    v1::ListRestaurantsRequest request = first;
    request.set_page_token(bad.token);
    request.set_area_id(bad.area_id);
    grpc::ClientContext bad_context;
    v1::ListRestaurantsResponse bad_response;
    const grpc::Status status = stub_->ListRestaurants(&bad_context, request, &bad_response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.token;
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"});
    EXPECT_EQ(bad_response.restaurants_size(), 0);
  }
}

}  // namespace
}  // namespace misc::restaurant

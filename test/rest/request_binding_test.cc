#include "src/rest/request_binding.h"

#include <gtest/gtest.h>

#include "misc/restaurant/v1/restaurant.pb.h"
#include "src/rest/route_table.h"
#include "src/status/errors.h"

namespace misc::rest {
namespace {

using restaurant::v1::BatchGetRestaurantsRequest;
using restaurant::v1::GetRestaurantRequest;
using restaurant::v1::ListRestaurantsRequest;

class BindRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)GetRestaurantRequest::descriptor();
    absl::StatusOr<RouteTable> table = RouteTable::Build({"misc.restaurant.v1.RestaurantService"});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  // Binds a request for `method` `path`?`query` with `body`; fails the test when no route.
  absl::Status Bind(const std::string& method, const std::string& path, const std::string& query,
                    const std::string& body, google::protobuf::Message& request) {
    RouteMatch match = table_->Find(method, path);
    if (match.route == nullptr) {
      ADD_FAILURE() << "no route for " << method << " " << path;
      return absl::NotFoundError(path);
    }
    return BindRequest(*match.route, match.bindings, query, body, request);
  }

  // The field named by the one violation of `status`, or "" when it carries another number.
  static std::string ViolatedField(const absl::Status& status) {
    const auto violations = status::FieldViolationsOf(status);
    return violations.size() == 1 ? violations[0].field : "";
  }

  std::optional<RouteTable> table_;
};

TEST_F(BindRequestTest, PathVariablesAndQueryParameters) {
  GetRestaurantRequest get;
  ASSERT_TRUE(Bind("GET", "/v1/restaurants/42", "", "", get).ok());
  EXPECT_EQ(get.restaurant_id(), 42);

  ListRestaurantsRequest list;
  // Proto names and JSON names both work; '+' and %XX decode; the page token passes opaque.
  ASSERT_TRUE(Bind("GET", "/v1/restaurants",
                   "area_id=1301&genreId=5&page_size=3&page_token=ab%2Bc%3D", "", list)
                  .ok());
  EXPECT_EQ(list.area_id(), 1301);
  EXPECT_EQ(list.genre_id(), 5);
  EXPECT_EQ(list.page_size(), 3);
  EXPECT_EQ(list.page_token(), "ab+c=");
}

TEST_F(BindRequestTest, WrongTypesNameTheParameter) {
  GetRestaurantRequest get;
  absl::Status status = Bind("GET", "/v1/restaurants/abc", "", "", get);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(status), "restaurant_id");

  const std::pair<std::string, std::string> cases[] = {
      {"page_size=x", "page_size"},
      {"page_size=99999999999", "page_size"},  // Out of int32's range.
      {"area_id=1.5", "area_id"},
      {"bogus=1", "bogus"},
      {"page_size=1&page_size=2", "page_size"},
      {"page_token=%FF", "page_token"},  // Not UTF-8.
      {"page_token=%zz", "page_token"},
  };
  for (const auto& [query, field] : cases) {
    ListRestaurantsRequest list;
    status = Bind("GET", "/v1/restaurants", query, "", list);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << query;
    EXPECT_EQ(ViolatedField(status), field) << query << ": " << status;
  }
}

TEST_F(BindRequestTest, BodyIsTheWholeMessageForStar) {
  BatchGetRestaurantsRequest batch;
  ASSERT_TRUE(
      Bind("POST", "/v1/restaurants:batchGet", "", R"({"restaurantIds":["1","2",3]})", batch).ok());
  EXPECT_EQ(batch.restaurant_ids_size(), 3);
  BatchGetRestaurantsRequest proto_names;
  ASSERT_TRUE(
      Bind("POST", "/v1/restaurants:batchGet", "", R"({"restaurant_ids":["7"]})", proto_names)
          .ok());
  EXPECT_EQ(proto_names.restaurant_ids(0), 7);
  BatchGetRestaurantsRequest empty;
  EXPECT_TRUE(Bind("POST", "/v1/restaurants:batchGet", "", "", empty).ok()) << "empty is {}";
}

TEST_F(BindRequestTest, RefusesBadBodies) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"restaurantIdz":["1"]})", "restaurantIdz"},  // Unknown field, named.
      {R"({"restaurantIds":["x"]})", "body"},
      {R"({"restaurantIds":)", "body"},  // Malformed.
      {R"([1,2])", "body"},              // Not an object.
      {R"("text")", "body"},
      {"null", "body"},
  };
  for (const auto& [body, field] : cases) {
    BatchGetRestaurantsRequest batch;
    const absl::Status status = Bind("POST", "/v1/restaurants:batchGet", "", body, batch);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_EQ(ViolatedField(status), field) << body << ": " << status;
  }
  BatchGetRestaurantsRequest batch;
  const absl::Status query =
      Bind("POST", "/v1/restaurants:batchGet", "restaurant_ids=1", "", batch);
  EXPECT_EQ(ViolatedField(query), "restaurant_ids") << "body \"*\" takes no query parameters";
}

}  // namespace
}  // namespace misc::rest

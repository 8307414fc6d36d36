#include "src/rest/route_table.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "misc/area/v1/area.pb.h"
#include "misc/genre/v1/genre.pb.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "misc/review/v1/review.pb.h"
#include "misc/rollout/v1/rollout.pb.h"

namespace misc::rest {
namespace {

const std::vector<std::string>& AllServices() {
  static const auto* services = new std::vector<std::string>{
      "misc.restaurant.v1.RestaurantService", "misc.review.v1.ReviewService",
      "misc.area.v1.AreaService", "misc.genre.v1.GenreService", "misc.rollout.v1.RolloutService"};
  return *services;
}

TEST(RouteTableTest, EveryRpcHasTheRouteItsProtoAnnotates) {
  // Linking the generated code registers the descriptors.
  (void)restaurant::v1::GetRestaurantRequest::descriptor();
  (void)review::v1::GetReviewRequest::descriptor();
  (void)area::v1::GetAreaRequest::descriptor();
  (void)genre::v1::GetGenreRequest::descriptor();
  (void)rollout::v1::CheckRolloutTargetRequest::descriptor();
  absl::StatusOr<RouteTable> table = RouteTable::Build(AllServices());
  ASSERT_TRUE(table.ok()) << table.status();
  std::set<std::tuple<std::string, std::string, std::string>> routes;
  for (const Route& route : table->routes()) {
    routes.emplace(route.http_method, route.path.text(), route.grpc_method);
  }
  // docs/rest.md lists these; the descriptors, not a list in the code, produce them.
  const std::set<std::tuple<std::string, std::string, std::string>> expected = {
      {"GET", "/v1/restaurants/{restaurant_id}",
       "/misc.restaurant.v1.RestaurantService/GetRestaurant"},
      {"POST", "/v1/restaurants:batchGet",
       "/misc.restaurant.v1.RestaurantService/BatchGetRestaurants"},
      {"GET", "/v1/restaurants", "/misc.restaurant.v1.RestaurantService/ListRestaurants"},
      {"GET", "/v1/restaurants/{restaurant_id}/reviews",
       "/misc.review.v1.ReviewService/ListReviews"},
      {"GET", "/v1/reviews/{review_id}", "/misc.review.v1.ReviewService/GetReview"},
      {"GET", "/v1/prefectures", "/misc.area.v1.AreaService/ListPrefectures"},
      {"GET", "/v1/prefectures/{prefecture_id}/areas", "/misc.area.v1.AreaService/ListAreas"},
      {"GET", "/v1/areas/{area_id}", "/misc.area.v1.AreaService/GetArea"},
      {"GET", "/v1/genres", "/misc.genre.v1.GenreService/ListGenres"},
      {"GET", "/v1/genres/{genre_id}", "/misc.genre.v1.GenreService/GetGenre"},
      {"GET", "/v1/rollout/targets", "/misc.rollout.v1.RolloutService/GetRolloutTargets"},
      {"GET", "/v1/rollout/targets/{restaurant_id}",
       "/misc.rollout.v1.RolloutService/CheckRolloutTarget"},
  };
  EXPECT_EQ(routes, expected);
}

TEST(RouteTableTest, FindsRoutesAndTellsNotFoundFromMethodNotAllowed) {
  absl::StatusOr<RouteTable> table = RouteTable::Build(AllServices());
  ASSERT_TRUE(table.ok()) << table.status();
  RouteMatch match = table->Find("GET", "/v1/restaurants/7/reviews");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->method->name(), "ListReviews");
  ASSERT_EQ(match.bindings.size(), 1u);
  EXPECT_EQ(match.bindings[0].value, "7");

  match = table->Find("POST", "/v1/restaurants:batchGet");
  ASSERT_NE(match.route, nullptr);
  EXPECT_EQ(match.route->body, "*");

  match = table->Find("DELETE", "/v1/restaurants/7");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allowed_methods, std::vector<std::string>{"GET"});

  match = table->Find("GET", "/v1/restaurants:batchGet");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_EQ(match.allowed_methods, std::vector<std::string>{"POST"});

  match = table->Find("GET", "/v1/nothing/here");
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.allowed_methods.empty());
}

// A pool holding one service "t.S" with one method "M" whose options are `method_options`
// (text format of google.protobuf.MethodOptions).
std::unique_ptr<google::protobuf::DescriptorPool> PoolWithMethod(
    const std::string& method_options) {
  google::protobuf::FileDescriptorProto file;
  const std::string text = absl::StrCat(
      R"pb(
        name: "t.proto"
        package: "t"
        message_type {
          name: "Req"
          field { name: "id" number: 1 type: TYPE_INT64 label: LABEL_OPTIONAL json_name: "id" }
          field { name: "ids" number: 2 type: TYPE_INT64 label: LABEL_REPEATED json_name: "ids" }
        }
        service { name: "S"
                  method { name: "M" input_type: ".t.Req" output_type: ".t.Req" options {)pb",
      method_options, "} } }");
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &file)) << text;
  auto pool = std::make_unique<google::protobuf::DescriptorPool>(
      google::protobuf::DescriptorPool::generated_pool());
  EXPECT_NE(pool->BuildFile(file), nullptr);
  return pool;
}

TEST(RouteTableTest, RefusesWhatItCannotRoute) {
  EXPECT_EQ(RouteTable::Build({"no.such.Service"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  const struct {
    std::string options;
    std::string error;
  } cases[] = {
      {"", "t.S.M has no google.api.http annotation"},
      {R"([google.api.http] { get: "/v1/x/{nope}" })", "path names unknown field nope"},
      {R"([google.api.http] { get: "/v1/x/{ids}" })", "path field ids is not a singular scalar"},
      {R"([google.api.http] { get: "/v1/*" })", "wildcards are not supported"},
      {R"([google.api.http] { post: "/v1/x" body: "nope" })", "body names unknown field nope"},
      {R"([google.api.http] { get: "/v1/x" additional_bindings { get: "/v1/x" } })",
       "GET /v1/x is already bound"},
  };
  for (const auto& [options, error] : cases) {
    auto pool = PoolWithMethod(options);
    absl::StatusOr<RouteTable> table = RouteTable::Build({"t.S"}, *pool);
    ASSERT_FALSE(table.ok()) << options;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(table.status().message(), error)) << table.status();
  }
  auto pool = PoolWithMethod(R"([google.api.http] { get: "/v1/x/{id}" })");
  EXPECT_TRUE(RouteTable::Build({"t.S"}, *pool).ok()) << "the control case routes";
}

}  // namespace
}  // namespace misc::rest

// The workload registry and the requests each single-call workload sends.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "bench/loadgen/workload.h"

namespace misc::loadgen {
namespace {

RequestFactory Factory(std::optional<int64_t> fixed_id = std::nullopt) {
  return RequestFactory(DataSet{.restaurant_ids = {.first = 10, .last = 20},
                                .fixed_restaurant_id = fixed_id,
                                .deep_page_token = "deep-token"});
}

// The sampled call of workload `name`; fails the test when it has none.
SampleCall SampleOf(absl::string_view name, const RequestFactory& requests) {
  absl::StatusOr<std::unique_ptr<Workload>> workload = MakeWorkload(name, &requests);
  EXPECT_TRUE(workload.ok()) << workload.status();
  absl::BitGen random;
  std::optional<SampleCall> sample = (*workload)->Sample(random);
  EXPECT_TRUE(sample.has_value()) << name;
  return std::move(*sample);
}

TEST(WorkloadsTest, EveryListedWorkloadCanBeMade) {
  const RequestFactory requests = Factory();
  std::set<std::string> names;
  for (const WorkloadInfo& info : AllWorkloads()) {
    names.insert(std::string(info.name));
    EXPECT_TRUE(MakeWorkload(info.name, &requests).ok()) << info.name;
    EXPECT_EQ(FindWorkload(info.name), &info);
  }
  EXPECT_EQ(names,
            (std::set<std::string>{
                "get_restaurant", "get_restaurant_logged_in", "batch_get_restaurants",
                "list_restaurants_first", "list_restaurants_deep", "list_reviews", "get_area",
                "list_genres", "check_rollout_target", "health", "restaurant_page"}));
}

TEST(WorkloadsTest, UnknownNamesAreInvalid) {
  const RequestFactory requests = Factory();
  EXPECT_EQ(MakeWorkload("get_restaurants", &requests).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FindWorkload("get_restaurants"), nullptr);
  EXPECT_EQ(
      MakeMixWorkload(Mix{.entries = {{"health", 1}, {"nope", 2}}}, &requests).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeMixWorkload(Mix{}, &requests).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(WorkloadsTest, OnlyTheRightWorkloadsNeedTokensOrTheDeepPage) {
  for (const WorkloadInfo& info : AllWorkloads()) {
    EXPECT_EQ(info.logged_in, info.name == "get_restaurant_logged_in") << info.name;
    EXPECT_EQ(info.deep_page, info.name == "list_restaurants_deep") << info.name;
    EXPECT_EQ(info.page, info.name == "restaurant_page") << info.name;
  }
}

TEST(WorkloadsTest, RestaurantIdsStayInTheRange) {
  const RequestFactory requests = Factory();
  for (int i = 0; i < 200; ++i) {
    const SampleCall sample = SampleOf("get_restaurant", requests);
    EXPECT_EQ(sample.method, &kGetRestaurant);
    const auto& request = static_cast<const restaurant::v1::GetRestaurantRequest&>(*sample.request);
    EXPECT_GE(request.restaurant_id(), 10);
    EXPECT_LE(request.restaurant_id(), 20);
  }
}

TEST(WorkloadsTest, ZipfIdsStayInTheRangeAndFavourAFew) {
  const RequestFactory requests(
      DataSet{.restaurant_ids = {.first = 1001, .last = 2000}, .zipf = true});
  absl::BitGen random;
  std::map<int64_t, int> counts;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t id = requests.RestaurantId(random);
    ASSERT_GE(id, 1001);
    ASSERT_LE(id, 2000);
    ++counts[id];
  }
  // s = 1 over 1,000 ids: the most popular gets 1/H(1000) ~ 13 % of the draws (uniform: 0.1 %),
  // and the 10 most popular about 39 %.
  std::vector<int> sorted;
  sorted.reserve(counts.size());
  for (const auto& [id, count] : counts) sorted.push_back(count);
  std::sort(sorted.rbegin(), sorted.rend());
  EXPECT_GT(sorted[0], kDraws / 10);
  EXPECT_LT(sorted[0], kDraws / 6);
  int top10 = 0;
  for (int i = 0; i < 10; ++i) top10 += sorted[i];
  EXPECT_GT(top10, kDraws * 35 / 100);
  EXPECT_LT(top10, kDraws * 43 / 100);
  // The most popular id is not simply the first of the range.
  EXPECT_NE(std::max_element(counts.begin(), counts.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; })
                ->first,
            1001);
}

TEST(WorkloadsTest, AFixedIdIsAlwaysUsed) {
  const RequestFactory requests = Factory(7);
  const SampleCall sample = SampleOf("get_restaurant", requests);
  EXPECT_EQ(
      static_cast<const restaurant::v1::GetRestaurantRequest&>(*sample.request).restaurant_id(), 7);
}

TEST(WorkloadsTest, BatchesHoldFiftyIdsFromTheRange) {
  const RequestFactory requests = Factory();
  const SampleCall sample = SampleOf("batch_get_restaurants", requests);
  EXPECT_EQ(sample.method, &kBatchGetRestaurants);
  const auto& request =
      static_cast<const restaurant::v1::BatchGetRestaurantsRequest&>(*sample.request);
  ASSERT_EQ(request.restaurant_ids_size(), 50);
  for (int64_t id : request.restaurant_ids()) {
    EXPECT_GE(id, 10);
    EXPECT_LE(id, 20);
  }
}

TEST(WorkloadsTest, ListsAskForPagesOfTwenty) {
  const RequestFactory requests = Factory();
  const SampleCall first = SampleOf("list_restaurants_first", requests);
  const auto& first_request =
      static_cast<const restaurant::v1::ListRestaurantsRequest&>(*first.request);
  EXPECT_EQ(first.method, &kListRestaurants);
  EXPECT_EQ(first_request.page_size(), 20);
  EXPECT_EQ(first_request.page_token(), "");

  const SampleCall deep = SampleOf("list_restaurants_deep", requests);
  const auto& deep_request =
      static_cast<const restaurant::v1::ListRestaurantsRequest&>(*deep.request);
  EXPECT_EQ(deep_request.page_size(), 20);
  EXPECT_EQ(deep_request.page_token(), "deep-token");

  const SampleCall reviews = SampleOf("list_reviews", requests);
  EXPECT_EQ(reviews.method, &kListReviews);
  EXPECT_EQ(static_cast<const review::v1::ListReviewsRequest&>(*reviews.request).page_size(), 20);
}

TEST(WorkloadsTest, MemoryServedAndHealthWorkloadsCallTheirMethods) {
  const RequestFactory requests = Factory();
  EXPECT_EQ(SampleOf("list_genres", requests).method, &kListGenres);
  // The seed's Shibuya, whose answer has the bytes misc-transport-ceiling gives for GetArea.
  const SampleCall area = SampleOf("get_area", requests);
  EXPECT_EQ(area.method, &kGetArea);
  EXPECT_EQ(static_cast<const area::v1::GetAreaRequest&>(*area.request).area_id(), 1301);
  EXPECT_EQ(SampleOf("check_rollout_target", requests).method, &kCheckRolloutTarget);
  const SampleCall health = SampleOf("health", requests);
  EXPECT_EQ(health.method, &kHealthCheck);
  EXPECT_EQ(static_cast<const grpc::health::v1::HealthCheckRequest&>(*health.request).service(),
            "");
}

TEST(WorkloadsTest, PagesAndMixesHaveNoSingleRequest) {
  const RequestFactory requests = Factory();
  absl::BitGen random;
  EXPECT_FALSE((*MakeWorkload("restaurant_page", &requests))->Sample(random).has_value());
  EXPECT_FALSE((*MakeMixWorkload(Mix{.entries = {{"health", 1}, {"list_genres", 1}}}, &requests))
                   ->Sample(random)
                   .has_value());
  // A mix of one is that workload.
  EXPECT_TRUE(
      (*MakeMixWorkload(Mix{.entries = {{"health", 1}}}, &requests))->Sample(random).has_value());
}

TEST(MethodsTest, NamesAreThePathsWithoutTheSlash) {
  EXPECT_EQ(kGetRestaurant.name(), "misc.restaurant.v1.RestaurantService/GetRestaurant");
  EXPECT_EQ(kHealthCheck.name(), "grpc.health.v1.Health/Check");
  EXPECT_EQ(kListGenres.new_response()->GetDescriptor()->full_name(),
            "misc.genre.v1.ListGenresResponse");
}

}  // namespace
}  // namespace misc::loadgen

#include "bench/loadgen/requests.h"

#include "absl/random/distributions.h"
#include "bench/loadgen/methods.h"

namespace misc::loadgen {

int64_t RequestFactory::RestaurantId(absl::BitGenRef random) const {
  if (data_.fixed_restaurant_id.has_value()) return *data_.fixed_restaurant_id;
  return absl::Uniform(absl::IntervalClosed, random, data_.restaurant_ids.first,
                       data_.restaurant_ids.last);
}

std::unique_ptr<google::protobuf::Message> RequestFactory::GetRestaurant(
    int64_t restaurant_id) const {
  auto request = std::make_unique<restaurant::v1::GetRestaurantRequest>();
  request->set_restaurant_id(restaurant_id);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::BatchGetRestaurants(
    absl::BitGenRef random) const {
  auto request = std::make_unique<restaurant::v1::BatchGetRestaurantsRequest>();
  for (int i = 0; i < kBatchSize; ++i) request->add_restaurant_ids(RestaurantId(random));
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::ListRestaurantsFirstPage() const {
  auto request = std::make_unique<restaurant::v1::ListRestaurantsRequest>();
  request->set_page_size(kPageSize);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::ListRestaurantsDeepPage() const {
  auto request = std::make_unique<restaurant::v1::ListRestaurantsRequest>();
  request->set_page_size(kPageSize);
  request->set_page_token(data_.deep_page_token);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::ListReviews(
    int64_t restaurant_id) const {
  auto request = std::make_unique<review::v1::ListReviewsRequest>();
  request->set_restaurant_id(restaurant_id);
  request->set_page_size(kPageSize);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::GetArea(int64_t area_id) const {
  auto request = std::make_unique<area::v1::GetAreaRequest>();
  request->set_area_id(area_id);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::ListGenres() const {
  return std::make_unique<genre::v1::ListGenresRequest>();
}

std::unique_ptr<google::protobuf::Message> RequestFactory::CheckRolloutTarget(
    int64_t restaurant_id) const {
  auto request = std::make_unique<rollout::v1::CheckRolloutTargetRequest>();
  request->set_restaurant_id(restaurant_id);
  return request;
}

std::unique_ptr<google::protobuf::Message> RequestFactory::HealthCheck() const {
  return std::make_unique<grpc::health::v1::HealthCheckRequest>();
}

}  // namespace misc::loadgen

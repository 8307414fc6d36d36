#include "bench/loadgen/requests.h"

#include <algorithm>
#include <utility>

#include "absl/random/distributions.h"
#include "bench/loadgen/methods.h"

namespace misc::loadgen {

RequestFactory::RequestFactory(DataSet data) : data_(std::move(data)) {
  if (!data_.zipf) return;
  const int64_t count = data_.restaurant_ids.last - data_.restaurant_ids.first + 1;
  zipf_cumulative_.reserve(static_cast<size_t>(std::max<int64_t>(count, 0)));
  double total = 0;
  for (int64_t rank = 1; rank <= count; ++rank) {
    total += 1.0 / static_cast<double>(rank);
    zipf_cumulative_.push_back(total);
  }
}

int64_t RequestFactory::RestaurantId(absl::BitGenRef random) const {
  if (data_.fixed_restaurant_id.has_value()) return *data_.fixed_restaurant_id;
  if (zipf_cumulative_.empty()) {
    return absl::Uniform(absl::IntervalClosed, random, data_.restaurant_ids.first,
                         data_.restaurant_ids.last);
  }
  // Inverse transform: the rank whose cumulative weight first reaches a uniform draw.
  const double draw = absl::Uniform(random, 0.0, zipf_cumulative_.back());
  const auto rank = static_cast<int64_t>(
      std::lower_bound(zipf_cumulative_.begin(), zipf_cumulative_.end(), draw) -
      zipf_cumulative_.begin());
  // Spread the ranks over the ids (a multiplier coprime with the count permutes them), so the
  // popular restaurants are not the first rows of the table.
  const auto count = static_cast<int64_t>(zipf_cumulative_.size());
  constexpr int64_t kSpread = 2654435761;  // Knuth's multiplicative constant, a prime.
  const int64_t spread = count % kSpread == 0 ? rank : ((rank + 1) * kSpread) % count;
  return data_.restaurant_ids.first + spread;
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

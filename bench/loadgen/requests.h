#ifndef MISC_BENCH_LOADGEN_REQUESTS_H_
#define MISC_BENCH_LOADGEN_REQUESTS_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "bench/loadgen/flag_types.h"

namespace misc::loadgen {

// What the requests are drawn from: which ids exist in the seeded data.
struct DataSet {
  // Restaurants to pick from (seeded data has ids 1..N).
  IdRange restaurant_ids;
  // How: uniformly, or with Zipf popularity (s = 1: the k-th most popular restaurant is asked
  // for 1/k as often as the first; the ranks are spread over the range, not its first ids).
  bool zipf = false;
  // When set, every restaurant request uses this id instead (for comparing with h2load,
  // which can only repeat one request).
  std::optional<int64_t> fixed_restaurant_id;
  // The page token past the first `deep_pages` pages of ListRestaurants (see deep_page.h);
  // empty until it has been fetched.
  std::string deep_page_token;
};

// Builds the request messages of the workloads from a DataSet.
class RequestFactory {
 public:
  // Page size of every list request, as a site page would ask.
  static constexpr int kPageSize = 20;
  // How many ids a batch request carries.
  static constexpr int kBatchSize = 50;

  explicit RequestFactory(DataSet data);

  // A restaurant id, random over the data set as DataSet says (or the fixed one).
  int64_t RestaurantId(absl::BitGenRef random) const;

  std::unique_ptr<google::protobuf::Message> GetRestaurant(int64_t restaurant_id) const;
  std::unique_ptr<google::protobuf::Message> BatchGetRestaurants(absl::BitGenRef random) const;
  std::unique_ptr<google::protobuf::Message> ListRestaurantsFirstPage() const;
  std::unique_ptr<google::protobuf::Message> ListRestaurantsDeepPage() const;
  std::unique_ptr<google::protobuf::Message> ListReviews(int64_t restaurant_id) const;
  std::unique_ptr<google::protobuf::Message> GetArea(int64_t area_id) const;
  std::unique_ptr<google::protobuf::Message> ListGenres() const;
  std::unique_ptr<google::protobuf::Message> CheckRolloutTarget(int64_t restaurant_id) const;
  // grpc.health.v1 Check of the whole server (service "").
  std::unique_ptr<google::protobuf::Message> HealthCheck() const;

 private:
  DataSet data_;
  // With zipf: the cumulative weights 1/1, 1/1 + 1/2, ... of the ranks, one per id.
  std::vector<double> zipf_cumulative_;
};

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_REQUESTS_H_

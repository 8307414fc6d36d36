#ifndef MISC_BENCH_LOADGEN_METHODS_H_
#define MISC_BENCH_LOADGEN_METHODS_H_

#include <google/protobuf/message.h>

#include <memory>

#include "absl/strings/string_view.h"
#include "grpc/health/v1/health.pb.h"
#include "misc/area/v1/area.pb.h"
#include "misc/genre/v1/genre.pb.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "misc/review/v1/review.pb.h"
#include "misc/rollout/v1/rollout.pb.h"

namespace misc::loadgen {

// Returns a new, empty message of type `T`, for parsing a response into.
template <typename T>
std::unique_ptr<google::protobuf::Message> NewMessage() {
  return std::make_unique<T>();
}

// One unary RPC the load generator calls by its path (through a generic stub, so every
// workload shares one call path), and how to make a message for its response.
struct Method {
  const char* path;  // the HTTP/2 :path, "/package.Service/Method"
  std::unique_ptr<google::protobuf::Message> (*new_response)();

  // The name calls are counted under: the path without its leading '/'.
  absl::string_view name() const { return absl::string_view(path).substr(1); }
};

inline constexpr Method kGetRestaurant = {"/misc.restaurant.v1.RestaurantService/GetRestaurant",
                                          &NewMessage<restaurant::v1::GetRestaurantResponse>};
inline constexpr Method kBatchGetRestaurants = {
    "/misc.restaurant.v1.RestaurantService/BatchGetRestaurants",
    &NewMessage<restaurant::v1::BatchGetRestaurantsResponse>};
inline constexpr Method kListRestaurants = {"/misc.restaurant.v1.RestaurantService/ListRestaurants",
                                            &NewMessage<restaurant::v1::ListRestaurantsResponse>};
inline constexpr Method kListReviews = {"/misc.review.v1.ReviewService/ListReviews",
                                        &NewMessage<review::v1::ListReviewsResponse>};
inline constexpr Method kGetArea = {"/misc.area.v1.AreaService/GetArea",
                                    &NewMessage<area::v1::GetAreaResponse>};
inline constexpr Method kListGenres = {"/misc.genre.v1.GenreService/ListGenres",
                                       &NewMessage<genre::v1::ListGenresResponse>};
inline constexpr Method kCheckRolloutTarget = {
    "/misc.rollout.v1.RolloutService/CheckRolloutTarget",
    &NewMessage<rollout::v1::CheckRolloutTargetResponse>};
inline constexpr Method kHealthCheck = {"/grpc.health.v1.Health/Check",
                                        &NewMessage<grpc::health::v1::HealthCheckResponse>};

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_METHODS_H_

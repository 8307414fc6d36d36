#ifndef MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_
#define MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_

#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "services/restaurant/restaurant_store.h"
#include "src/server/call_runner.h"

namespace misc::restaurant {

// gRPC handlers of misc.restaurant.v1.RestaurantService: validate the request, run the
// store off the callback thread, shape the answer (API.md).
class RestaurantService final : public v1::RestaurantService::CallbackService {
 public:
  RestaurantService(db::Pool& pool, server::CallRunner& calls) : store_(pool), calls_(calls) {}

  grpc::ServerUnaryReactor* GetRestaurant(grpc::CallbackServerContext* context,
                                          const v1::GetRestaurantRequest* request,
                                          v1::GetRestaurantResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetRestaurants(grpc::CallbackServerContext* context,
                                                const v1::BatchGetRestaurantsRequest* request,
                                                v1::BatchGetRestaurantsResponse* response) override;
  grpc::ServerUnaryReactor* ListRestaurants(grpc::CallbackServerContext* context,
                                            const v1::ListRestaurantsRequest* request,
                                            v1::ListRestaurantsResponse* response) override;

 private:
  RestaurantStore store_;
  server::CallRunner& calls_;
};

}  // namespace misc::restaurant

#endif  // MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_

#include "services/restaurant/module.h"

#include <memory>

#include "services/restaurant/restaurant_service.h"

namespace misc::restaurant {

server::ServiceModule Module() {
  return {.name = "restaurant",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            return server::HostedService{
                .full_name = v1::RestaurantService::service_full_name(),
                .service = std::make_unique<RestaurantService>(env.pool, env.calls)};
          }};
}

}  // namespace misc::restaurant

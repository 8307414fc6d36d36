#include "services/restaurant/module.h"

#include <memory>
#include <utility>

#include "services/restaurant/restaurant_service.h"
#include "src/cache/change_payload.h"

namespace misc::restaurant {
namespace {

// The channel migrations/0002_restaurant_change_notifications.sql notifies on for every changed
// restaurant: a payload of comma-separated ids, or "*" when the table was truncated or too
// many rows changed to name them.
constexpr char kChangeChannel[] = "misc_restaurants";

}  // namespace

server::ServiceModule Module() {
  return {.name = "restaurant",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            // Shared by the service and the change feed's callbacks.
            std::shared_ptr<RestaurantCache> cache =
                env.caches.Create<v1::Restaurant>("restaurant");
            std::shared_ptr<FirstPageCache> first_pages =
                env.caches.Create<v1::ListRestaurantsResponse>("restaurant_first_page");
            // Without entries to keep exact (--cache_max_entries=0) they need no change feed,
            // and the process then opens no LISTEN session.
            if (env.caches.options().max_entries > 0) {
              env.changes.Subscribe(kChangeChannel,
                                    {.on_change =
                                         [cache, first_pages](absl::string_view payload) {
                                           cache::ApplyChangePayload(*cache, payload);
                                           // Whichever restaurant changed (its rank, area, genres,
                                           // whether it is closed), it may enter or leave any list:
                                           // all pages go.
                                           first_pages->Clear();
                                         },
                                     .on_listening =
                                         [cache, first_pages](bool listening) {
                                           cache->SetEnabled(listening);
                                           first_pages->SetEnabled(listening);
                                         }});
            }
            return server::HostedService{
                .full_name = v1::RestaurantService::service_full_name(),
                .service = std::make_unique<RestaurantService>(
                    env.pool, env.calls.ForService(v1::RestaurantService::service_full_name()),
                    std::move(cache), std::move(first_pages), env.page_tokens)};
          }};
}

}  // namespace misc::restaurant

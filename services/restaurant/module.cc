#include "services/restaurant/module.h"

#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/restaurant/restaurant_service.h"

namespace misc::restaurant {
namespace {

// The channel migrations/0002_change_notifications.sql notifies on for every changed
// restaurant: a payload of comma-separated ids, or "*" when the table was truncated or too
// many rows changed to name them.
constexpr char kChangeChannel[] = "misc_restaurants";

void Evict(RestaurantCache& cache, absl::string_view payload) {
  if (payload == "*") {
    cache.Clear();
    return;
  }
  for (absl::string_view id : absl::StrSplit(payload, ',', absl::SkipEmpty())) {
    int64_t restaurant_id = 0;
    if (!absl::SimpleAtoi(id, &restaurant_id)) {
      cache.Clear();  // Not ours to guess: drop everything rather than keep a stale entry.
      return;
    }
    cache.Invalidate(restaurant_id);
  }
}

}  // namespace

server::ServiceModule Module() {
  return {.name = "restaurant",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            // Shared by the service and the change feed's callbacks.
            std::shared_ptr<RestaurantCache> cache =
                env.caches.Create<v1::Restaurant>("restaurant");
            // Without entries to keep exact (--cache_max_entries=0) it needs no change feed,
            // and the process then opens no LISTEN session.
            if (env.caches.options().max_entries > 0) {
              env.changes.Subscribe(
                  kChangeChannel,
                  {.on_change = [cache](absl::string_view payload) { Evict(*cache, payload); },
                   .on_listening = [cache](bool listening) { cache->SetEnabled(listening); }});
            }
            return server::HostedService{
                .full_name = v1::RestaurantService::service_full_name(),
                .service = std::make_unique<RestaurantService>(
                    env.pool, env.calls.ForService(v1::RestaurantService::service_full_name()),
                    cache, env.page_tokens)};
          }};
}

}  // namespace misc::restaurant

#include "services/review/module.h"

#include <memory>
#include <utility>

#include "services/review/review_service.h"
#include "src/cache/change_payload.h"

namespace misc::review {
namespace {

// The channels the migrations notify on, each with a payload of comma-separated restaurant
// ids (or "*"): 0003 for every change of reviews (likes and authors' names included), 0002 for
// every change of restaurants, since a restaurant deleted with no reviews turns its cached
// empty page into NOT_FOUND.
constexpr char kReviewChanges[] = "misc_reviews";
constexpr char kRestaurantChanges[] = "misc_restaurants";

}  // namespace

server::ServiceModule Module() {
  return {.name = "review",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            // Shared by the service and the change feed's callbacks.
            std::shared_ptr<FirstPageCache> first_pages =
                env.caches.Create<v1::ListReviewsResponse>("review_first_page");
            // Without entries to keep exact (--cache_max_entries=0) it needs no change feed.
            if (env.caches.options().max_entries > 0) {
              const auto evict = [first_pages](absl::string_view payload) {
                cache::ApplyChangePayload(*first_pages, payload);
              };
              // One LISTEN session holds both channels and is up or down for both at once:
              // one on_listening turns the cache on and off.
              env.changes.Subscribe(kReviewChanges,
                                    {.on_change = evict, .on_listening = [first_pages](bool on) {
                                       first_pages->SetEnabled(on);
                                     }});
              env.changes.Subscribe(kRestaurantChanges, {.on_change = evict});
            }
            return server::HostedService{
                .full_name = v1::ReviewService::service_full_name(),
                .service = std::make_unique<ReviewService>(
                    env.pool, env.calls.ForService(v1::ReviewService::service_full_name()),
                    env.page_tokens, std::move(first_pages))};
          }};
}

}  // namespace misc::review

#ifndef MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_
#define MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "services/restaurant/restaurant_store.h"
#include "src/cache/keyed_cache.h"
#include "src/pagination/page_token.h"
#include "src/server/call_runner.h"

namespace misc::restaurant {

// A ListRestaurants request that passed validation: what to read (`query.limit` is the page
// size to serve) and the canonical filter its page tokens are bound to.
struct ValidListRequest {
  ListQuery query;
  std::string filter;
};

// Validates `request` and returns what to read. Returns INVALID_ARGUMENT with a field
// violation for each negative area_id, genre_id or page_size, or, when those are valid, for a
// page_token that was not issued for this filter or holds a cursor the list query cannot take.
absl::StatusOr<ValidListRequest> ValidateListRequest(const v1::ListRestaurantsRequest& request,
                                                     const pagination::PageTokenCodec& page_tokens);

// Returns INVALID_ARGUMENT with a field violation for a batch of restaurant_ids that is empty
// or too large, or for each id that is not positive; OK otherwise.
absl::Status ValidateBatchGetRequest(const v1::BatchGetRestaurantsRequest& request);

// Restaurants by id as an anonymous viewer sees them, kept exact by the restaurants table's
// change notifications (module.cc subscribes it).
using RestaurantCache = cache::KeyedCache<v1::Restaurant>;

// ListRestaurants' first pages at the default page size as an anonymous viewer sees them, the
// whole answer (next page token included), by FirstPageKey. Any changed restaurant may enter,
// leave or move within any list, so module.cc empties it on every change of the table.
using FirstPageCache = cache::KeyedCache<v1::ListRestaurantsResponse>;

// Returns the FirstPageCache key of `query` when its page is one the cache keeps: the first
// page (no token) at the default page size, what the BFF's list pages ask for, of an area and
// a genre id each below 2^31 (both packed into the key; a larger id is no area or genre the
// schema has, so its page is simply read).
std::optional<int64_t> FirstPageKey(const ListQuery& query);

// gRPC handlers of misc.restaurant.v1.RestaurantService: validate the request, run the
// store off the callback thread, shape the answer (API.md). Anonymous GetRestaurant and
// BatchGetRestaurants are answered from `cache` on gRPC's thread when every restaurant is in
// it, anonymous ListRestaurants first pages from `first_pages`; a logged-in viewer's answer
// (viewer.bookmarked) is always read for that viewer.
class RestaurantService final : public v1::RestaurantService::CallbackService {
 public:
  RestaurantService(db::Pool& pool, server::CallRunner calls,
                    std::shared_ptr<RestaurantCache> cache,
                    std::shared_ptr<FirstPageCache> first_pages,
                    const pagination::PageTokenCodec& page_tokens)
      : store_(pool),
        calls_(std::move(calls)),
        page_tokens_(page_tokens),
        cache_holder_(std::move(cache)),
        cache_(*cache_holder_),
        first_pages_holder_(std::move(first_pages)),
        first_pages_(*first_pages_holder_) {}

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
  // Reads the page `query` asks for as `call`'s viewer sees it, its next page token bound to
  // `filter`.
  absl::StatusOr<v1::ListRestaurantsResponse> ReadPage(const ListQuery& query,
                                                       const std::string& filter,
                                                       const server::CallContext& call);

  RestaurantStore store_;
  server::CallRunner calls_;
  const pagination::PageTokenCodec& page_tokens_;
  const std::shared_ptr<RestaurantCache> cache_holder_;
  RestaurantCache& cache_;
  const std::shared_ptr<FirstPageCache> first_pages_holder_;
  FirstPageCache& first_pages_;
};

}  // namespace misc::restaurant

#endif  // MISC_SERVICES_RESTAURANT_RESTAURANT_SERVICE_H_

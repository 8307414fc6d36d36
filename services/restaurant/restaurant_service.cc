#include "services/restaurant/restaurant_service.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/pagination/page.h"
#include "src/pagination/page_size.h"
#include "src/pagination/page_token.h"
#include "src/status/errors.h"

namespace misc::restaurant {
namespace {

constexpr int kMaxBatchSize = 100;

// A ListRestaurants cursor holds a review_count, which the schema keeps at 0 or more and
// RankCursor holds as int32, and a restaurant id, which the schema keeps positive.
constexpr pagination::ValueRange kCursorRanges[] = {
    {.min = 0, .max = std::numeric_limits<int32_t>::max()}, {.min = 1}};

// The canonical filter a ListRestaurants page token is bound to.
std::string ListFilter(const v1::ListRestaurantsRequest& request) {
  return absl::StrCat("misc.restaurant.v1.ListRestaurants?area_id=", request.area_id(),
                      "&genre_id=", request.genre_id());
}

}  // namespace

std::optional<int64_t> FirstPageKey(const ListQuery& query) {
  constexpr int64_t kIdBound = int64_t{1} << 31;
  if (query.after.has_value() || query.limit != pagination::kDefaultPageSize ||
      query.area_id >= kIdBound || query.genre_id >= kIdBound) {
    return std::nullopt;
  }
  // Validation keeps both ids at 0 or more.
  return query.area_id * kIdBound + query.genre_id;
}

absl::StatusOr<ValidListRequest> ValidateListRequest(
    const v1::ListRestaurantsRequest& request, const pagination::PageTokenCodec& page_tokens) {
  status::FieldErrors errors;
  if (request.area_id() < 0) errors.Add("area_id", "must be 0 (any) or positive");
  if (request.genre_id() < 0) errors.Add("genre_id", "must be 0 (any) or positive");
  if (request.page_size() < 0) errors.Add("page_size", "must not be negative");
  if (absl::Status invalid = errors.ToStatus(); !invalid.ok()) return invalid;
  ValidListRequest valid{.query = {.area_id = request.area_id(),
                                   .genre_id = request.genre_id(),
                                   .limit = pagination::EffectivePageSize(request.page_size())},
                         .filter = ListFilter(request)};
  if (!request.page_token().empty()) {
    absl::StatusOr<pagination::Cursor> cursor =
        page_tokens.Decode(request.page_token(), valid.filter, kCursorRanges);
    if (!cursor.ok()) return cursor.status();
    valid.query.after = RankCursor{.review_count = static_cast<int32_t>((*cursor)[0]),
                                   .restaurant_id = (*cursor)[1]};
  }
  return valid;
}

absl::Status ValidateBatchGetRequest(const v1::BatchGetRestaurantsRequest& request) {
  status::FieldErrors errors;
  const int count = request.restaurant_ids_size();
  if (count == 0 || count > kMaxBatchSize) {
    errors.Add("restaurant_ids",
               absl::StrCat("must hold 1 to ", kMaxBatchSize, " ids, not ", count));
  } else {
    for (int i = 0; i < count; ++i) {
      if (request.restaurant_ids(i) <= 0) {
        errors.Add(absl::StrCat("restaurant_ids[", i, "]"), "must be positive");
      }
    }
  }
  return errors.ToStatus();
}

grpc::ServerUnaryReactor* RestaurantService::GetRestaurant(grpc::CallbackServerContext* context,
                                                           const v1::GetRestaurantRequest* request,
                                                           v1::GetRestaurantResponse* response) {
  if (request->restaurant_id() <= 0) {
    return calls_.Finish(context, status::InvalidField("restaurant_id", "must be positive"));
  }
  const int64_t id = request->restaurant_id();
  return calls_.ServeOrRun(
      context,
      [&](const server::CallContext& call) -> std::optional<absl::Status> {
        if (!call.viewer.is_anonymous()) return std::nullopt;
        RestaurantCache::Value cached = cache_.Peek(id);
        if (cached == nullptr) return std::nullopt;
        *response->mutable_restaurant() = *cached;
        return absl::OkStatus();
      },
      [this, id, response](const server::CallContext& call) {
        if (!call.viewer.is_anonymous()) {
          absl::StatusOr<v1::Restaurant> restaurant =
              store_.Get(id, call.viewer.user_id(), call.read_bounds());
          if (!restaurant.ok()) return restaurant.status();
          response->mutable_restaurant()->Swap(&*restaurant);
          return absl::OkStatus();
        }
        absl::StatusOr<RestaurantCache::Value> restaurant = cache_.GetOrLoad(
            id, [&] { return store_.Get(id, std::nullopt, call.read_bounds()); }, call.deadline);
        if (!restaurant.ok()) return restaurant.status();
        *response->mutable_restaurant() = **restaurant;
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RestaurantService::BatchGetRestaurants(
    grpc::CallbackServerContext* context, const v1::BatchGetRestaurantsRequest* request,
    v1::BatchGetRestaurantsResponse* response) {
  if (absl::Status invalid = ValidateBatchGetRequest(*request); !invalid.ok()) {
    return calls_.Finish(context, invalid);
  }
  return calls_.ServeOrRun(
      context,
      [&](const server::CallContext& call) -> std::optional<absl::Status> {
        if (!call.viewer.is_anonymous()) return std::nullopt;
        std::vector<RestaurantCache::Value> cached;
        cached.reserve(request->restaurant_ids_size());
        for (int64_t id : request->restaurant_ids()) {
          cached.push_back(cache_.Peek(id));
          if (cached.back() == nullptr) return std::nullopt;
        }
        for (const RestaurantCache::Value& restaurant : cached) {
          *response->add_restaurants() = *restaurant;
        }
        return absl::OkStatus();
      },
      [this, request, response](const server::CallContext& call) {
        // Taken before the read: values read before a change that arrives meanwhile are not
        // kept (StoreIfUnchanged).
        const uint64_t generation = cache_.Generation();
        absl::StatusOr<Restaurants> restaurants =
            store_.BatchGet(request->restaurant_ids(), call.viewer.user_id(), call.read_bounds());
        if (!restaurants.ok()) return restaurants.status();
        if (call.viewer.is_anonymous()) {
          for (const v1::Restaurant& restaurant : *restaurants) {
            cache_.StoreIfUnchanged(generation, restaurant.restaurant_id(), restaurant);
          }
        }
        response->mutable_restaurants()->Swap(&*restaurants);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ListRestaurantsResponse> RestaurantService::ReadPage(
    const ListQuery& query, const std::string& filter, const server::CallContext& call) {
  // One row more than the page tells whether another page follows.
  ListQuery lookahead = query;
  lookahead.limit = query.limit + 1;
  absl::StatusOr<Restaurants> read =
      store_.List(lookahead, call.viewer.user_id(), call.read_bounds());
  if (!read.ok()) return read.status();
  v1::ListRestaurantsResponse page;
  Restaurants* restaurants = page.mutable_restaurants();
  restaurants->Swap(&*read);
  if (const v1::Restaurant* last = pagination::TrimToPage(*restaurants, query.limit)) {
    page.set_next_page_token(
        page_tokens_.Encode(filter, {last->review_count(), last->restaurant_id()}));
  }
  return page;
}

grpc::ServerUnaryReactor* RestaurantService::ListRestaurants(
    grpc::CallbackServerContext* context, const v1::ListRestaurantsRequest* request,
    v1::ListRestaurantsResponse* response) {
  absl::StatusOr<ValidListRequest> valid = ValidateListRequest(*request, page_tokens_);
  if (!valid.ok()) return calls_.Finish(context, valid.status());
  const std::optional<int64_t> cache_key = FirstPageKey(valid->query);
  return calls_.ServeOrRun(
      context,
      [&](const server::CallContext& call) -> std::optional<absl::Status> {
        if (!cache_key.has_value() || !call.viewer.is_anonymous()) return std::nullopt;
        FirstPageCache::Value cached = first_pages_.Peek(*cache_key);
        if (cached == nullptr) return std::nullopt;
        *response = *cached;
        return absl::OkStatus();
      },
      [this, cache_key, query = valid->query, filter = std::move(valid->filter),
       response](const server::CallContext& call) -> absl::Status {
        if (!cache_key.has_value() || !call.viewer.is_anonymous()) {
          absl::StatusOr<v1::ListRestaurantsResponse> page = ReadPage(query, filter, call);
          if (!page.ok()) return page.status();
          response->Swap(&*page);
          return absl::OkStatus();
        }
        absl::StatusOr<FirstPageCache::Value> page = first_pages_.GetOrLoad(
            *cache_key, [&] { return ReadPage(query, filter, call); }, call.deadline);
        if (!page.ok()) return page.status();
        *response = **page;
        return absl::OkStatus();
      });
}

}  // namespace misc::restaurant

#ifndef MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_
#define MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/repeated_field.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "src/db/pool.h"

namespace misc::restaurant {

// Restaurants as a response holds them, so a handler can swap them in without a copy.
using Restaurants = google::protobuf::RepeatedPtrField<v1::Restaurant>;

// Position after which a ListRestaurants page starts: the last row of the previous page.
struct RankCursor {
  int32_t review_count = 0;
  int64_t restaurant_id = 0;
};

// Which open restaurants a list holds and how many rows to read.
struct ListQuery {
  int64_t area_id = 0;   // 0: any area.
  int64_t genre_id = 0;  // 0: any genre.
  int32_t limit = 0;
  std::optional<RankCursor> after;
};

// Reads restaurants from PostgreSQL. For a logged-in viewer (a user id) every restaurant
// returned carries viewer.bookmarked: read in the same statement by Get, with one more query
// per call by BatchGet and List. Every
// method bounds its queries by `bounds` (deadline, cancellation) and returns the pool's statuses
// (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) on database errors.
class RestaurantStore {
 public:
  explicit RestaurantStore(db::Pool& pool) : pool_(pool) {}

  // Returns restaurant `restaurant_id`, with viewer state when `viewer` (a user id) is set, or
  // NOT_FOUND when there is none.
  absl::StatusOr<v1::Restaurant> Get(int64_t restaurant_id, std::optional<int64_t> viewer,
                                     const db::ReadBounds& bounds);

  // Returns the restaurants `restaurant_ids` in that order (duplicates repeated), or NOT_FOUND
  // naming every id with no restaurant.
  absl::StatusOr<Restaurants> BatchGet(absl::Span<const int64_t> restaurant_ids,
                                       std::optional<int64_t> viewer, const db::ReadBounds& bounds);

  // Returns up to `query.limit` open restaurants in rank order (review_count descending, then
  // restaurant_id ascending) after `query.after`.
  absl::StatusOr<Restaurants> List(const ListQuery& query, std::optional<int64_t> viewer,
                                   const db::ReadBounds& bounds);

 private:
  db::Pool& pool_;
};

}  // namespace misc::restaurant

#endif  // MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_

#ifndef MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_
#define MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_

#include <cstdint>
#include <optional>
#include <pqxx/row>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "google/protobuf/repeated_field.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "src/db/pool.h"

namespace misc::restaurant {

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

// Fills `out` from `row`, one row of the store's restaurant SELECTs (columns restaurant_id,
// name, name_kana, area_id, genre_ids joined by ',', address, latitude, longitude,
// lunch_budget_yen, dinner_budget_yen, rating_average, review_count, closed, update_time in
// microseconds since the Unix epoch). The store is its only production caller; it is declared
// here so bench/micro/row_to_proto_benchmark can time it. Leaves viewer unset.
void FillRestaurant(const pqxx::row& row, v1::Restaurant* out);

// Reads restaurants from PostgreSQL. For a logged-in viewer (a user id) every restaurant
// returned carries viewer.bookmarked: read in the same statement by Get, with one more query
// per call by BatchGet and List. Every
// method bounds its queries by `bounds` (deadline, cancellation) and returns the pool's statuses
// (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) on database errors.
class RestaurantStore {
 public:
  explicit RestaurantStore(db::Pool& pool) : pool_(pool) {}

  // Fills `out` with restaurant `restaurant_id`, with viewer state when `viewer` (a user id)
  // is set. Returns NOT_FOUND when there is none.
  absl::Status Get(int64_t restaurant_id, std::optional<int64_t> viewer,
                   const db::ReadBounds& bounds, v1::Restaurant* out);

  // Appends the restaurants `restaurant_ids` to `out` in that order (duplicates repeated).
  // Returns NOT_FOUND naming every id with no restaurant, leaving `out` unspecified.
  absl::Status BatchGet(absl::Span<const int64_t> restaurant_ids, std::optional<int64_t> viewer,
                        const db::ReadBounds& bounds,
                        google::protobuf::RepeatedPtrField<v1::Restaurant>* out);

  // Appends up to `query.limit` open restaurants in rank order (review_count descending, then
  // restaurant_id ascending) after `query.after` to `out`.
  absl::Status List(const ListQuery& query, std::optional<int64_t> viewer,
                    const db::ReadBounds& bounds,
                    google::protobuf::RepeatedPtrField<v1::Restaurant>* out);

 private:
  db::Pool& pool_;
};

}  // namespace misc::restaurant

#endif  // MISC_SERVICES_RESTAURANT_RESTAURANT_STORE_H_

#include "services/restaurant/restaurant_store.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <limits>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/db/session.h"
#include "src/status/errors.h"

namespace misc::restaurant {
namespace {

using ::google::protobuf::util::TimeUtil;

#define MISC_RESTAURANT_COLUMNS                                                              \
  "restaurant_id, name, name_kana, area_id, array_to_string(genre_ids, ','), address, "      \
  "latitude, longitude, lunch_budget_yen, dinner_budget_yen, rating_average, review_count, " \
  "closed, (extract(epoch FROM update_time) * 1000000)::bigint"

constexpr db::Statement kSelectRestaurant{"restaurant.get",
                                          "SELECT " MISC_RESTAURANT_COLUMNS
                                          " FROM restaurants WHERE restaurant_id = $1"};

// The same for a logged-in viewer, with whether they bookmarked it as a 15th column: one
// statement, so one round trip and one snapshot (the hottest call of a restaurant page).
constexpr db::Statement kSelectRestaurantForViewer{
    "restaurant.get_for_viewer",
    "SELECT " MISC_RESTAURANT_COLUMNS
    ", EXISTS (SELECT 1 FROM bookmarks b WHERE b.user_id = $2 AND b.restaurant_id = $1)"
    " FROM restaurants WHERE restaurant_id = $1"};

constexpr db::Statement kSelectRestaurantsByIds{
    "restaurant.batch_get",
    "SELECT " MISC_RESTAURANT_COLUMNS " FROM restaurants WHERE restaurant_id = ANY($1::bigint[])"};

// One statement per filter shape, so each gets a plan on its own index. The cursor is
// (-review_count, restaurant_id), matching the rank indexes in migrations/0001. Without a
// cursor the caller passes one that sorts before every row.
constexpr db::Statement kListAll{"restaurant.list_all",
                                 "SELECT " MISC_RESTAURANT_COLUMNS
                                 " FROM restaurants"
                                 " WHERE NOT closed AND (-review_count, restaurant_id) > ($1, $2)"
                                 " ORDER BY -review_count, restaurant_id LIMIT $3"};

constexpr db::Statement kListByArea{
    "restaurant.list_by_area",
    "SELECT " MISC_RESTAURANT_COLUMNS
    " FROM restaurants"
    " WHERE NOT closed AND area_id = $4 AND (-review_count, restaurant_id) > ($1, $2)"
    " ORDER BY -review_count, restaurant_id LIMIT $3"};

constexpr db::Statement kListByGenre{"restaurant.list_by_genre",
                                     "SELECT " MISC_RESTAURANT_COLUMNS
                                     " FROM restaurants"
                                     " WHERE NOT closed AND genre_ids @> ARRAY[$4::bigint]"
                                     " AND (-review_count, restaurant_id) > ($1, $2)"
                                     " ORDER BY -review_count, restaurant_id LIMIT $3"};

constexpr db::Statement kListByAreaAndGenre{
    "restaurant.list_by_area_and_genre",
    "SELECT " MISC_RESTAURANT_COLUMNS
    " FROM restaurants"
    " WHERE NOT closed AND area_id = $4 AND genre_ids @> ARRAY[$5::bigint]"
    " AND (-review_count, restaurant_id) > ($1, $2)"
    " ORDER BY -review_count, restaurant_id LIMIT $3"};

#undef MISC_RESTAURANT_COLUMNS

// Which of a page's restaurants the logged-in viewer bookmarked: one query per call.
constexpr db::Statement kSelectBookmarked{
    "restaurant.bookmarked",
    "SELECT restaurant_id FROM bookmarks WHERE user_id = $1 AND restaurant_id = ANY($2::bigint[])"};

std::string PostgresArray(absl::Span<const int64_t> ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

// Sets viewer.bookmarked on every restaurant of `restaurants` for logged-in `viewer`; leaves
// them alone (viewer unset) for an anonymous one.
void SetViewerState(db::Session& session, std::optional<int64_t> viewer,
                    absl::Span<v1::Restaurant* const> restaurants) {
  if (!viewer.has_value() || restaurants.empty()) return;
  std::vector<int64_t> ids;
  ids.reserve(restaurants.size());
  for (const v1::Restaurant* restaurant : restaurants) ids.push_back(restaurant->restaurant_id());
  absl::flat_hash_set<int64_t> bookmarked;
  for (const pqxx::row& row : session.Exec(kSelectBookmarked, *viewer, PostgresArray(ids))) {
    bookmarked.insert(row[0].as<int64_t>());
  }
  for (v1::Restaurant* restaurant : restaurants) {
    restaurant->mutable_viewer()->set_bookmarked(bookmarked.contains(restaurant->restaurant_id()));
  }
}

void SetViewerState(db::Session& session, std::optional<int64_t> viewer,
                    google::protobuf::RepeatedPtrField<v1::Restaurant>& restaurants) {
  SetViewerState(
      session, viewer,
      std::vector<v1::Restaurant*>(restaurants.pointer_begin(), restaurants.pointer_end()));
}

// Reads a float8 column. libpqxx 6.4's as<double>() parses through a locale-imbued string
// stream, which was 35-40 % of FillRestaurant (bench/micro/row_to_proto_benchmark);
// PostgreSQL sends float8 as plain decimal text, which absl::SimpleAtod reads exactly.
double AsDouble(const pqxx::field& field) {
  double value = 0;
  if (field.is_null() ||
      !absl::SimpleAtod(absl::string_view(field.c_str(), field.size()), &value)) {
    throw pqxx::conversion_error(absl::StrCat("column ", field.num(), " is not a float8"));
  }
  return value;
}

// Returns the restaurant in `row`, one row of the restaurant SELECTs above (viewer unset).
void FillRestaurant(const pqxx::row& row, v1::Restaurant* out) {
  out->set_restaurant_id(row[0].as<int64_t>());
  out->set_name(row[1].as<std::string>());
  out->set_name_kana(row[2].as<std::string>());
  out->set_area_id(row[3].as<int64_t>());
  for (absl::string_view id : absl::StrSplit(row[4].c_str(), ',', absl::SkipEmpty())) {
    int64_t genre_id = 0;
    if (absl::SimpleAtoi(id, &genre_id)) out->add_genre_ids(genre_id);
  }
  out->set_address(row[5].as<std::string>());
  out->set_latitude(AsDouble(row[6]));
  out->set_longitude(AsDouble(row[7]));
  out->set_lunch_budget_yen(row[8].as<int32_t>());
  out->set_dinner_budget_yen(row[9].as<int32_t>());
  out->set_rating_average(AsDouble(row[10]));
  out->set_review_count(row[11].as<int32_t>());
  out->set_closed(row[12].as<bool>());
  // TimeUtil normalises times before 1970 too (nanos stay in [0, 1e9)).
  *out->mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(row[13].as<int64_t>());
}

}  // namespace

absl::StatusOr<v1::Restaurant> RestaurantStore::Get(int64_t restaurant_id,
                                                    std::optional<int64_t> viewer,
                                                    const db::ReadBounds& bounds) {
  return pool_.Fetch<v1::Restaurant>(
      bounds, [&](db::Session& session) -> absl::StatusOr<v1::Restaurant> {
        const pqxx::result rows =
            viewer.has_value() ? session.Exec(kSelectRestaurantForViewer, restaurant_id, *viewer)
                               : session.Exec(kSelectRestaurant, restaurant_id);
        if (rows.empty()) return status::NotFound("restaurant", absl::StrCat(restaurant_id));
        v1::Restaurant restaurant;
        FillRestaurant(rows[0], &restaurant);
        if (viewer.has_value()) restaurant.mutable_viewer()->set_bookmarked(rows[0][14].as<bool>());
        return restaurant;
      });
}

absl::StatusOr<Restaurants> RestaurantStore::BatchGet(absl::Span<const int64_t> restaurant_ids,
                                                      std::optional<int64_t> viewer,
                                                      const db::ReadBounds& bounds) {
  return pool_.Fetch<Restaurants>(bounds, [&](db::Session& session) -> absl::StatusOr<Restaurants> {
    const pqxx::result rows = session.Exec(kSelectRestaurantsByIds, PostgresArray(restaurant_ids));
    std::unordered_map<int64_t, pqxx::row::size_type> row_of_id;
    for (pqxx::result::size_type i = 0; i < rows.size(); ++i) {
      row_of_id.emplace(rows[i][0].as<int64_t>(), i);
    }
    std::vector<int64_t> missing;
    for (int64_t id : restaurant_ids) {
      if (!row_of_id.contains(id) &&
          std::find(missing.begin(), missing.end(), id) == missing.end()) {
        missing.push_back(id);
      }
    }
    if (!missing.empty()) return status::NotFound("restaurant", absl::StrJoin(missing, ", "));
    Restaurants restaurants;
    restaurants.Reserve(static_cast<int>(restaurant_ids.size()));
    for (int64_t id : restaurant_ids) FillRestaurant(rows[row_of_id[id]], restaurants.Add());
    SetViewerState(session, viewer, restaurants);
    return restaurants;
  });
}

absl::StatusOr<Restaurants> RestaurantStore::List(const ListQuery& query,
                                                  std::optional<int64_t> viewer,
                                                  const db::ReadBounds& bounds) {
  // With no cursor, start before every key: -review_count is at least -INT32_MAX.
  const int32_t after_rank =
      query.after ? -query.after->review_count : std::numeric_limits<int32_t>::min();
  const int64_t after_id = query.after ? query.after->restaurant_id : 0;
  return pool_.Fetch<Restaurants>(bounds, [&](db::Session& session) -> absl::StatusOr<Restaurants> {
    pqxx::result rows;
    if (query.area_id != 0 && query.genre_id != 0) {
      rows = session.Exec(kListByAreaAndGenre, after_rank, after_id, query.limit, query.area_id,
                          query.genre_id);
    } else if (query.area_id != 0) {
      rows = session.Exec(kListByArea, after_rank, after_id, query.limit, query.area_id);
    } else if (query.genre_id != 0) {
      rows = session.Exec(kListByGenre, after_rank, after_id, query.limit, query.genre_id);
    } else {
      rows = session.Exec(kListAll, after_rank, after_id, query.limit);
    }
    Restaurants restaurants;
    restaurants.Reserve(static_cast<int>(rows.size()));
    for (const pqxx::row& row : rows) FillRestaurant(row, restaurants.Add());
    SetViewerState(session, viewer, restaurants);
    return restaurants;
  });
}

}  // namespace misc::restaurant

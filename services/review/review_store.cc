#include "services/review/review_store.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "src/db/session.h"
#include "src/status/errors.h"

namespace misc::review {
namespace {

using ::google::protobuf::util::TimeUtil;

// The columns FillReview reads. $1 is how many leading code points of the body to read
// (left() counts characters, which are code points in a UTF8 database).
#define MISC_REVIEW_COLUMNS                                                \
  "review_id, restaurant_id, author_name, rating, title, left(body, $1), " \
  "(extract(epoch FROM create_time) * 1000000)::bigint, like_count"

constexpr db::Statement kSelectReview{
    "review.get", "SELECT " MISC_REVIEW_COLUMNS " FROM reviews WHERE review_id = $2"};

// Both list statements are range scans of reviews_restaurant_time_idx (restaurant_id,
// create_time DESC, review_id DESC), so a deep page costs the same as the first.
constexpr db::Statement kListFirstPage{"review.list_first_page",
                                       "SELECT " MISC_REVIEW_COLUMNS
                                       " FROM reviews WHERE restaurant_id = $2"
                                       " ORDER BY create_time DESC, review_id DESC LIMIT $3"};

// $3 is the cursor's create_time in microseconds since the Unix epoch, rebuilt as a timestamp
// from integer microseconds (exact within 2^53 of 1970; kMaxCursorMicros says why not beyond).
constexpr db::Statement kListAfter{
    "review.list_after",
    "SELECT " MISC_REVIEW_COLUMNS
    " FROM reviews WHERE restaurant_id = $2"
    " AND (create_time, review_id) <"
    " (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::bigint)"
    " ORDER BY create_time DESC, review_id DESC LIMIT $5"};

#undef MISC_REVIEW_COLUMNS

constexpr db::Statement kSelectRestaurantExists{
    "review.restaurant_exists", "SELECT 1 FROM restaurants WHERE restaurant_id = $1"};

// Which of a page's reviews the logged-in viewer liked: one query per call.
constexpr db::Statement kSelectLiked{
    "review.liked",
    "SELECT review_id FROM review_likes WHERE user_id = $1 AND review_id = ANY($2::bigint[])"};

// Sets liked_by_viewer on every review of `reviews` for logged-in `viewer`.
void SetLikedByViewer(db::Session& session, std::optional<int64_t> viewer,
                      absl::Span<v1::Review* const> reviews) {
  if (!viewer.has_value() || reviews.empty()) return;
  std::string ids = "{";
  for (const v1::Review* review : reviews) {
    absl::StrAppend(&ids, ids.size() > 1 ? "," : "", review->review_id());
  }
  ids += "}";
  absl::flat_hash_set<int64_t> liked;
  for (const pqxx::row& row : session.Exec(kSelectLiked, *viewer, ids)) {
    liked.insert(row[0].as<int64_t>());
  }
  for (v1::Review* review : reviews)
    review->set_liked_by_viewer(liked.contains(review->review_id()));
}

// Returns the review in `row`, one row of the review SELECTs above (body_truncated and
// liked_by_viewer unset).
void FillReview(const pqxx::row& row, v1::Review* out) {
  out->set_review_id(row[0].as<int64_t>());
  out->set_restaurant_id(row[1].as<int64_t>());
  out->set_author_name(row[2].as<std::string>());
  out->set_rating(row[3].as<int32_t>());
  out->set_title(row[4].as<std::string>());
  out->set_body(row[5].as<std::string>());
  *out->mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(row[6].as<int64_t>());
  out->set_like_count(row[7].as<int32_t>());
}

}  // namespace

absl::StatusOr<v1::Review> ReviewStore::Get(int64_t review_id, int32_t body_code_points,
                                            std::optional<int64_t> viewer,
                                            const db::ReadBounds& bounds) {
  return pool_.Fetch<v1::Review>(bounds, [&](db::Session& session) -> absl::StatusOr<v1::Review> {
    const pqxx::result rows = session.Exec(kSelectReview, body_code_points, review_id);
    if (rows.empty()) return status::NotFound("review", absl::StrCat(review_id));
    v1::Review review;
    FillReview(rows[0], &review);
    SetLikedByViewer(session, viewer, {&review});
    return review;
  });
}

absl::StatusOr<Reviews> ReviewStore::List(const ListQuery& query, std::optional<int64_t> viewer,
                                          const db::ReadBounds& bounds) {
  return pool_.Fetch<Reviews>(bounds, [&](db::Session& session) -> absl::StatusOr<Reviews> {
    const pqxx::result rows =
        query.after
            ? session.Exec(kListAfter, query.body_code_points, query.restaurant_id,
                           query.after->create_time_micros, query.after->review_id, query.limit)
            : session.Exec(kListFirstPage, query.body_code_points, query.restaurant_id,
                           query.limit);
    // A review implies its restaurant (foreign key), so only an empty page needs to ask.
    if (rows.empty() && session.Exec(kSelectRestaurantExists, query.restaurant_id).empty()) {
      return status::NotFound("restaurant", absl::StrCat(query.restaurant_id));
    }
    Reviews reviews;
    reviews.Reserve(static_cast<int>(rows.size()));
    for (const pqxx::row& row : rows) FillReview(row, reviews.Add());
    SetLikedByViewer(session, viewer,
                     std::vector<v1::Review*>(reviews.pointer_begin(), reviews.pointer_end()));
    return reviews;
  });
}

}  // namespace misc::review

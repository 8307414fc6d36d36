#include "services/review/review_store.h"

#include <google/protobuf/util/time_util.h>

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "src/db/transaction.h"
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
void SetLikedByViewer(db::Transaction& tx, std::optional<int64_t> viewer,
                      absl::Span<v1::Review* const> reviews) {
  if (!viewer.has_value() || reviews.empty()) return;
  std::string ids = "{";
  for (const v1::Review* review : reviews) {
    absl::StrAppend(&ids, ids.size() > 1 ? "," : "", review->review_id());
  }
  ids += "}";
  absl::flat_hash_set<int64_t> liked;
  for (const pqxx::row& row : tx.Exec(kSelectLiked, *viewer, ids)) {
    liked.insert(row[0].as<int64_t>());
  }
  for (v1::Review* review : reviews)
    review->set_liked_by_viewer(liked.contains(review->review_id()));
}

}  // namespace

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

absl::Status ReviewStore::Get(int64_t review_id, int32_t body_code_points,
                              std::optional<int64_t> viewer, const db::ReadBounds& bounds,
                              v1::Review* out) {
  return pool_.Read(bounds, [&](db::Transaction& tx) -> absl::Status {
    out->Clear();  // The pool may run this twice, after replacing a broken connection.
    const pqxx::result rows = tx.Exec(kSelectReview, body_code_points, review_id);
    if (rows.empty()) return status::NotFound("review", absl::StrCat(review_id));
    FillReview(rows[0], out);
    SetLikedByViewer(tx, viewer, {out});
    return absl::OkStatus();
  });
}

absl::Status ReviewStore::List(const ListQuery& query, std::optional<int64_t> viewer,
                               const db::ReadBounds& bounds,
                               google::protobuf::RepeatedPtrField<v1::Review>* out) {
  return pool_.Read(bounds, [&](db::Transaction& tx) -> absl::Status {
    out->Clear();  // The pool may run this twice, after replacing a broken connection.
    const pqxx::result rows =
        query.after
            ? tx.Exec(kListAfter, query.body_code_points, query.restaurant_id,
                      query.after->create_time_micros, query.after->review_id, query.limit)
            : tx.Exec(kListFirstPage, query.body_code_points, query.restaurant_id, query.limit);
    // A review implies its restaurant (foreign key), so only an empty page needs to ask.
    if (rows.empty() && tx.Exec(kSelectRestaurantExists, query.restaurant_id).empty()) {
      return status::NotFound("restaurant", absl::StrCat(query.restaurant_id));
    }
    out->Reserve(static_cast<int>(rows.size()));
    for (const pqxx::row& row : rows) FillReview(row, out->Add());
    SetLikedByViewer(tx, viewer,
                     std::vector<v1::Review*>(out->pointer_begin(), out->pointer_end()));
    return absl::OkStatus();
  });
}

}  // namespace misc::review

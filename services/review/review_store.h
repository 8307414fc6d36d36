#ifndef MISC_SERVICES_REVIEW_REVIEW_STORE_H_
#define MISC_SERVICES_REVIEW_REVIEW_STORE_H_

#include <cstdint>
#include <limits>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "misc/review/v1/review.pb.h"
#include "src/db/pool.h"

namespace misc::review {

// A body limit that reads every review body whole.
inline constexpr int32_t kWholeBody = std::numeric_limits<int32_t>::max();

// Position after which a ListReviews page starts: the last row of the previous page.
struct TimeCursor {
  // create_time in microseconds since the Unix epoch, kMinCursorMicros to kMaxCursorMicros.
  int64_t create_time_micros = 0;
  int64_t review_id = 0;
};

// The cursor times List takes without a database error. The list statement rebuilds the time
// as `timestamptz 'epoch' + micros * interval '1 microsecond'`: it must be a time timestamptz
// holds (from 4714-11-24 00:00 BC UTC), and the product, computed in float8, fails ("interval
// out of range") once it rounds to 2^63, which it does from 2^63 - 512 up. float8 is exact only
// within 2^53 microseconds of 1970 (1684 to 2255): a time beyond, which no real review has,
// lands on a nearby microsecond.
inline constexpr int64_t kMinCursorMicros = -210'866'803'200'000'000;
inline constexpr int64_t kMaxCursorMicros = 9'223'372'036'854'775'295;  // 2^63 - 513

// Which reviews a list holds and how many rows to read.
struct ListQuery {
  int64_t restaurant_id = 0;
  int32_t limit = 0;
  // Reads at most this many leading code points of each body (kWholeBody: all of it).
  int32_t body_code_points = kWholeBody;
  std::optional<TimeCursor> after;
};

// Reviews as a response holds them, so a handler can swap them in without a copy.
using Reviews = google::protobuf::RepeatedPtrField<v1::Review>;

// Reads reviews from PostgreSQL. Bodies come back cut to the caller's `body_code_points`
// (whole code points, never mid-character); body_truncated is left for the service to set.
// For a logged-in `viewer` (a user id) liked_by_viewer is read in the same transaction, with
// one query per call. Every method bounds its queries by `bounds` (deadline, cancellation) and
// returns the pool's statuses (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) on database errors.
class ReviewStore {
 public:
  explicit ReviewStore(db::Pool& pool) : pool_(pool) {}

  // Returns review `review_id`, reading at most `body_code_points` code points of its body, or
  // NOT_FOUND when there is none.
  absl::StatusOr<v1::Review> Get(int64_t review_id, int32_t body_code_points,
                                 std::optional<int64_t> viewer, const db::ReadBounds& bounds);

  // Returns up to `query.limit` reviews of restaurant `query.restaurant_id`, newest first
  // (create_time descending, then review_id descending), after `query.after`. Returns
  // NOT_FOUND when the restaurant does not exist; an existing one with no (more) reviews
  // yields none.
  absl::StatusOr<Reviews> List(const ListQuery& query, std::optional<int64_t> viewer,
                               const db::ReadBounds& bounds);

 private:
  db::Pool& pool_;
};

}  // namespace misc::review

#endif  // MISC_SERVICES_REVIEW_REVIEW_STORE_H_

#ifndef MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_
#define MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_

// Watches misc-server's caches from outside: restaurant 1 of a database of the test's own (its
// only restaurant) is renamed, and so is the title of its reviews, with the triggers' NOTIFY
// (a change the caches are told of) or without it (session_replication_role = replica: a
// change they never hear of). Anonymous GetRestaurant (the `restaurant` cache),
// ListRestaurants' first page (`restaurant_first_page`) and, when asked, ListReviews' first
// page of restaurant 1 (`review_first_page`) show which name the server answers with. An
// answer that differs from the row after a silent rename came from a cache.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"

namespace misc::testing {

// SQL that fills a migrated database with what the probe needs: one area and restaurant 1,
// named "before".
inline constexpr char kCacheProbeRows[] = R"sql(
  INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');
  INSERT INTO areas VALUES (1, 13, '渋谷', 'Shibuya');
  INSERT INTO restaurants (restaurant_id, name, area_id) VALUES (1, 'before', 1);
)sql";

// SQL that adds a review of restaurant 1 titled "before", for a probe that watches the review
// cache too (after kCacheProbeRows).
inline constexpr char kCacheProbeReview[] = R"sql(
  INSERT INTO reviews (review_id, restaurant_id, author_name, rating, title)
    VALUES (1, 1, 'probe', 4, 'before');
)sql";

// The caches a probe watches.
enum class ProbedCaches {
  kRestaurant,            // `restaurant` and `restaurant_first_page`.
  kRestaurantAndReviews,  // Those and `review_first_page` (needs kCacheProbeReview).
};

class RestaurantCacheProbe {
 public:
  // `channel`: the server under test; `database_url`: its database, reached directly (not
  // through whatever the server goes through).
  RestaurantCacheProbe(const std::shared_ptr<grpc::Channel>& channel, std::string database_url,
                       ProbedCaches caches = ProbedCaches::kRestaurant);

  // The name anonymous GetRestaurant(1) answers with, within `deadline`, or its error.
  absl::StatusOr<std::string> Name(absl::Duration deadline = absl::Seconds(10));
  // The name of the first restaurant of anonymous ListRestaurants' first page, within
  // `deadline`, or its error (NOT_FOUND for an empty page).
  absl::StatusOr<std::string> ListedName(absl::Duration deadline = absl::Seconds(10));
  // The title of the newest review of anonymous ListReviews' first page of restaurant 1,
  // within `deadline`, or its error (NOT_FOUND for an empty page).
  absl::StatusOr<std::string> ReviewTitle(absl::Duration deadline = absl::Seconds(10));

  // Renames restaurant 1 and retitles its reviews with (Told) or without (Silently) the change
  // notifications.
  absl::Status RenameTold(const std::string& name);
  absl::Status RenameSilently(const std::string& name);

  // True when every read of the probed caches says `name` within `within`.
  bool ServedWithin(const std::string& name, absl::Duration within);

  // Waits until every read of the probed caches comes from its cache: a row renamed behind
  // their back still reads as it was. Leaves the database saying "silent" and the caches
  // saying "before". Returns DEADLINE_EXCEEDED when that never happened within `within`.
  absl::Status WaitUntilCached(absl::Duration within = absl::Seconds(20));

 private:
  // Whether every read of the probed caches says `name` now.
  bool AllSay(const std::string& name);

  std::unique_ptr<restaurant::v1::RestaurantService::Stub> stub_;
  std::unique_ptr<review::v1::ReviewService::Stub> reviews_;
  const std::string database_url_;
  const ProbedCaches caches_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_

#ifndef MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_
#define MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_

// Watches misc-server's restaurant caches from outside: restaurant 1 of a database of the
// test's own (its only restaurant) is renamed, with the trigger's NOTIFY (a change the caches
// are told of) or without it (session_replication_role = replica: a change they never hear
// of), and anonymous GetRestaurant (the `restaurant` cache) and ListRestaurants' first page (the
// `restaurant_first_page` cache) show which name the server answers with. An answer that
// differs from the row after a silent rename came from a cache.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"

namespace misc::testing {

// SQL that fills a migrated database with what the probe needs: one area and restaurant 1,
// named "before".
inline constexpr char kCacheProbeRows[] = R"sql(
  INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');
  INSERT INTO areas VALUES (1, 13, '渋谷', 'Shibuya');
  INSERT INTO restaurants (restaurant_id, name, area_id) VALUES (1, 'before', 1);
)sql";

class RestaurantCacheProbe {
 public:
  // `channel`: the server under test; `database_url`: its database, reached directly (not
  // through whatever the server goes through).
  RestaurantCacheProbe(const std::shared_ptr<grpc::Channel>& channel, std::string database_url);

  // The name anonymous GetRestaurant(1) answers with, within `deadline`, or its error.
  absl::StatusOr<std::string> Name(absl::Duration deadline = absl::Seconds(10));
  // The name of the first restaurant of anonymous ListRestaurants' first page, within
  // `deadline`, or its error (NOT_FOUND for an empty page).
  absl::StatusOr<std::string> ListedName(absl::Duration deadline = absl::Seconds(10));

  // Renames restaurant 1 with (Told) or without (Silently) the change notification.
  absl::Status RenameTold(const std::string& name);
  absl::Status RenameSilently(const std::string& name);

  // True when both anonymous reads (Name, ListedName) say `name` within `within`.
  bool ServedWithin(const std::string& name, absl::Duration within);

  // Waits until both anonymous reads come from the caches: a row renamed behind their back
  // still reads as it was. Leaves the database saying "silent" and the caches saying "before".
  // Returns DEADLINE_EXCEEDED when that never happened within `within`.
  absl::Status WaitUntilCached(absl::Duration within = absl::Seconds(20));

 private:
  std::unique_ptr<restaurant::v1::RestaurantService::Stub> stub_;
  const std::string database_url_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_RESTAURANT_CACHE_PROBE_H_

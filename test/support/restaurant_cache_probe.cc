#include "test/support/restaurant_cache_probe.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "test/support/postgres.h"

namespace misc::testing {

namespace {

// Makes one call within `deadline`: `call(&context, &response)` runs the stub's method.
// Returns the response, or the call's gRPC status as an absl::Status (same codes).
template <typename Response, typename Call>
absl::StatusOr<Response> CallWithin(absl::Duration deadline, const Call& call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  Response response;
  const grpc::Status status = call(&context, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  return response;
}

}  // namespace

RestaurantCacheProbe::RestaurantCacheProbe(const std::shared_ptr<grpc::Channel>& channel,
                                           std::string database_url, ProbedCaches caches)
    : stub_(restaurant::v1::RestaurantService::NewStub(channel)),
      reviews_(review::v1::ReviewService::NewStub(channel)),
      database_url_(std::move(database_url)),
      caches_(caches) {}

absl::StatusOr<std::string> RestaurantCacheProbe::Name(absl::Duration deadline) {
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(1);
  absl::StatusOr<restaurant::v1::GetRestaurantResponse> response =
      CallWithin<restaurant::v1::GetRestaurantResponse>(deadline, [&](auto* context, auto* out) {
        return stub_->GetRestaurant(context, request, out);
      });
  if (!response.ok()) return response.status();
  return response->restaurant().name();
}

absl::StatusOr<std::string> RestaurantCacheProbe::ListedName(absl::Duration deadline) {
  const restaurant::v1::ListRestaurantsRequest request;  // The first page at the default size.
  absl::StatusOr<restaurant::v1::ListRestaurantsResponse> response =
      CallWithin<restaurant::v1::ListRestaurantsResponse>(deadline, [&](auto* context, auto* out) {
        return stub_->ListRestaurants(context, request, out);
      });
  if (!response.ok()) return response.status();
  if (response->restaurants().empty()) return absl::NotFoundError("the first page is empty");
  return response->restaurants(0).name();
}

absl::StatusOr<std::string> RestaurantCacheProbe::ReviewTitle(absl::Duration deadline) {
  review::v1::ListReviewsRequest request;  // The first page at the default size.
  request.set_restaurant_id(1);
  absl::StatusOr<review::v1::ListReviewsResponse> response =
      CallWithin<review::v1::ListReviewsResponse>(deadline, [&](auto* context, auto* out) {
        return reviews_->ListReviews(context, request, out);
      });
  if (!response.ok()) return response.status();
  if (response->reviews().empty()) return absl::NotFoundError("the first page is empty");
  return response->reviews(0).title();
}

namespace {

// Renames restaurant 1 and retitles its reviews to `name`.
std::string RenameSql(const std::string& name) {
  return absl::StrCat("UPDATE restaurants SET name = '", name,
                      "' WHERE restaurant_id = 1; UPDATE reviews SET title = '", name,
                      "' WHERE restaurant_id = 1");
}

}  // namespace

absl::Status RestaurantCacheProbe::RenameTold(const std::string& name) {
  return ExecuteSql(database_url_, RenameSql(name));
}

absl::Status RestaurantCacheProbe::RenameSilently(const std::string& name) {
  return ExecuteSql(database_url_, WithoutChangeNotifications(RenameSql(name)));
}

bool RestaurantCacheProbe::AllSay(const std::string& name) {
  absl::StatusOr<std::string> answered = Name();
  if (!answered.ok() || *answered != name) return false;
  absl::StatusOr<std::string> listed = ListedName();
  if (!listed.ok() || *listed != name) return false;
  if (caches_ == ProbedCaches::kRestaurant) return true;
  absl::StatusOr<std::string> titled = ReviewTitle();
  return titled.ok() && *titled == name;
}

bool RestaurantCacheProbe::ServedWithin(const std::string& name, absl::Duration within) {
  const absl::Time give_up = absl::Now() + within;
  do {
    if (AllSay(name)) return true;
  } while (absl::Now() < give_up);
  return false;
}

absl::Status RestaurantCacheProbe::WaitUntilCached(absl::Duration within) {
  const absl::Time give_up = absl::Now() + within;
  while (absl::Now() < give_up) {
    // A told change first, so that whatever the caches hold is dropped; the reads that follow
    // load "before" into them, if they are on.
    if (absl::Status renamed = RenameTold("before"); !renamed.ok()) return renamed;
    if (!ServedWithin("before", absl::Seconds(2))) continue;
    if (absl::Status renamed = RenameSilently("silent"); !renamed.ok()) return renamed;
    if (AllSay("before")) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("the probed reads never all came from the caches");
}

}  // namespace misc::testing

#include "bench/loadgen/deep_page.h"

#include <grpcpp/client_context.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"

namespace misc::loadgen {
namespace {

absl::Status FromGrpc(const grpc::Status& status, int page) {
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat("ListRestaurants page ", page + 1, ": ", status.error_message()));
}

}  // namespace

absl::StatusOr<DeepPage> FindDeepPage(const std::shared_ptr<grpc::Channel>& channel, int pages,
                                      int page_size, absl::Duration deadline) {
  const auto stub = restaurant::v1::RestaurantService::NewStub(channel);
  restaurant::v1::ListRestaurantsRequest request;
  request.set_page_size(page_size);
  // Page `pages` (counting from 0) is the one after the walk; fetching it proves it exists.
  for (int page = 0; page <= pages; ++page) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    restaurant::v1::ListRestaurantsResponse response;
    const grpc::Status status = stub->ListRestaurants(&context, request, &response);
    if (!status.ok()) return FromGrpc(status, page);
    if (page == pages) {
      if (response.restaurants().empty()) break;
      return DeepPage{.token = request.page_token(),
                      .pages_walked = pages,
                      .page_size = page_size,
                      .first_restaurant_id = response.restaurants(0).restaurant_id()};
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the restaurant list ends before page ", pages + 1, " (", page_size,
                   " a page): seed more restaurants (misc-migrate seed --restaurants=",
                   (pages + 1) * page_size + page_size, " or more)"));
}

}  // namespace misc::loadgen

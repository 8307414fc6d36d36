#ifndef MISC_BENCH_LOADGEN_DEEP_PAGE_H_
#define MISC_BENCH_LOADGEN_DEEP_PAGE_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace misc::loadgen {

// A page far down the unfiltered restaurant list, for list_restaurants_deep.
struct DeepPage {
  // The page_token that asks for the page after `pages_walked` pages.
  std::string token;
  int pages_walked = 0;
  int page_size = 0;
  // The first restaurant on that page, so a test can check where the page really is.
  int64_t first_restaurant_id = 0;
};

// Walks the first `pages` pages of ListRestaurants (no filter, `page_size` a page) once and
// fetches the page after them. Returns FAILED_PRECONDITION when the list ends before that
// page (too few restaurants seeded), or the error of the call that failed.
absl::StatusOr<DeepPage> FindDeepPage(const std::shared_ptr<grpc::Channel>& channel, int pages,
                                      int page_size, absl::Duration deadline);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_DEEP_PAGE_H_

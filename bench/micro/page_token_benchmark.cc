// Cost of what a list call does before and after its query: validating a ListRestaurants or
// ListReviews request (ids, page_size, decoding and verifying its page token), encoding the
// next page token, and rejecting tokens that were changed or issued for another filter.
// Run: bench/micro/run.sh page_token_benchmark
#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
#include <string>

#include "misc/restaurant/v1/restaurant.pb.h"
#include "misc/review/v1/review.pb.h"
#include "services/restaurant/restaurant_service.h"
#include "services/review/review_service.h"
#include "src/pagination/page_token.h"

namespace misc::bench {
namespace {

// Filters as the services build them (restaurant_service.cc, review_service.cc).
constexpr char kRestaurantFilter[] = "misc.restaurant.v1.ListRestaurants?area_id=3101&genre_id=205";
constexpr char kReviewFilter[] = "misc.review.v1.ListReviews?restaurant_id=123456";
// A ListRestaurants cursor {review_count, restaurant_id}; a ListReviews one is
// {create_time in microseconds, review_id}.
constexpr int64_t kRankCursor[] = {1234, 100042};
constexpr int64_t kTimeCursor[] = {1732350000123456, 987654};
// The ranges ListRestaurants checks its cursor against (restaurant_service.cc).
constexpr pagination::ValueRange kRankRanges[] = {
    {.min = 0, .max = std::numeric_limits<int32_t>::max()}, {.min = 1}};

// A deployment's codec: two keys, as during a rotation (a token of the second key costs two
// MACs to decode, the first key's one).
const pagination::PageTokenCodec& Codec() {
  static const auto* const codec = new pagination::PageTokenCodec(
      pagination::PageTokenCodec::Create({std::string(32, 'a'), std::string(32, 'b')}).value());
  return *codec;
}

void BM_EncodePageToken(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Codec().Encode(kRestaurantFilter, kRankCursor));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePageToken);

void BM_DecodePageToken(benchmark::State& state) {
  const std::string token = Codec().Encode(kRestaurantFilter, kRankCursor);
  for (auto _ : state) {
    absl::StatusOr<pagination::Cursor> cursor =
        Codec().Decode(token, kRestaurantFilter, kRankRanges);
    if (!cursor.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(cursor);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(token.size()) + " bytes");
}
BENCHMARK(BM_DecodePageToken);

// One character of the token changed: decoded, then rejected by its MAC.
void BM_RejectTamperedPageToken(benchmark::State& state) {
  std::string token = Codec().Encode(kRestaurantFilter, kRankCursor);
  char& c = token[token.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  for (auto _ : state) {
    absl::StatusOr<pagination::Cursor> cursor =
        Codec().Decode(token, kRestaurantFilter, kRankRanges);
    if (cursor.ok()) state.SkipWithError("tampered token accepted");
    benchmark::DoNotOptimize(cursor);
  }
}
BENCHMARK(BM_RejectTamperedPageToken);

// A valid token sent with another filter (area 3102 instead of 3101).
void BM_RejectPageTokenOfAnotherFilter(benchmark::State& state) {
  const std::string token = Codec().Encode(kRestaurantFilter, kRankCursor);
  const std::string other = "misc.restaurant.v1.ListRestaurants?area_id=3102&genre_id=205";
  for (auto _ : state) {
    benchmark::DoNotOptimize(Codec().Decode(token, other, kRankRanges));
  }
}
BENCHMARK(BM_RejectPageTokenOfAnotherFilter);

// Not base64url at all: rejected before any MAC work.
void BM_RejectMalformedPageToken(benchmark::State& state) {
  const std::string token = "not a page token!";
  for (auto _ : state) {
    benchmark::DoNotOptimize(Codec().Decode(token, kRestaurantFilter, kRankRanges));
  }
}
BENCHMARK(BM_RejectMalformedPageToken);

restaurant::v1::ListRestaurantsRequest ListRestaurantsRequest(bool with_token) {
  restaurant::v1::ListRestaurantsRequest request;
  request.set_area_id(3101);
  request.set_genre_id(205);
  request.set_page_size(20);
  if (with_token) {
    request.set_page_token(Codec().Encode(kRestaurantFilter, kRankCursor));
  }
  return request;
}

// Arg: 0 the first page (no token), 1 a later page (a token to verify).
void BM_ValidateListRestaurants(benchmark::State& state) {
  const restaurant::v1::ListRestaurantsRequest request = ListRestaurantsRequest(state.range(0));
  for (auto _ : state) {
    absl::StatusOr<restaurant::ValidListRequest> valid =
        restaurant::ValidateListRequest(request, Codec());
    if (!valid.ok()) state.SkipWithError("request rejected");
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateListRestaurants)->ArgName("page_token")->Arg(0)->Arg(1);

// Negative area_id and page_size: two field violations, a google.rpc.BadRequest detail.
void BM_RejectInvalidListRestaurants(benchmark::State& state) {
  restaurant::v1::ListRestaurantsRequest request = ListRestaurantsRequest(false);
  request.set_area_id(-1);
  request.set_page_size(-5);
  for (auto _ : state) {
    absl::StatusOr<restaurant::ValidListRequest> valid =
        restaurant::ValidateListRequest(request, Codec());
    if (valid.ok()) state.SkipWithError("invalid request accepted");
    benchmark::DoNotOptimize(valid);
  }
}
BENCHMARK(BM_RejectInvalidListRestaurants);

// Arg: 0 the first page (no token), 1 a later page (a token to verify).
void BM_ValidateListReviews(benchmark::State& state) {
  review::v1::ListReviewsRequest request;
  request.set_restaurant_id(123456);
  request.set_page_size(20);
  if (state.range(0) != 0) {
    request.set_page_token(Codec().Encode(kReviewFilter, kTimeCursor));
  }
  for (auto _ : state) {
    absl::StatusOr<review::ValidListRequest> valid = review::ValidateListRequest(request, Codec());
    if (!valid.ok()) state.SkipWithError("request rejected");
    benchmark::DoNotOptimize(valid);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateListReviews)->ArgName("page_token")->Arg(0)->Arg(1);

// BatchGetRestaurants with the largest batch, 100 ids. Arg: 1 every id valid, 0 every id
// invalid (100 field violations: the most expensive rejection a caller can ask for).
void BM_ValidateBatchGetRestaurants(benchmark::State& state) {
  const bool valid_ids = state.range(0) != 0;
  restaurant::v1::BatchGetRestaurantsRequest request;
  for (int i = 0; i < 100; ++i) request.add_restaurant_ids(valid_ids ? 100000 + i : -i);
  for (auto _ : state) {
    absl::Status status = restaurant::ValidateBatchGetRequest(request);
    if (status.ok() != valid_ids) state.SkipWithError("unexpected validation result");
    benchmark::DoNotOptimize(status);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ValidateBatchGetRestaurants)->ArgName("valid_ids")->Arg(1)->Arg(0);

}  // namespace
}  // namespace misc::bench

BENCHMARK_MAIN();

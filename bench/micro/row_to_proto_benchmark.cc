// Cost of turning database rows into response messages: FillRestaurant and FillReview on real
// pqxx rows made in memory (client_side_result.h), so pqxx's field access and text
// conversions are timed exactly as the stores run them, without a database.
// Run: bench/micro/run.sh row_to_proto_benchmark
#include <benchmark/benchmark.h>

#include <pqxx/result>
#include <string>
#include <vector>

#include "bench/micro/client_side_result.h"
#include "bench/micro/japanese_text.h"
#include "google/protobuf/repeated_field.h"
#include "misc/restaurant/v1/restaurant.pb.h"
#include "misc/review/v1/review.pb.h"
#include "services/restaurant/restaurant_store.h"
#include "services/review/review_store.h"

namespace misc::bench {
namespace {

// A ListRestaurants page as the store reads it: the default page size (20) plus one row that
// tells whether another page follows.
constexpr int kPageRows = 21;

// The text PostgreSQL sends for one restaurant row, in the store's column order. Doubles are
// in PostgreSQL's shortest exact form (extra_float_digits = 1, the default since 12).
std::vector<std::string> RestaurantRow(int64_t restaurant_id) {
  return {std::to_string(restaurant_id),
          std::string(kRestaurantName),
          std::string(kRestaurantNameKana),
          "3101",
          "101,205,310",
          std::string(kRestaurantAddress),
          "35.690921",
          "139.700258",
          "1100",
          "3500",
          "3.5833333333333335",
          "1234",
          "f",
          "1732350000123456"};
}

// The text of one review row; the body is whatever the store's left(body, n) returned.
std::vector<std::string> ReviewRow(int64_t review_id, const std::string& body) {
  return {std::to_string(review_id), "123456", std::string(kAuthorName), "4",
          std::string(kReviewTitle), body,     "1732350000123456",       "17"};
}

pqxx::result RestaurantRows(int count) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < count; ++i) rows.push_back(RestaurantRow(100000 + i));
  return MakeClientSideResult(14, rows);
}

// One restaurant row into a fresh message, as GetRestaurant does.
void BM_FillRestaurant(benchmark::State& state) {
  const pqxx::result rows = RestaurantRows(1);
  const pqxx::row row = rows[0];
  {
    // The rows made in memory must convert as the server's do, or the numbers mean nothing.
    restaurant::v1::Restaurant check;
    restaurant::FillRestaurant(row, &check);
    if (check.name() != kRestaurantName || check.genre_ids_size() != 3 ||
        check.rating_average() != 3.5833333333333335 || check.closed() ||
        check.update_time().nanos() != 123456000) {
      state.SkipWithError("the in-memory row did not convert as expected");
    }
  }
  for (auto _ : state) {
    restaurant::v1::Restaurant restaurant;
    restaurant::FillRestaurant(row, &restaurant);
    benchmark::DoNotOptimize(restaurant);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FillRestaurant);

// A whole ListRestaurants page into the response's repeated field, as the store's List does.
void BM_FillRestaurantPage(benchmark::State& state) {
  const pqxx::result rows = RestaurantRows(kPageRows);
  for (auto _ : state) {
    google::protobuf::RepeatedPtrField<restaurant::v1::Restaurant> page;
    page.Reserve(static_cast<int>(rows.size()));
    for (const pqxx::row& row : rows) restaurant::FillRestaurant(row, page.Add());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * kPageRows);
}
BENCHMARK(BM_FillRestaurantPage);

// pqxx's share of FillRestaurant: reaching each of the 14 fields (a pqxx::field copies the
// pqxx::result, two shared_ptrs) and reading its text, with no conversion or message.
void BM_RestaurantFieldAccessOnly(benchmark::State& state) {
  const pqxx::result rows = RestaurantRows(1);
  const pqxx::row row = rows[0];
  for (auto _ : state) {
    for (pqxx::row::size_type column = 0; column < 14; ++column) {
      benchmark::DoNotOptimize(row[column].c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * 14);
}
BENCHMARK(BM_RestaurantFieldAccessOnly);

// One review row into a fresh message. Arg: body code points as read from the database: 101
// for an anonymous caller (left(body, 101)), 2,000 for a logged-in caller reading a long one.
void BM_FillReview(benchmark::State& state) {
  const std::string body = JapaneseReviewBody(static_cast<size_t>(state.range(0)));
  const pqxx::result rows = MakeClientSideResult(8, {ReviewRow(987654, body)});
  const pqxx::row row = rows[0];
  for (auto _ : state) {
    review::v1::Review review;
    review::FillReview(row, &review);
    benchmark::DoNotOptimize(review);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_FillReview)->ArgName("body_code_points")->Arg(101)->Arg(2000);

// A ListReviews page (20 reviews plus the look-ahead row) of 2,000-code-point bodies, as a
// logged-in caller reads it.
void BM_FillReviewPage(benchmark::State& state) {
  const std::string body = JapaneseReviewBody(2000);
  std::vector<std::vector<std::string>> text;
  for (int i = 0; i < kPageRows; ++i) text.push_back(ReviewRow(987654 + i, body));
  const pqxx::result rows = MakeClientSideResult(8, text);
  for (auto _ : state) {
    google::protobuf::RepeatedPtrField<review::v1::Review> page;
    page.Reserve(static_cast<int>(rows.size()));
    for (const pqxx::row& row : rows) review::FillReview(row, page.Add());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * kPageRows);
  state.SetBytesProcessed(state.iterations() * kPageRows * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_FillReviewPage);

}  // namespace
}  // namespace misc::bench

BENCHMARK_MAIN();

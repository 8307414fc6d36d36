// Cost of cutting review bodies to the anonymous preview (100 code points) on code point
// boundaries: text::PrefixOfCodePoints, and review::ShapeForAnonymous around it.
// Run: bench/micro/run.sh utf8_benchmark
#include <benchmark/benchmark.h>

#include <string>

#include "absl/strings/string_view.h"
#include "bench/micro/japanese_text.h"
#include "misc/review/v1/review.pb.h"
#include "services/review/review_service.h"
#include "src/text/utf8.h"

namespace misc::bench {
namespace {

constexpr size_t kPreview = review::kAnonymousBodyCodePoints;

// Times PrefixOfCodePoints(text, kPreview). Bytes processed are the bytes it walks: the
// prefix it returns plus the lead byte that stops it.
void RunPrefix(benchmark::State& state, const std::string& text) {
  const size_t walked = text::PrefixOfCodePoints(text, kPreview).size();
  for (auto _ : state) {
    absl::string_view prefix = text::PrefixOfCodePoints(text, kPreview);
    benchmark::DoNotOptimize(prefix);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(walked < text.size() ? walked + 1 : walked));
  state.SetLabel(std::to_string(text.size()) + "-byte input");
}

// A 2,000-code-point Japanese body cut to 100 code points (300-odd bytes walked, whatever the
// body's length: the scan stops at the limit).
void BM_PrefixJapaneseLongBody(benchmark::State& state) {
  RunPrefix(state, JapaneseReviewBody(2000));
}
BENCHMARK(BM_PrefixJapaneseLongBody);

// What the database returns for an anonymous caller: left(body, 101), cut to 100.
void BM_PrefixJapaneseAnonymousRead(benchmark::State& state) {
  RunPrefix(state, JapaneseReviewBody(kPreview + 1));
}
BENCHMARK(BM_PrefixJapaneseAnonymousRead);

// 2,000 ASCII characters cut to 100 (one byte per code point).
void BM_PrefixAsciiLongBody(benchmark::State& state) {
  std::string body;
  while (body.size() < 2000) body += "Great ramen, rich broth and a clean finish. ";
  body.resize(2000);
  RunPrefix(state, body);
}
BENCHMARK(BM_PrefixAsciiLongBody);

// A short body (40 code points) that needs no cut: the whole text is walked and returned.
void BM_PrefixAlreadyShort(benchmark::State& state) { RunPrefix(state, JapaneseReviewBody(40)); }
BENCHMARK(BM_PrefixAlreadyShort);

// ShapeForAnonymous on a review as the store returns it to an anonymous caller: a 101-code-
// point body cut to 100 in place, body_truncated set. Each iteration first puts the body back
// (a 300-byte copy into the string's existing capacity, no allocation).
void BM_ShapeForAnonymous(benchmark::State& state) {
  const std::string body = JapaneseReviewBody(kPreview + 1);
  review::v1::Review review;
  for (auto _ : state) {
    review.set_body(body);
    review::ShapeForAnonymous(&review);
    benchmark::DoNotOptimize(review);
  }
  if (!review.body_truncated()) state.SkipWithError("body was not cut");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ShapeForAnonymous);

}  // namespace
}  // namespace misc::bench

BENCHMARK_MAIN();

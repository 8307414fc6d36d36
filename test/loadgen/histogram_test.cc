#include "bench/loadgen/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace misc::loadgen {
namespace {

// The nearest-rank percentile of `sorted`: the smallest value with at least `percentile` %
// of the values at or below it.
absl::Duration ExactPercentile(const std::vector<absl::Duration>& sorted, double percentile) {
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(sorted.size()) - 1e-6);
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

// Checks every reported percentile of `values` against the exact one, within 1 %.
void ExpectPercentilesWithinOnePercent(std::vector<absl::Duration> values) {
  LatencyHistogram histogram;
  for (absl::Duration value : values) histogram.Record(value);
  std::sort(values.begin(), values.end());
  for (double percentile : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99}) {
    const double exact = absl::ToDoubleNanoseconds(ExactPercentile(values, percentile));
    const double reported = absl::ToDoubleNanoseconds(histogram.Percentile(percentile));
    EXPECT_LE(std::abs(reported - exact), 0.01 * exact)
        << "p" << percentile << ": exact " << exact << " ns, reported " << reported << " ns";
  }
  EXPECT_EQ(histogram.Percentile(100), values.back());
  EXPECT_EQ(histogram.max(), values.back());
  EXPECT_EQ(histogram.min(), values.front());
  EXPECT_EQ(histogram.count(), static_cast<int64_t>(values.size()));
}

TEST(LatencyHistogramTest, EmptyReportsZero) {
  const LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0);
  EXPECT_EQ(histogram.Percentile(50), absl::ZeroDuration());
  EXPECT_EQ(histogram.max(), absl::ZeroDuration());
  EXPECT_EQ(histogram.mean(), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, UniformMicrosecondsMatchExactPercentiles) {
  // 1 µs .. 100 ms, each value once: p50 is exactly 50 ms, p99.9 exactly 99.9 ms.
  std::vector<absl::Duration> values;
  for (int64_t us = 1; us <= 100000; ++us) values.push_back(absl::Microseconds(us));
  ExpectPercentilesWithinOnePercent(values);
}

TEST(LatencyHistogramTest, LogNormalLatenciesMatchExactPercentiles) {
  // A long-tailed shape like real call latencies: median ~400 µs, tail into seconds.
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> shape(std::log(400e3), 1.5);
  constexpr int kValues = 200000;
  std::vector<absl::Duration> values;
  values.reserve(kValues);
  for (int i = 0; i < kValues; ++i) {
    values.push_back(absl::Nanoseconds(std::clamp(shape(random), 1e3, 60e9)));
  }
  ExpectPercentilesWithinOnePercent(values);
}

TEST(LatencyHistogramTest, BimodalLatenciesMatchExactPercentiles) {
  // Memory-served calls (~50 µs) mixed with database calls (~2 ms), 70/30.
  std::mt19937_64 random(7);
  std::normal_distribution<double> fast(50e3, 5e3);
  std::normal_distribution<double> slow(2e6, 3e5);
  std::bernoulli_distribution is_fast(0.7);
  std::vector<absl::Duration> values;
  for (int i = 0; i < 100000; ++i) {
    const double ns = is_fast(random) ? fast(random) : slow(random);
    values.push_back(absl::Nanoseconds(std::max(1e3, ns)));
  }
  ExpectPercentilesWithinOnePercent(values);
}

TEST(LatencyHistogramTest, RelativeErrorBoundedAcrossTheWholeRange) {
  // One value between the range's ends, at every magnitude from 1 µs to 60 s: the median is
  // that value's bucket, and must be within 1 % of it.
  for (double ns = 1e3; ns <= 60e9; ns *= 1.37) {
    LatencyHistogram histogram;
    histogram.Record(LatencyHistogram::kLowest);
    histogram.Record(absl::Nanoseconds(static_cast<int64_t>(ns)));
    histogram.Record(LatencyHistogram::kHighest);
    const double reported = absl::ToDoubleNanoseconds(histogram.Percentile(50));
    EXPECT_LE(std::abs(reported - ns), 0.01 * ns) << ns << " ns reported as " << reported;
  }
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 random(3);
  std::exponential_distribution<double> shape(1 / 1e6);
  LatencyHistogram all, even, odd;
  for (int i = 0; i < 50000; ++i) {
    const absl::Duration value = absl::Nanoseconds(1e3 + shape(random));
    all.Record(value);
    (i % 2 == 0 ? even : odd).Record(value);
  }
  LatencyHistogram merged;
  merged.Merge(even);
  merged.Merge(odd);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_NEAR(absl::ToDoubleNanoseconds(merged.mean()), absl::ToDoubleNanoseconds(all.mean()), 1.0);
  for (double percentile : {50.0, 90.0, 99.0, 99.9}) {
    EXPECT_EQ(merged.Percentile(percentile), all.Percentile(percentile)) << percentile;
  }
}

TEST(LatencyHistogramTest, MeanIsExact) {
  LatencyHistogram histogram;
  histogram.Record(absl::Microseconds(100));
  histogram.Record(absl::Microseconds(300));
  EXPECT_EQ(histogram.mean(), absl::Microseconds(200));
}

TEST(LatencyHistogramTest, ValuesOutsideTheRangeKeepExactExtremes) {
  LatencyHistogram histogram;
  histogram.Record(absl::Nanoseconds(200));
  histogram.Record(absl::Minutes(2));
  EXPECT_EQ(histogram.min(), absl::Nanoseconds(200));
  EXPECT_EQ(histogram.max(), absl::Minutes(2));
  EXPECT_EQ(histogram.Percentile(100), absl::Minutes(2));
  // Reported percentiles never leave what was recorded.
  EXPECT_GE(histogram.Percentile(1), absl::Nanoseconds(200));
  EXPECT_LE(histogram.Percentile(99), absl::Minutes(2));
}

}  // namespace
}  // namespace misc::loadgen

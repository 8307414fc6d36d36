#ifndef MISC_BENCH_LOADGEN_HISTOGRAM_H_
#define MISC_BENCH_LOADGEN_HISTOGRAM_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace misc::loadgen {

// A log-linear latency histogram in the manner of HdrHistogram: every power of two of
// nanoseconds is split into 128 equal buckets, so a bucket is never wider than 1/128 of the
// values it holds and a reported percentile (a bucket's midpoint) is within 0.4 % of the
// recorded value it stands for. It covers 1 µs to 60 s (shorter values are counted as 1 µs,
// longer ones as 60 s; min and max stay exact). Not thread-safe: give each thread or
// closed-loop slot its own and Merge them at the end.
class LatencyHistogram {
 public:
  // The range whose relative error is bounded.
  static constexpr absl::Duration kLowest = absl::Microseconds(1);
  static constexpr absl::Duration kHighest = absl::Seconds(60);

  LatencyHistogram();

  // Counts one value.
  void Record(absl::Duration value);

  // Adds every value counted by `other` to this one.
  void Merge(const LatencyHistogram& other);

  // Returns how many values were recorded.
  int64_t count() const { return count_; }

  // Returns the value below or at which `percentile` percent (0 < percentile <= 100) of the
  // recorded values lie, as the nearest-rank method defines it, to within the bucket error.
  // 100 returns the exact max; returns zero when nothing was recorded.
  absl::Duration Percentile(double percentile) const;

  // Exact smallest, largest and mean recorded value (zero when empty). Mean and extremes
  // are of the values as recorded, before clamping to [kLowest, kHighest].
  absl::Duration min() const { return count_ == 0 ? absl::ZeroDuration() : min_; }
  absl::Duration max() const { return count_ == 0 ? absl::ZeroDuration() : max_; }
  absl::Duration mean() const;

 private:
  std::vector<int64_t> counts_;
  int64_t count_ = 0;
  // Sum of the recorded values in nanoseconds, as a double: an int64 of nanoseconds would
  // overflow after about 150 million one-minute calls, and the mean needs no more precision.
  double sum_ns_ = 0;
  absl::Duration min_ = absl::InfiniteDuration();
  absl::Duration max_ = -absl::InfiniteDuration();
};

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_HISTOGRAM_H_

#include "bench/loadgen/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace misc::loadgen {
namespace {

// 2^7 buckets per power of two: a bucket is at most 1/128 of its lower bound wide.
constexpr int kSubBucketBits = 7;
constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;

// Values below 2^(kSubBucketBits + 1) get a bucket each; above that, each power of two
// [2^e, 2^(e+1)) is split into kSubBuckets buckets of width 2^(e - kSubBucketBits). The index
// is then shift * kSubBuckets + (value >> shift), which continues the linear part seamlessly.
size_t BucketIndex(uint64_t ns) {
  if (ns < 2 * kSubBuckets) return ns;
  const int shift = static_cast<int>(std::bit_width(ns)) - 1 - kSubBucketBits;
  return static_cast<size_t>(shift) * kSubBuckets + (ns >> shift);
}

struct Bucket {
  uint64_t lower;
  uint64_t width;
};

Bucket BucketAt(size_t index) {
  if (index < 2 * kSubBuckets) return {index, 1};
  const int shift = static_cast<int>(index / kSubBuckets) - 1;
  const uint64_t sub = index % kSubBuckets + kSubBuckets;
  return {sub << shift, uint64_t{1} << shift};
}

const uint64_t kLowestNs = absl::ToInt64Nanoseconds(LatencyHistogram::kLowest);
const uint64_t kHighestNs = absl::ToInt64Nanoseconds(LatencyHistogram::kHighest);

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(BucketIndex(kHighestNs) + 1, 0) {}

void LatencyHistogram::Record(absl::Duration value) {
  const int64_t ns = absl::ToInt64Nanoseconds(value);
  const uint64_t clamped = std::clamp<uint64_t>(ns < 0 ? 0 : ns, kLowestNs, kHighestNs);
  ++counts_[BucketIndex(clamped)];
  ++count_;
  sum_ns_ += static_cast<double>(ns);
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

absl::Duration LatencyHistogram::Percentile(double percentile) const {
  if (count_ == 0) return absl::ZeroDuration();
  if (percentile >= 100) return max_;
  // Nearest rank: the smallest value with at least `percentile` % of the values at or below
  // it. The small subtraction keeps float noise (99.9 * 1000 / 100 = 999.0000000000001) from
  // moving the rank up by one.
  const double exact_rank = percentile * static_cast<double>(count_) / 100.0;
  const int64_t rank = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(exact_rank - 1e-6)));
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    const Bucket bucket = BucketAt(i);
    const absl::Duration middle = absl::Nanoseconds(bucket.lower + bucket.width / 2);
    // The midpoint may lie outside what was really recorded (one value in a wide bucket).
    return std::clamp(middle, min_, max_);
  }
  return max_;
}

absl::Duration LatencyHistogram::mean() const {
  if (count_ == 0) return absl::ZeroDuration();
  return absl::Nanoseconds(sum_ns_ / static_cast<double>(count_));
}

}  // namespace misc::loadgen

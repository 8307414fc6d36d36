#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "src/cache/keyed_cache.h"
#include "test/platform/keyed_cache_test_util.h"

namespace misc::cache {
namespace {

constexpr int64_t kMaxBytes = int64_t{16} << 10;

// Entries differ in size, and memory is what runs out: the cache is bounded in bytes as well as
// in entries.
class KeyedCacheBytesTest : public ::testing::Test {
 protected:
  KeyedCacheBytesTest()
      : cache_({.max_entries = 1000, .max_bytes = kMaxBytes, .ttl = absl::Seconds(60)}) {
    cache_.SetEnabled(true);
  }

  // Returns key `key`'s value, loading `value` on a miss.
  std::string Get(int64_t key, const std::string& value) {
    return GetOrLoadString(cache_, key, value);
  }

  KeyedCache<std::string> cache_;
};

TEST_F(KeyedCacheBytesTest, ManyLargeValuesStayWithinTheByteBound) {
  const std::string kilobyte(1024, 'k');
  for (int64_t key = 0; key < 100; ++key) Get(key, kilobyte);
  const auto& stats = *cache_.stats();
  EXPECT_LE(stats.bytes.load(), kMaxBytes);
  EXPECT_GT(stats.bytes.load(), kMaxBytes / 2) << "room is made one entry at a time";
  EXPECT_LT(stats.entries.load(), 16);
  EXPECT_GE(stats.evictions.load(), 100 - 16);
  // The last one loaded was kept (room is made before it is stored), and is served.
  EXPECT_EQ(Get(99, "reloaded"), kilobyte);
  EXPECT_EQ(stats.hits.load(), 1u);
}

TEST_F(KeyedCacheBytesTest, AValueLargerThanTheBoundIsAnsweredButNeverKept) {
  const std::string huge(kMaxBytes, 'h');
  EXPECT_EQ(Get(1, huge), huge);
  EXPECT_EQ(Get(1, "small"), "small") << "the huge value was not kept";
  EXPECT_EQ(Get(1, "other"), "small") << "a small one is";
  EXPECT_EQ(cache_.stats()->entries.load(), 1);
}

TEST_F(KeyedCacheBytesTest, ReplacingAndDroppingEntriesGivesTheirBytesBack) {
  Get(1, std::string(4096, 'a'));
  const int64_t one = cache_.stats()->bytes.load();
  EXPECT_GT(one, 4096);
  cache_.Invalidate(1);
  EXPECT_EQ(cache_.stats()->bytes.load(), 0);
  Get(1, std::string(4096, 'a'));
  Get(2, std::string(4096, 'b'));
  EXPECT_EQ(cache_.stats()->bytes.load(), 2 * one);
  cache_.Clear();
  EXPECT_EQ(cache_.stats()->bytes.load(), 0);
}

}  // namespace
}  // namespace misc::cache

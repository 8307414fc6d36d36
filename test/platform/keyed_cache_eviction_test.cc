#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/cache/keyed_cache.h"
#include "test/platform/keyed_cache_test_util.h"

namespace misc::cache {
namespace {

// A full cache makes room by evicting the entries read least recently, so the keys a skewed
// workload keeps asking for stay in memory while the long tail passes through.
class KeyedCacheEvictionTest : public ::testing::Test {
 protected:
  static constexpr int64_t kMaxEntries = 3;

  KeyedCacheEvictionTest() : cache_({.max_entries = kMaxEntries, .ttl = absl::Seconds(60)}) {
    cache_.SetEnabled(true);
  }

  // Returns key `key`'s value, loading `value` on a miss.
  std::string Get(int64_t key, const std::string& value) {
    return GetOrLoadString(cache_, key, value);
  }

  KeyedCache<std::string> cache_;
};

TEST_F(KeyedCacheEvictionTest, TheLeastRecentlyReadEntryGoesFirst) {
  Get(1, "one");
  Get(2, "two");
  Get(3, "three");
  EXPECT_EQ(Get(1, "reloaded"), "one");  // Read: 2 is now the least recently read.
  Get(4, "four");
  EXPECT_EQ(Get(1, "reloaded"), "one");
  EXPECT_EQ(Get(3, "reloaded"), "three");
  EXPECT_EQ(Get(4, "reloaded"), "four");
  EXPECT_EQ(Get(2, "reloaded"), "reloaded") << "2 was evicted";
  EXPECT_EQ(cache_.stats()->evictions.load(), 2u);
}

TEST_F(KeyedCacheEvictionTest, APeekCountsAsARead) {
  Get(1, "one");
  Get(2, "two");
  Get(3, "three");
  ASSERT_NE(cache_.Peek(1), nullptr);
  Get(4, "four");
  EXPECT_NE(cache_.Peek(1), nullptr);
  EXPECT_EQ(cache_.Peek(2), nullptr) << "2 was evicted";
}

TEST_F(KeyedCacheEvictionTest, AHotKeyOutlivesAStreamOfColdOnes) {
  Get(0, "hot");
  for (int64_t cold = 1; cold <= 1000; ++cold) {
    Get(cold, absl::StrCat("cold ", cold));
    EXPECT_EQ(Get(0, "reloaded"), "hot") << "after cold key " << cold;
  }
  EXPECT_EQ(cache_.stats()->entries.load(), kMaxEntries);
}

TEST_F(KeyedCacheEvictionTest, InvalidatedAndClearedKeysLeaveNothingBehind) {
  Get(1, "one");
  Get(2, "two");
  cache_.Invalidate(1);
  Get(3, "three");
  Get(4, "four");  // Full: 2 is the least recently read, and 1 is not there to evict.
  Get(5, "five");
  EXPECT_EQ(Get(3, "reloaded"), "three");
  EXPECT_EQ(Get(4, "reloaded"), "four");
  EXPECT_EQ(Get(2, "reloaded"), "reloaded") << "2 was evicted";
  cache_.Clear();
  for (int64_t key = 10; key < 20; ++key) Get(key, "after clear");
  EXPECT_EQ(cache_.stats()->entries.load(), kMaxEntries);
}

}  // namespace
}  // namespace misc::cache

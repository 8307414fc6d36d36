#include <gtest/gtest.h>

#include <string>

#include "absl/time/clock.h"
#include "src/cache/keyed_cache.h"

namespace misc::cache {
namespace {

// With read replicas, a load right after a change may read the row from before it: such an
// entry must not be kept for the whole TTL.
class KeyedCacheSourceLagTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kSourceLag = absl::Milliseconds(300);

  KeyedCacheSourceLagTest()
      : cache_({.max_entries = 10, .ttl = absl::Seconds(60), .source_lag = kSourceLag}) {
    cache_.SetEnabled(true);
  }

  // Returns the cached value of key 1, loading `value` on a miss.
  std::string Get(const std::string& value) {
    absl::StatusOr<KeyedCache<std::string>::Value> got = cache_.GetOrLoad(
        1, [&value]() -> absl::StatusOr<std::string> { return value; },
        absl::Now() + absl::Seconds(1));
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? **got : "";
  }

  KeyedCache<std::string> cache_;
};

TEST_F(KeyedCacheSourceLagTest, AnEntryLoadedRightAfterItsKeyChangedIsLoadedAgainOnceTheLagIsUp) {
  absl::SleepFor(kSourceLag);  // Past the window SetEnabled opened.
  EXPECT_EQ(Get("old"), "old");
  cache_.Invalidate(1);
  EXPECT_EQ(Get("stale from a lagging replica"), "stale from a lagging replica");
  EXPECT_EQ(Get("new"), "stale from a lagging replica") << "kept within the lag";
  absl::SleepFor(kSourceLag);
  EXPECT_EQ(Get("new"), "new");
  EXPECT_EQ(Get("newer"), "new") << "loaded after the window: kept for the TTL";
}

TEST_F(KeyedCacheSourceLagTest, ClearOpensTheWindowForEveryKey) {
  absl::SleepFor(kSourceLag);
  EXPECT_EQ(Get("old"), "old");
  cache_.Clear();
  EXPECT_EQ(Get("stale"), "stale");
  absl::SleepFor(kSourceLag);
  EXPECT_EQ(Get("new"), "new");
}

TEST(KeyedCacheWithoutSourceLagTest, KeepsAnEntryLoadedRightAfterAChangeForTheTtl) {
  KeyedCache<std::string> cache({.max_entries = 10, .ttl = absl::Seconds(60)});
  cache.SetEnabled(true);
  const auto load = [](const std::string& value) {
    return [value]() -> absl::StatusOr<std::string> { return value; };
  };
  cache.Invalidate(1);
  ASSERT_TRUE(cache.GetOrLoad(1, load("a"), absl::InfiniteFuture()).ok());
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(**cache.GetOrLoad(1, load("b"), absl::InfiniteFuture()), "a");
}

}  // namespace
}  // namespace misc::cache

#ifndef MISC_TEST_PLATFORM_KEYED_CACHE_TEST_UTIL_H_
#define MISC_TEST_PLATFORM_KEYED_CACHE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "src/cache/keyed_cache.h"

namespace misc::cache {

// Returns key `key`'s value from `cache`, loading `value` on a miss; an error fails the test
// and gives "".
inline std::string GetOrLoadString(KeyedCache<std::string>& cache, int64_t key,
                                   const std::string& value) {
  absl::StatusOr<KeyedCache<std::string>::Value> got = cache.GetOrLoad(
      key, [&value]() -> absl::StatusOr<std::string> { return value; },
      absl::Now() + absl::Seconds(1));
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? **got : "";
}

}  // namespace misc::cache

#endif  // MISC_TEST_PLATFORM_KEYED_CACHE_TEST_UTIL_H_

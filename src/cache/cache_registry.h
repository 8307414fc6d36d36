#ifndef MISC_SRC_CACHE_CACHE_REGISTRY_H_
#define MISC_SRC_CACHE_CACHE_REGISTRY_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "src/cache/keyed_cache.h"

namespace misc::cache {

// The process's read-through caches: made with the process's options, and listed for
// metrics (misc_cache_*{cache="<name>"}). Thread-safe.
class CacheRegistry {
 public:
  explicit CacheRegistry(CacheOptions options) : options_(options) {}

  // Returns a new cache named `name` (its metrics label, e.g. "restaurant").
  template <typename V>
  std::unique_ptr<KeyedCache<V>> Create(std::string name) {
    auto cache = std::make_unique<KeyedCache<V>>(options_);
    absl::MutexLock lock(&mu_);
    stats_.emplace_back(std::move(name), cache->stats());
    return cache;
  }

  const CacheOptions& options() const { return options_; }

  // Every cache made so far, by name.
  std::vector<std::pair<std::string, std::shared_ptr<const CacheStats>>> Stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

 private:
  const CacheOptions options_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, std::shared_ptr<const CacheStats>>> stats_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace misc::cache

#endif  // MISC_SRC_CACHE_CACHE_REGISTRY_H_

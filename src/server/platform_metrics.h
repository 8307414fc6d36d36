#ifndef MISC_SRC_SERVER_PLATFORM_METRICS_H_
#define MISC_SRC_SERVER_PLATFORM_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>

#include "src/auth/jwt_verifier.h"
#include "src/cache/cache_registry.h"
#include "src/db/pool.h"
#include "src/refresh/refresher.h"

namespace misc::server {

// Returns the histogram the pool reports its connection waits to
// (misc_db_pool_wait_seconds), registered in `registry`; set it as
// PoolOptions::on_acquire_wait before building the pool.
prometheus::Histogram& PoolWaitHistogram(prometheus::Registry& registry);

// Returns the counter of gRPC connections misc's listener closed at once
// (misc_grpc_connections_refused_total: past the descriptor budget, or shed when no descriptor
// was left), registered in `registry`.
prometheus::Counter& RefusedConnectionsCounter(prometheus::Registry& registry);

// Returns the shared pool (misc_db_pool_{size,open,busy}_connections, misc_db_pool_waiters)
// and the JWT verification outcomes (misc_jwt_verifications_total{outcome},
// misc_jwt_cached_verifications_total), read from `pool` and `verifier` at each scrape: both
// must outlive whatever serves it.
std::shared_ptr<prometheus::Collectable> MakePlatformMetrics(const db::Pool& pool,
                                                             const auth::JwtVerifier& verifier);

// Returns the time of each snapshot's last successful reload
// (misc_snapshot_last_success_timestamp_seconds{snapshot}; 0 before the first), read from
// `refresher` at each scrape: it must outlive whatever serves it.
std::shared_ptr<prometheus::Collectable> MakeSnapshotMetrics(const refresh::Refresher& refresher);

// Scrape-time hits, misses, evictions, invalidations and sizes of every read-through cache.
std::shared_ptr<prometheus::Collectable> MakeCacheMetrics(const cache::CacheRegistry& caches);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_PLATFORM_METRICS_H_

#ifndef MISC_SRC_SERVER_PLATFORM_METRICS_H_
#define MISC_SRC_SERVER_PLATFORM_METRICS_H_

#include <vector>

#include "src/auth/jwt_verifier.h"
#include "src/db/pool.h"
#include "src/observability/registry.h"
#include "src/refresh/refresher.h"

namespace misc::server {

// Returns the histogram the pool reports its connection waits to
// (misc_db_pool_wait_seconds); set it as PoolOptions::on_acquire_wait before building the pool.
observability::Histogram& PoolWaitHistogram(observability::Registry& registry);

// Exposes the shared pool (misc_db_pool_{size,open,busy}_connections, misc_db_pool_waiters)
// and JWT verification outcomes (misc_jwt_verifications_total{outcome},
// misc_jwt_cached_verifications_total) on `registry`, read
// at scrape time. The series live as long as the returned registrations.
std::vector<observability::CallbackRegistration> RegisterPlatformMetrics(
    observability::Registry& registry, const db::Pool& pool, const auth::JwtVerifier& verifier);

// Exposes the time of each snapshot's last successful reload
// (misc_snapshot_last_success_timestamp_seconds{snapshot}; 0 before the first).
std::vector<observability::CallbackRegistration> RegisterSnapshotMetrics(
    observability::Registry& registry, const refresh::Refresher& refresher);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_PLATFORM_METRICS_H_

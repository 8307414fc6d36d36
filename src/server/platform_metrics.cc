#include "src/server/platform_metrics.h"

#include <string>

#include "absl/time/time.h"

namespace misc::server {

observability::Histogram& PoolWaitHistogram(observability::Registry& registry) {
  return registry.AddHistogram("misc_db_pool_wait_seconds",
                               "Time calls waited for a pooled PostgreSQL connection.", {},
                               observability::LatencyBuckets());
}

std::vector<observability::CallbackRegistration> RegisterPlatformMetrics(
    observability::Registry& registry, const db::Pool& pool, const auth::JwtVerifier& verifier) {
  std::vector<observability::CallbackRegistration> series;
  series.push_back(registry.AddCallbackGauge("misc_db_pool_size_connections",
                                             "Most PostgreSQL connections the process holds.", {},
                                             [&pool] { return pool.size(); }));
  series.push_back(registry.AddCallbackGauge("misc_db_pool_open_connections",
                                             "PostgreSQL connections open now.", {},
                                             [&pool] { return pool.OpenConnections(); }));
  series.push_back(registry.AddCallbackGauge("misc_db_pool_busy_connections",
                                             "PostgreSQL connections running a call now.", {},
                                             [&pool] { return pool.BusyConnections(); }));
  series.push_back(registry.AddCallbackGauge("misc_db_pool_waiters",
                                             "Calls waiting for a PostgreSQL connection now.", {},
                                             [&pool] { return pool.Waiters(); }));
  for (const auto& [outcome, count] : verifier.VerificationCounts()) {
    series.push_back(registry.AddCallbackCounter(
        "misc_jwt_verifications_total", "JWT verifications by outcome.", {{"outcome", outcome}},
        [&verifier, label = outcome] {
          return static_cast<double>(verifier.VerificationCounts().at(label));
        }));
  }
  series.push_back(registry.AddCallbackCounter(
      "misc_jwt_cached_verifications_total",
      "JWT verifications answered from the verified-token cache (claims checked, signature not).",
      {}, [&verifier] { return static_cast<double>(verifier.CachedVerifications()); }));
  return series;
}

std::vector<observability::CallbackRegistration> RegisterSnapshotMetrics(
    observability::Registry& registry, const refresh::Refresher& refresher) {
  std::vector<observability::CallbackRegistration> series;
  for (const std::string& name : refresher.Names()) {
    series.push_back(registry.AddCallbackGauge(
        "misc_snapshot_last_success_timestamp_seconds",
        "When each in-memory snapshot last reloaded successfully (0: never).", {{"snapshot", name}},
        [&refresher, name] {
          const absl::Time last = refresher.LastSuccess(name);
          return last == absl::InfinitePast() ? 0.0
                                              : absl::ToDoubleSeconds(last - absl::UnixEpoch());
        }));
  }
  return series;
}

}  // namespace misc::server

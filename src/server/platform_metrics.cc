#include "src/server/platform_metrics.h"

#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/observability/metrics.h"

namespace misc::server {
namespace {

using observability::ScrapedFamily;
using observability::ScrapedSample;
using prometheus::MetricType;

class PlatformMetrics final : public prometheus::Collectable {
 public:
  PlatformMetrics(const db::Pool& pool, const auth::JwtVerifier& verifier)
      : pool_(pool), verifier_(verifier) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<ScrapedSample> outcomes;
    for (const auto& [outcome, count] : verifier_.VerificationCounts()) {
      outcomes.push_back({{{"outcome", outcome}}, static_cast<double>(count)});
    }
    return {
        ScrapedFamily("misc_db_pool_size_connections",
                      "Most PostgreSQL connections the process holds.", MetricType::Gauge,
                      {{{}, static_cast<double>(pool_.size())}}),
        ScrapedFamily("misc_db_pool_open_connections", "PostgreSQL connections open now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.OpenConnections())}}),
        ScrapedFamily("misc_db_pool_busy_connections", "PostgreSQL connections running a call now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.BusyConnections())}}),
        ScrapedFamily("misc_db_pool_waiters", "Calls waiting for a PostgreSQL connection now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.Waiters())}}),
        ScrapedFamily("misc_jwt_verifications_total", "JWT verifications by outcome.",
                      MetricType::Counter, outcomes),
        ScrapedFamily("misc_jwt_cached_verifications_total",
                      "JWT verifications answered from the verified-token cache (claims "
                      "checked, signature not).",
                      MetricType::Counter,
                      {{{}, static_cast<double>(verifier_.CachedVerifications())}}),
    };
  }

 private:
  const db::Pool& pool_;
  const auth::JwtVerifier& verifier_;
};

class SnapshotMetrics final : public prometheus::Collectable {
 public:
  explicit SnapshotMetrics(const refresh::Refresher& refresher) : refresher_(refresher) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<ScrapedSample> snapshots;
    for (const std::string& name : refresher_.Names()) {
      const absl::Time last = refresher_.LastSuccess(name);
      snapshots.push_back(
          {{{"snapshot", name}},
           last == absl::InfinitePast() ? 0.0 : absl::ToDoubleSeconds(last - absl::UnixEpoch())});
    }
    if (snapshots.empty()) return {};
    return {ScrapedFamily("misc_snapshot_last_success_timestamp_seconds",
                          "When each in-memory snapshot last reloaded successfully (0: never).",
                          MetricType::Gauge, snapshots)};
  }

 private:
  const refresh::Refresher& refresher_;
};

}  // namespace

prometheus::Histogram& PoolWaitHistogram(prometheus::Registry& registry) {
  return prometheus::BuildHistogram()
      .Name("misc_db_pool_wait_seconds")
      .Help("Time calls waited for a pooled PostgreSQL connection.")
      .Register(registry)
      .Add({}, observability::LatencyBuckets());
}

std::shared_ptr<prometheus::Collectable> MakePlatformMetrics(const db::Pool& pool,
                                                             const auth::JwtVerifier& verifier) {
  return std::make_shared<PlatformMetrics>(pool, verifier);
}

std::shared_ptr<prometheus::Collectable> MakeSnapshotMetrics(const refresh::Refresher& refresher) {
  return std::make_shared<SnapshotMetrics>(refresher);
}

}  // namespace misc::server

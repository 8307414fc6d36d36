#include "src/server/platform_metrics.h"

#include <prometheus/metric_family.h>

#include <limits>
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
    std::vector<ScrapedSample> reads;
    std::vector<ScrapedSample> usable;
    std::vector<ScrapedSample> lags;
    std::vector<ScrapedSample> open;
    std::vector<ScrapedSample> busy;
    for (const db::HostStats& host : pool_.Hosts()) {
      const prometheus::Labels labels = {{"host", host.name}};
      reads.push_back({labels, static_cast<double>(host.reads)});
      usable.push_back({labels, host.usable ? 1.0 : 0.0});
      open.push_back({labels, static_cast<double>(host.open)});
      busy.push_back({labels, static_cast<double>(host.busy)});
      // Unknown lag (no answer, or behind every recent primary position): +Inf.
      if (host.replica) {
        lags.push_back({labels, host.lag.has_value() ? absl::ToDoubleSeconds(*host.lag)
                                                     : std::numeric_limits<double>::infinity()});
      }
    }
    std::vector<ScrapedSample> outcomes;
    for (const auto& [outcome, count] : verifier_.VerificationCounts()) {
      outcomes.push_back({{{"outcome", outcome}}, static_cast<double>(count)});
    }
    std::vector<prometheus::MetricFamily> families = {
        ScrapedFamily("misc_db_pool_size_connections",
                      "Most PostgreSQL connections the process holds.", MetricType::Gauge,
                      {{{}, static_cast<double>(pool_.size())}}),
        ScrapedFamily("misc_db_pool_open_connections", "PostgreSQL connections open now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.OpenConnections())}}),
        ScrapedFamily("misc_db_pool_busy_connections", "PostgreSQL connections running a call now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.BusyConnections())}}),
        ScrapedFamily("misc_db_pool_waiters", "Calls waiting for a PostgreSQL connection now.",
                      MetricType::Gauge, {{{}, static_cast<double>(pool_.Waiters())}}),
        ScrapedFamily("misc_db_reads_total",
                      "Reads (calls' and background reloads') sent to each database host.",
                      MetricType::Counter, reads),
        ScrapedFamily("misc_db_host_usable",
                      "1 while reads may go to the host (the primary always: the fallback).",
                      MetricType::Gauge, usable),
        ScrapedFamily("misc_db_host_open_connections", "PostgreSQL connections open now, by host.",
                      MetricType::Gauge, open),
        ScrapedFamily("misc_db_host_busy_connections",
                      "PostgreSQL connections running a read now, by host.", MetricType::Gauge,
                      busy),
        ScrapedFamily("misc_jwt_verifications_total", "JWT verifications by outcome.",
                      MetricType::Counter, outcomes),
        ScrapedFamily("misc_jwt_cached_verifications_total",
                      "JWT verifications answered from the verified-token cache (claims "
                      "checked, signature not).",
                      MetricType::Counter,
                      {{{}, static_cast<double>(verifier_.CachedVerifications())}}),
    };
    if (!lags.empty()) {
      families.push_back(ScrapedFamily("misc_db_replica_lag_seconds",
                                       "Each read replica's replay lag at its last check (+Inf: "
                                       "unknown).",
                                       MetricType::Gauge, lags));
    }
    return families;
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

class CacheMetrics final : public prometheus::Collectable {
 public:
  explicit CacheMetrics(const cache::CacheRegistry& caches) : caches_(caches) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto all = caches_.Stats();
    if (all.empty()) return {};
    // (name, help, type, what to read) of each family.
    struct Family {
      const char* name;
      const char* help;
      MetricType type;
      double (*read)(const cache::CacheStats&);
    };
    static constexpr Family kFamilies[] = {
        {"misc_cache_hits_total", "Reads answered from the cache.", MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.hits.load()); }},
        {"misc_cache_misses_total", "Reads that went to the database (coalesced ones too).",
         MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.misses.load()); }},
        {"misc_cache_coalesced_total", "Misses that waited for another call's load of the key.",
         MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.coalesced.load()); }},
        {"misc_cache_evictions_total", "Entries dropped to stay within --cache_max_entries.",
         MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.evictions.load()); }},
        {"misc_cache_invalidations_total",
         "Entries dropped because their rows changed (or the change feed went down).",
         MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.invalidations.load()); }},
        {"misc_cache_bypassed_total", "Reads that skipped the cache while it was off.",
         MetricType::Counter,
         [](const cache::CacheStats& s) { return static_cast<double>(s.bypassed.load()); }},
        {"misc_cache_entries", "Entries held now.", MetricType::Gauge,
         [](const cache::CacheStats& s) { return static_cast<double>(s.entries.load()); }},
        {"misc_cache_bytes", "Memory the entries take now (--cache_max_bytes bounds it).",
         MetricType::Gauge,
         [](const cache::CacheStats& s) { return static_cast<double>(s.bytes.load()); }},
    };
    std::vector<prometheus::MetricFamily> families;
    for (const Family& family : kFamilies) {
      std::vector<ScrapedSample> samples;
      samples.reserve(all.size());
      for (const auto& [name, stats] : all)
        samples.push_back({{{"cache", name}}, family.read(*stats)});
      families.push_back(ScrapedFamily(family.name, family.help, family.type, samples));
    }
    return families;
  }

 private:
  const cache::CacheRegistry& caches_;
};

}  // namespace

std::shared_ptr<prometheus::Collectable> MakeCacheMetrics(const cache::CacheRegistry& caches) {
  return std::make_shared<CacheMetrics>(caches);
}

prometheus::Histogram& PoolWaitHistogram(prometheus::Registry& registry) {
  return prometheus::BuildHistogram()
      .Name("misc_db_pool_wait_seconds")
      .Help("Time calls waited for a pooled PostgreSQL connection.")
      .Register(registry)
      .Add({}, observability::LatencyBuckets());
}

prometheus::Counter& RefusedConnectionsCounter(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("misc_grpc_connections_refused_total")
      .Help(
          "gRPC connections closed as soon as accepted: past the file descriptor budget, or "
          "shed when the process had no descriptor left.")
      .Register(registry)
      .Add({});
}

std::shared_ptr<prometheus::Collectable> MakePlatformMetrics(const db::Pool& pool,
                                                             const auth::JwtVerifier& verifier) {
  return std::make_shared<PlatformMetrics>(pool, verifier);
}

std::shared_ptr<prometheus::Collectable> MakeSnapshotMetrics(const refresh::Refresher& refresher) {
  return std::make_shared<SnapshotMetrics>(refresher);
}

}  // namespace misc::server

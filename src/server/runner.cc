#include "src/server/runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "src/auth/jwt_verifier.h"
#include "src/db/pool.h"
#include "src/log/logging.h"
#include "src/observability/access_log.h"
#include "src/observability/metrics_server.h"
#include "src/observability/process_metrics.h"
#include "src/observability/server_interceptor.h"
#include "src/pagination/page_token.h"
#include "src/pagination/page_token_key_file.h"
#include "src/server/blocking_executor.h"
#include "src/server/call_runner.h"
#include "src/server/connection_acceptor.h"
#include "src/server/fd_budget.h"
#include "src/server/metadata_limit_interceptor.h"
#include "src/server/platform_metrics.h"
#include "src/server/readiness.h"
#include "src/server/signals.h"
#include "src/server/tls_files.h"
#include "src/server/transport_options.h"

namespace misc::server {
namespace {

// Health name that stays SERVING for as long as the process answers: the liveness probe.
constexpr char kLivenessName[] = "liveness";
// The gRPC listener (or a front's) and the metrics listener.
constexpr int kListeners = 2;
// The change feed's LISTEN session (only when a service subscribes, counted anyway).
constexpr int kChangeFeedConnections = 1;

// Returns the page token codec of --page_token_key_file, or the development key (with a
// warning) when it is not set.
absl::StatusOr<pagination::PageTokenCodec> PageTokenCodecFor(const std::string& key_file) {
  if (!key_file.empty()) return pagination::ReadPageTokenKeyFile(key_file);
  spdlog::warn(
      "--page_token_key_file is not set: page tokens are MACed with the development key, with "
      "which anyone can mint them; production sets a key file (docs/security.md)");
  return pagination::PageTokenCodec::Development();
}

}  // namespace

int RunServer(absl::string_view name, const ServerConfig& config,
              const std::vector<ServiceModule>& modules, Front* front) {
  // A front's connections must fit in the budget too: it refuses more than it may hold.
  const int min_client_connections =
      front == nullptr ? config.min_client_connections
                       : std::max(config.min_client_connections, front->max_connections());
  // The metrics listener refuses connections beyond its cap: they fit in the budget too.
  const int metrics_connections =
      config.metrics_listen.empty() ? 0 : observability::MetricsServer::kMaxConnections;
  // Every host has a pool of its own, and each replica's pool its own cancel connections (the
  // primary's one is in the reserve).
  const int replicas = static_cast<int>(config.replicas.urls.size());
  absl::StatusOr<FdBudget> budget =
      PlanFdBudget(config.pool.size * (1 + replicas) + db::kCancelConnections * replicas +
                       kChangeFeedConnections,
                   kListeners, metrics_connections, min_client_connections);
  if (!budget.ok()) {
    spdlog::critical("{}", budget.status().message());
    return 1;
  }
  spdlog::info("{}", budget->ToString());

  // Declared in dependency order: services use the pool, the executor and the refresher, so
  // they are destroyed first, after the server.
  const auto metrics = std::make_shared<prometheus::Registry>();
  db::PoolOptions pool_options = config.pool;
  prometheus::Histogram& pool_wait = PoolWaitHistogram(*metrics);
  pool_options.on_acquire_wait = [&pool_wait](absl::Duration wait) {
    pool_wait.Observe(absl::ToDoubleSeconds(wait));
  };
  db::Pool pool(pool_options, config.replicas);
  // One thread per connection of the hosts reads go to (the replicas, or the primary), so
  // that spreading reads across replicas adds throughput.
  BlockingExecutor executor(config.pool.size * pool.read_hosts(), config.pool.max_waiters);
  refresh::Refresher refresher;
  if (absl::Status tls = CheckTlsFiles(config.tls); !tls.ok()) {
    spdlog::critical("cannot serve TLS: {}", tls.ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<auth::JwtVerifier>> verifier =
      auth::JwtVerifier::CreateReloaded(config.jwt, config.jwks_refresh_interval, refresher);
  if (!verifier.ok()) {
    spdlog::critical("cannot set up JWT verification: {}", verifier.status().ToString());
    return 1;
  }
  // Where every call is recorded: by the CallRunner for the services' own methods, by the
  // interceptor below for the rest (health, reflection, methods the server does not have).
  const auto call_sinks = std::make_shared<observability::CallSinks>(
      *metrics, config.access_log
                    ? observability::MakeAccessLogger(config.access_log_flush_interval)
                    : nullptr);
  CallRunner calls(executor, config.max_call_timeout, verifier->get(), call_sinks);
  const std::shared_ptr<prometheus::Collectable> platform_metrics =
      MakePlatformMetrics(pool, **verifier);
  db::ChangeFeed changes(ChangeFeedOptions(config), config.change_feed_heartbeat);
  cache::CacheRegistry caches(config.cache);
  absl::StatusOr<pagination::PageTokenCodec> page_tokens =
      PageTokenCodecFor(config.page_token_key_file);
  if (!page_tokens.ok()) {
    spdlog::critical("cannot set up page tokens: {}", page_tokens.status().ToString());
    return 1;
  }
  ServiceEnv env{pool, calls, refresher, changes, caches, *page_tokens};

  std::vector<HostedService> services;
  std::vector<std::string> names;
  std::vector<ReadinessTarget> readiness_targets;
  for (const ServiceModule& module : modules) {
    absl::StatusOr<HostedService> hosted = module.create(env);
    if (!hosted.ok()) {
      spdlog::critical("service {} failed to start: {}", module.name, hosted.status().ToString());
      return 1;
    }
    names.push_back(hosted->full_name);
    readiness_targets.push_back(
        {.name = hosted->full_name, .needs_database = !hosted->serves_from_memory});
    services.push_back(*std::move(hosted));
  }

  // Stopped (declared last) before anything these read is destroyed.
  absl::StatusOr<std::unique_ptr<observability::MetricsServer>> metrics_server =
      std::unique_ptr<observability::MetricsServer>();
  if (!config.metrics_listen.empty()) {
    metrics_server = observability::MetricsServer::Start(
        config.metrics_listen, {metrics, observability::MakeProcessMetrics(), platform_metrics,
                                MakeSnapshotMetrics(refresher), MakeCacheMetrics(caches)});
  }
  if (!metrics_server.ok()) {
    spdlog::critical("cannot serve metrics: {}", metrics_server.status().ToString());
    refresher.Stop();
    return 1;
  }
  // Also answers the probes that cannot reach the gRPC port (it may be TLS-only): /healthz
  // while the process runs, /readyz from readiness below.
  observability::MetricsServer* const metrics_listener = metrics_server->get();
  if (metrics_listener != nullptr) {
    spdlog::info("metrics on port {} (/metrics, /healthz, /readyz)", metrics_listener->port());
  }

  // Links the generated grpc.health.v1 descriptors into the binary so that reflection can
  // describe the Health service that gRPC's built-in implementation serves.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  // The gRPC port is misc's own listener, not gRPC's: gRPC 1.51's stops accepting for good
  // after one EMFILE (CVE-2023-4785); this one keeps connections within the budget.
  std::unique_ptr<ConnectionAcceptor> acceptor;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> grpc_connections;
  if (front == nullptr) {
    prometheus::Counter& refused = RefusedConnectionsCounter(*metrics);
    absl::StatusOr<std::unique_ptr<ConnectionAcceptor>> listening =
        ConnectionAcceptor::Listen({.listen = config.listen,
                                    .max_connections = budget->client_connections,
                                    .on_refused = [&refused] { refused.Increment(); }});
    if (!listening.ok()) {
      spdlog::critical("{}", listening.status().message());
      refresher.Stop();
      return 1;
    }
    acceptor = *std::move(listening);
    grpc_connections = builder.experimental().AddExternalConnectionAcceptor(
        grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
        GrpcServerCredentials(config.tls));
  }
  ApplyTransportOptions(config, builder);
  // The metadata limit first: gRPC runs the send hooks in this order, so the observer records
  // a refused call's status as sent, and the receive hooks in reverse, so the observer still
  // reads a refused call's trace context.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeMetadataLimitInterceptorFactory(calls.RecordedServices()));
  for (auto& observer :
       observability::MakeServerInterceptors(call_sinks, calls.RecordedServices())) {
    interceptors.push_back(std::move(observer));
  }
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  for (HostedService& hosted : services) builder.RegisterService(hosted.service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    spdlog::critical("cannot listen on {}", config.listen);
    refresher.Stop();
    return 1;
  }
  if (acceptor != nullptr) acceptor->Start(std::move(grpc_connections));
  // gRPC's health service starts with "" SERVING: say NOT_SERVING until readiness has checked.
  grpc::HealthCheckServiceInterface& health = *server->GetHealthCheckService();
  health.SetServingStatus("", false);
  for (const std::string& hosted : names) health.SetServingStatus(hosted, false);
  health.SetServingStatus(kLivenessName, true);
  // Loaded while the server already answers liveness. A database that is not there yet is not
  // fatal: readiness says NOT_SERVING and the refresher keeps retrying, so the server never
  // crash-loops waiting for it.
  if (absl::Status loaded = refresher.Start(); !loaded.ok()) {
    spdlog::warn("in-memory data not loaded yet, retrying in the background: {}",
                 loaded.ToString());
  }
  changes.Start();
  // The metrics listener's /readyz says what gRPC's health says for "" (the whole server).
  Readiness readiness(health, std::move(readiness_targets), pool, refresher, MISC_SCHEMA_VERSION,
                      [metrics_listener](bool serving) {
                        if (metrics_listener != nullptr) metrics_listener->SetReady(serving);
                      });
  readiness.Start(config.readiness_interval);
  std::string address = config.listen;
  if (acceptor != nullptr) {
    // With port 0, the port picked.
    address =
        absl::StrCat(config.listen.substr(0, config.listen.rfind(':')), ":", acceptor->port());
  }
  if (front != nullptr) {
    const FrontEnv front_env{.server = *server,
                             .services = names,
                             .metrics = *metrics,
                             .access_log = call_sinks->access_log(),
                             .tls = config.tls};
    if (absl::Status started = front->Start(front_env); !started.ok()) {
      spdlog::critical("cannot start: {}", started.ToString());
      readiness.BeginDrain();
      server->Shutdown();
      changes.Stop();
      refresher.Stop();
      return 1;
    }
    address = front->address();
  }
  spdlog::info(
      "{} serving {} on {} (database pool {} connections, {} read replicas, schema version {})",
      name, absl::StrJoin(names, ", "), address, config.pool.size, replicas, MISC_SCHEMA_VERSION);

  const int signal_number = WaitForTerminationSignal();
  spdlog::info("signal {} received: NOT_SERVING, serving for {} more, then draining for at most {}",
               signal_number, absl::FormatDuration(config.shutdown_delay),
               absl::FormatDuration(config.drain_timeout));
  readiness.BeginDrain();
  absl::SleepFor(config.shutdown_delay);
  {
    // Nothing outlives the drain: at its end, reads still in flight (a call's, or a background
    // reload's, on a database that stopped answering) are ended by closing the pool.
    absl::Notification drained;
    std::thread closer([&pool, &drained, timeout = config.drain_timeout] {
      if (!drained.WaitForNotificationWithTimeout(timeout)) pool.Close();
    });
    const absl::Time deadline = absl::Now() + config.drain_timeout;
    // The front's requests are gRPC calls in this process: it drains first, and what it has
    // left in flight at the deadline is cancelled by the server's shutdown below.
    if (front != nullptr) front->Drain(deadline);
    // Where gRPC's own listener would stop: nothing is handed to gRPC after its Shutdown.
    if (acceptor != nullptr) acceptor->Stop();
    server->Shutdown(absl::ToChronoTime(deadline));
    health.Shutdown();
    server->Wait();
    drained.Notify();
    closer.join();
  }
  pool.Close();
  changes.Stop();
  refresher.Stop();
  if (metrics_listener != nullptr) metrics_listener->Stop();
  spdlog::info("{} stopped", name);
  return 0;
}

}  // namespace misc::server

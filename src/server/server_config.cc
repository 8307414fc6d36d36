#include "src/server/server_config.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/auth/jwt_flags.h"
#include "src/config/env_flags.h"
#include "src/observability/flags.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address the gRPC server listens on, host:port ([::]:50051 for every interface).");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL connection URL or libpq connection string (required).");
ABSL_FLAG(std::string, database_listen_url, "",
          "Connection of the LISTEN session that keeps the caches exact: PostgreSQL itself, never "
          "a transaction-mode pooler. Empty: --database_url, or, with --db_unnamed_statements, "
          "no LISTEN session (the caches stay bypassed).");
ABSL_FLAG(bool, db_unnamed_statements, false,
          "For a transaction-mode pooler (PgBouncer) in --database_url: send statements unnamed "
          "(no PREPARE) and no session settings; the role then sets "
          "default_transaction_read_only and statement_timeout (docs/deploying.md).");
ABSL_FLAG(std::vector<std::string>, database_replica_url, {},
          "Read replicas of --database_url (streaming standbys): libpq URLs or connection "
          "strings, comma-separated or the flag repeated (a comma inside a URL is written %2C). "
          "Reads go to replicas within --max_replica_lag, else to the primary.");
ABSL_FLAG(absl::Duration, max_replica_lag, absl::Seconds(2),
          "A read replica whose replay lag exceeds this takes no reads until it has caught up.");
ABSL_FLAG(absl::Duration, replica_check_interval, absl::Milliseconds(500),
          "How often each read replica's health and replay lag are checked (and the primary's "
          "WAL position sampled to measure it).");
ABSL_FLAG(int, db_pool_size, 8,
          "Most PostgreSQL connections the process holds, shared by every hosted service.");
ABSL_FLAG(int, db_max_waiters, 64,
          "Most calls waiting for a database worker; more fail fast with UNAVAILABLE.");
ABSL_FLAG(absl::Duration, db_connect_timeout, absl::Seconds(5),
          "How long opening one database connection may take.");
ABSL_FLAG(absl::Duration, db_tcp_user_timeout, absl::Seconds(10),
          "How long data sent to PostgreSQL may stay unacknowledged before the kernel drops the "
          "connection (libpq tcp_user_timeout): catches a peer that vanished mid-query.");
ABSL_FLAG(absl::Duration, db_keepalives_idle, absl::Seconds(10),
          "Idle time before the kernel probes a PostgreSQL connection (libpq keepalives_idle).");
ABSL_FLAG(absl::Duration, db_keepalives_interval, absl::Seconds(2),
          "Interval between unanswered keepalive probes (libpq keepalives_interval).");
ABSL_FLAG(int, db_keepalives_count, 3,
          "Unanswered keepalive probes that end a PostgreSQL connection (libpq keepalives_count).");
ABSL_FLAG(absl::Duration, db_cancel_timeout, absl::Milliseconds(200),
          "How long a cancelled query's connection waits for PostgreSQL to act on the cancel; "
          "then the connection is closed instead of reused.");
ABSL_FLAG(absl::Duration, db_reconnect_backoff_max, absl::Seconds(1),
          "Cap of the exponential backoff (from 50ms, with jitter) between PostgreSQL connection "
          "attempts while they fail.");
ABSL_FLAG(absl::Duration, max_call_timeout, absl::Seconds(5),
          "Deadline given to calls that arrive without one, and cap on longer deadlines.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::Seconds(5),
          "On SIGTERM, how long to keep serving while reporting NOT_SERVING, so load balancers "
          "stop sending new calls.");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "After the shutdown delay, how long in-flight calls may take to finish.");
ABSL_FLAG(absl::Duration, readiness_interval, absl::Seconds(1),
          "How often readiness (database, schema version, in-memory data) is re-checked.");
ABSL_FLAG(int, min_client_connections, 256,
          "Fewest file descriptors that must remain for client connections after the pool, "
          "listeners and a reserve; the server refuses to start otherwise.");
ABSL_FLAG(int, max_concurrent_streams, 100, "Most concurrent calls on one client connection.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "Client connections are closed (gracefully) after this age, so clients rebalance "
          "across replicas after a scale-out.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "How long calls in flight on an aged connection may still take.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "Interval of the server's keepalive pings on idle connections.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "How long a keepalive ping may go unanswered before the connection is closed.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(5),
          "Shortest interval between client keepalive pings the server accepts (a BFF pinging "
          "every 10s is fine).");
ABSL_FLAG(std::string, log_level, "info", "Log level: trace, debug, info, warn, error.");
ABSL_FLAG(int64_t, cache_max_entries, 100000,
          "Most entries of each read-through cache (e.g. restaurants by id); 0 turns caching "
          "off.");
ABSL_FLAG(int64_t, cache_max_bytes, int64_t{64} << 20,
          "Most memory, in bytes, the entries of each read-through cache take (a page of "
          "reviews weighs as much as twenty restaurants); 0: bounded by --cache_max_entries "
          "alone.");
ABSL_FLAG(absl::Duration, cache_ttl, absl::Seconds(60),
          "Oldest a cached entry may be when served. Changes evict entries at once (LISTEN); "
          "this caps staleness even if a notification were lost.");
ABSL_FLAG(absl::Duration, change_feed_heartbeat, absl::Seconds(1),
          "How often the LISTEN session checks that the database answers; one unanswered that "
          "long turns the caches off until the session is back.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of the serving listener; set with --tls_key_file to serve TLS "
          "only. Reread every --tls_refresh_interval, so a renewal needs no restart.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA certificates; when set, every client must present a certificate they signed "
          "(mutual TLS).");
ABSL_FLAG(absl::Duration, tls_refresh_interval, absl::Seconds(10),
          "How often the TLS files are reread.");
ABSL_FLAG(std::string, page_token_key_file, "",
          "File of page token keys, one base64 key of at least 32 bytes a line (openssl rand "
          "-base64 32); the first signs, every one verifies. Empty: a development key anyone "
          "can mint tokens with (a warning at start).");

namespace misc::server {
namespace {

bool ValidListenAddress(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(listen.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromFlags() {
  ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.pool.url = absl::GetFlag(FLAGS_database_url);
  config.replicas = {.urls = absl::GetFlag(FLAGS_database_replica_url),
                     .max_lag = absl::GetFlag(FLAGS_max_replica_lag),
                     .check_interval = absl::GetFlag(FLAGS_replica_check_interval)};
  config.pool.size = absl::GetFlag(FLAGS_db_pool_size);
  config.pool.max_waiters = absl::GetFlag(FLAGS_db_max_waiters);
  config.pool.connect_timeout = absl::GetFlag(FLAGS_db_connect_timeout);
  config.pool.tcp_user_timeout = absl::GetFlag(FLAGS_db_tcp_user_timeout);
  config.pool.keepalives_idle = absl::GetFlag(FLAGS_db_keepalives_idle);
  config.pool.keepalives_interval = absl::GetFlag(FLAGS_db_keepalives_interval);
  config.pool.keepalives_count = absl::GetFlag(FLAGS_db_keepalives_count);
  config.pool.cancel_timeout = absl::GetFlag(FLAGS_db_cancel_timeout);
  config.pool.reconnect_backoff_max = absl::GetFlag(FLAGS_db_reconnect_backoff_max);
  config.pool.unnamed_statements = absl::GetFlag(FLAGS_db_unnamed_statements);
  config.database_listen_url = absl::GetFlag(FLAGS_database_listen_url);
  // A LISTEN session through a transaction-mode pooler would hear nothing: no fallback then.
  if (config.database_listen_url.empty() && !config.pool.unnamed_statements) {
    config.database_listen_url = config.pool.url;
  }
  config.max_call_timeout = absl::GetFlag(FLAGS_max_call_timeout);
  config.pool.statement_timeout = config.max_call_timeout;
  config.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  config.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  config.log_level = absl::GetFlag(FLAGS_log_level);
  config.readiness_interval = absl::GetFlag(FLAGS_readiness_interval);
  config.min_client_connections = absl::GetFlag(FLAGS_min_client_connections);
  config.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  config.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  config.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  config.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  config.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  config.min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval);
  config.jwt = {.jwks_file = absl::GetFlag(FLAGS_jwks_file),
                .issuer = absl::GetFlag(FLAGS_jwt_issuer),
                .audience = absl::GetFlag(FLAGS_jwt_audience),
                .clock_skew = absl::GetFlag(FLAGS_jwt_clock_skew)};
  const int jwt_cache_size = absl::GetFlag(FLAGS_jwt_cache_size);
  config.jwt.cache_size = static_cast<size_t>(std::max(0, jwt_cache_size));
  config.jwks_refresh_interval = absl::GetFlag(FLAGS_jwks_refresh_interval);
  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  config.access_log = absl::GetFlag(FLAGS_access_log);
  config.access_log_flush_interval = absl::GetFlag(FLAGS_access_log_flush_interval);
  config.cache = {.max_entries = absl::GetFlag(FLAGS_cache_max_entries),
                  .max_bytes = absl::GetFlag(FLAGS_cache_max_bytes),
                  .ttl = absl::GetFlag(FLAGS_cache_ttl)};
  // An entry loaded from a replica right after its row changed may predate the change.
  config.cache.source_lag =
      config.replicas.urls.empty() ? absl::ZeroDuration() : db::StaleReadBound(config.replicas);
  config.change_feed_heartbeat = absl::GetFlag(FLAGS_change_feed_heartbeat);
  config.tls = {.cert_file = absl::GetFlag(FLAGS_tls_cert_file),
                .key_file = absl::GetFlag(FLAGS_tls_key_file),
                .client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file),
                .refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval)};
  config.page_token_key_file = absl::GetFlag(FLAGS_page_token_key_file);

  std::vector<std::string> errors;
  const auto bad = [&errors](absl::string_view flag, absl::string_view why) {
    errors.push_back(
        absl::StrCat("--", flag, " (env ", config::EnvironmentVariableFor(flag), ") ", why));
  };
  if (!ValidListenAddress(config.listen)) bad("listen", "must be host:port");
  if (config.pool.url.empty()) bad("database_url", "is required");
  if (std::find(config.replicas.urls.begin(), config.replicas.urls.end(), "") !=
      config.replicas.urls.end()) {
    bad("database_replica_url", "has an empty URL");
  }
  if (config.replicas.max_lag <= absl::ZeroDuration()) bad("max_replica_lag", "must be positive");
  if (config.replicas.check_interval < absl::Milliseconds(10) ||
      config.replicas.check_interval >= config.replicas.max_lag) {
    bad("replica_check_interval", "must be at least 10ms and less than --max_replica_lag");
  }
  if (config.pool.size < 1 || config.pool.size > 1000) bad("db_pool_size", "must be 1 to 1000");
  if (config.pool.max_waiters < 0) bad("db_max_waiters", "must not be negative");
  if (config.pool.connect_timeout < absl::Seconds(1)) {
    bad("db_connect_timeout", "must be at least 1s");
  }
  for (const auto& [flag, value] : {std::pair<absl::string_view, absl::Duration>{
                                        "db_tcp_user_timeout", config.pool.tcp_user_timeout},
                                    {"db_keepalives_idle", config.pool.keepalives_idle},
                                    {"db_keepalives_interval", config.pool.keepalives_interval}}) {
    if (value < absl::Seconds(1)) bad(flag, "must be at least 1s");
  }
  if (config.pool.keepalives_count < 1) bad("db_keepalives_count", "must be positive");
  if (config.pool.cancel_timeout <= absl::ZeroDuration()) {
    bad("db_cancel_timeout", "must be positive");
  }
  if (config.pool.reconnect_backoff_max < absl::Milliseconds(50)) {
    bad("db_reconnect_backoff_max", "must be at least 50ms");
  }
  if (config.max_call_timeout <= absl::ZeroDuration()) bad("max_call_timeout", "must be positive");
  if (config.access_log_flush_interval < absl::ZeroDuration()) {
    bad("access_log_flush_interval", "must not be negative");
  }
  if (config.shutdown_delay < absl::ZeroDuration()) bad("shutdown_delay", "must not be negative");
  if (config.drain_timeout < absl::ZeroDuration()) bad("drain_timeout", "must not be negative");
  if (config.readiness_interval < absl::Milliseconds(10)) {
    bad("readiness_interval", "must be at least 10ms");
  }
  if (config.min_client_connections < 1) bad("min_client_connections", "must be positive");
  if (config.max_concurrent_streams < 1) bad("max_concurrent_streams", "must be positive");
  for (const auto& [flag, value] :
       {std::pair<absl::string_view, absl::Duration>{"max_connection_age",
                                                     config.max_connection_age},
        {"max_connection_age_grace", config.max_connection_age_grace},
        {"keepalive_time", config.keepalive_time},
        {"keepalive_timeout", config.keepalive_timeout},
        {"min_client_ping_interval", config.min_client_ping_interval}}) {
    if (value <= absl::ZeroDuration()) bad(flag, "must be positive");
  }
  if (!config.jwt.jwks_file.empty() && config.jwt.issuer.empty()) {
    bad("jwt_issuer", "is required with --jwks_file");
  }
  if (!config.jwt.jwks_file.empty() && config.jwt.audience.empty()) {
    bad("jwt_audience", "is required with --jwks_file");
  }
  if (config.jwt.clock_skew < absl::ZeroDuration()) bad("jwt_clock_skew", "must not be negative");
  if (jwt_cache_size < 0) bad("jwt_cache_size", "must not be negative");
  if (config.jwks_refresh_interval <= absl::ZeroDuration()) {
    bad("jwks_refresh_interval", "must be positive");
  }
  if (config.cache.max_entries < 0) bad("cache_max_entries", "must not be negative");
  if (config.cache.max_bytes < 0) bad("cache_max_bytes", "must not be negative");
  if (config.cache.ttl <= absl::ZeroDuration()) bad("cache_ttl", "must be positive");
  if (config.change_feed_heartbeat < absl::Milliseconds(100)) {
    bad("change_feed_heartbeat", "must be at least 100ms");
  }
  if (config.tls.refresh_interval < absl::Seconds(1)) {
    bad("tls_refresh_interval", "must be at least 1s");
  }
  // The files themselves are checked when the server starts (CheckTlsFiles).
  if (!config.tls.enabled() && (!config.tls.key_file.empty() || config.tls.mutual())) {
    bad("tls_cert_file", "is required with --tls_key_file or --tls_client_ca_file");
  }
  if (config.tls.enabled() && config.tls.key_file.empty()) {
    bad("tls_key_file", "is required with --tls_cert_file");
  }
  static constexpr absl::string_view kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), config.log_level) == std::end(kLevels)) {
    bad("log_level", "must be one of trace, debug, info, warn, error");
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return config;
}

db::PoolOptions ChangeFeedOptions(const ServerConfig& config) {
  db::PoolOptions options = config.pool;
  options.url = config.database_listen_url;
  // Its own direct session: LISTEN, read-only and the check interval need session state.
  options.unnamed_statements = false;
  return options;
}

}  // namespace misc::server

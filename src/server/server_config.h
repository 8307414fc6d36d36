#ifndef MISC_SRC_SERVER_SERVER_CONFIG_H_
#define MISC_SRC_SERVER_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/auth/jwt_verifier.h"
#include "src/cache/keyed_cache.h"
#include "src/db/pool.h"
#include "src/server/tls_files.h"

namespace misc::server {

// Everything the platform of a server binary is configured with, read from its flags (and
// their environment variables, see src/config/env_flags.h). Only a hosted service's own
// flags (e.g. --area_refresh_interval) are read by its module instead.
struct ServerConfig {
  std::string listen;
  // The primary's pool; each read replica gets one like it (--db_pool_size connections each).
  db::PoolOptions pool;
  // Read replicas (--database_replica_url, --max_replica_lag, --replica_check_interval).
  db::ReplicaOptions replicas;
  absl::Duration max_call_timeout;
  absl::Duration shutdown_delay;
  absl::Duration drain_timeout;
  std::string log_level;
  absl::Duration readiness_interval;
  int min_client_connections;
  // gRPC transport limits.
  int max_concurrent_streams;
  absl::Duration max_connection_age;
  absl::Duration max_connection_age_grace;
  absl::Duration keepalive_time;
  absl::Duration keepalive_timeout;
  absl::Duration min_client_ping_interval;
  // Verification of user tokens (--jwks_file, --jwt_*), and how often the JWKS is reread.
  auth::JwtVerifierOptions jwt;
  absl::Duration jwks_refresh_interval;
  // host:port of the Prometheus endpoint; empty: none.
  std::string metrics_listen;
  // Whether every call writes one JSON access-log line.
  bool access_log;
  // How long access log lines may wait before being written together; 0: one write per line.
  absl::Duration access_log_flush_interval;
  // Read-through caches of services (--cache_max_entries, --cache_ttl), and the heartbeat of
  // the LISTEN session that keeps them exact (--change_feed_heartbeat).
  cache::CacheOptions cache;
  absl::Duration change_feed_heartbeat;
  // Where the change feed's LISTEN session connects (--database_listen_url, else
  // --database_url); empty with --db_unnamed_statements and no listen URL: no LISTEN session,
  // so the caches stay bypassed rather than serve what they were never told changed.
  std::string database_listen_url;
  // TLS of the serving listener (gRPC, or misc-rest's HTTP): off unless a certificate is set.
  TlsFiles tls;
  // The keys page tokens are MACed with (--page_token_key_file); empty: the development key.
  std::string page_token_key_file;
};

// Reads and validates every flag of the platform. Returns INVALID_ARGUMENT whose message names each
// bad flag and its environment variable.
absl::StatusOr<ServerConfig> ServerConfigFromFlags();

// Returns the options of the change feed's connection: the pool's, with
// `config.database_listen_url` (empty: the feed opens none) and session settings always sent.
db::PoolOptions ChangeFeedOptions(const ServerConfig& config);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_SERVER_CONFIG_H_

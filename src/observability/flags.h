#ifndef MISC_SRC_OBSERVABILITY_FLAGS_H_
#define MISC_SRC_OBSERVABILITY_FLAGS_H_

// The command-line flags of observability. Each may also be set by its environment variable
// (MISC_ACCESS_LOG, MISC_ACCESS_LOG_FLUSH_INTERVAL, MISC_METRICS_LISTEN; see
// src/config/env_flags.h).

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// Whether every gRPC call writes one JSON access-log line to stderr (default true).
ABSL_DECLARE_FLAG(bool, access_log);
ABSL_DECLARE_FLAG(absl::Duration, access_log_flush_interval);
// host:port of the Prometheus /metrics endpoint (default 127.0.0.1:9464); empty: none.
ABSL_DECLARE_FLAG(std::string, metrics_listen);

#endif  // MISC_SRC_OBSERVABILITY_FLAGS_H_

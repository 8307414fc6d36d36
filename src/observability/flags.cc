#include "src/observability/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(bool, access_log, true,
          "Write one JSON line per gRPC call to stderr: time, service, method, code, duration, "
          "peer, whether the caller was logged in, trace id. Never tokens or messages.");
ABSL_FLAG(absl::Duration, access_log_flush_interval, absl::Seconds(1),
          "How long access log lines may wait in memory before they are written to stderr "
          "together (sooner when 16 KiB wait, and at exit): one write per batch instead of per "
          "call. A crash loses at most this much of the log. 0: write every line at once.");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "host:port of the metrics listener: GET /metrics (Prometheus), GET /healthz and "
          "GET /readyz (probes). An IPv4 address, an IPv6 one in brackets or a host name; "
          "0.0.0.0:9464 for every interface, port 0 for any free port. Empty: no listener.");

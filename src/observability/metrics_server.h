#ifndef MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_
#define MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

#include <prometheus/collectable.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace misc::observability {

// The Prometheus endpoint: prometheus-cpp's pull exposer (civetweb, two worker threads)
// answering `GET /metrics` with what its collectables hold at that moment, in the text format
// 0.0.4, plus the exposer's own exposer_* metrics; 404 for paths outside /metrics.
class MetricsServer {
 public:
  // Listens on `listen` ("host:port" with an IPv4 address or host name; port 0 picks a free
  // port) and serves `collectables`, which the server keeps alive; what they read (a pool, a
  // registry...) must outlive the server. Returns INVALID_ARGUMENT for a malformed address or
  // an IPv6 one (Debian's civetweb is built without IPv6), UNAVAILABLE when the address cannot
  // be bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      absl::string_view listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  // Stops the server (see Stop).
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Stops listening and joins the server's threads; no collectable is read after it returns.
  // Idempotent; do not call from two threads at the same time.
  void Stop();

  // Returns the port the server listens on.
  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, std::string wake_host, int port,
                std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  std::unique_ptr<prometheus::Exposer> exposer_;
  const std::string wake_host_;  // An IPv4 address that reaches the listener.
  const int port_;
  const std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

#ifndef MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_
#define MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

#include <atomic>
#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/observability/registry.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace misc::observability {

// The Prometheus endpoint: an HTTP server on its own threads answering `GET /metrics` with
// the registry in the text format 0.0.4, and 404 for any other path.
class MetricsServer {
 public:
  // Listens on `listen` ("host:port", "[::1]:port"; port 0 picks a free port) and serves
  // `registry`, which must outlive the server. Returns INVALID_ARGUMENT for a malformed
  // address and UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(absl::string_view listen,
                                                              Registry& registry);

  // Stops the server (see Stop).
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Stops listening and joins the server's threads: at once when no scrape is in progress,
  // otherwise when it ends (at most about a second for a stalled client). Idempotent; do not
  // call from two threads at the same time.
  void Stop();

  // Returns the port the server listens on.
  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<httplib::Server> http, int port);

  std::unique_ptr<httplib::Server> http_;
  const int port_;
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
};

// Starts a MetricsServer on --metrics_listen serving `registry`; returns nullptr (and OK) when
// the flag is empty, else what MetricsServer::Start returns.
absl::StatusOr<std::unique_ptr<MetricsServer>> StartMetricsServerFromFlags(Registry& registry);

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

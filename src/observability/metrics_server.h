#ifndef MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_
#define MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

#include <prometheus/collectable.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::http {
class HttpServer;
}  // namespace misc::http

namespace misc::observability {

// The metrics listener of every server binary (--metrics_listen), served by the platform's
// HTTP/1.1 server (src/http/http_server.h):
// - GET /metrics: what its collectables hold at that moment, in the Prometheus text format
//   0.0.4 (`Content-Type: text/plain; charset=utf-8`), gzip-compressed when the scraper's
//   Accept-Encoding allows it;
// - GET /healthz: 200 while the process runs (liveness; it never looks at the database);
// - GET /readyz: 200 while SetReady(true) holds, 503 before that and after SetReady(false)
//   (readiness: the runner sets it from the server's overall health, see src/server/runner.cc);
// 404 for other paths, 405 for other methods. The probes answer `{"status":"SERVING"}` or
// `{"status":"NOT_SERVING"}`, as misc-rest's own /healthz and /readyz do.
//
// Bounded so that slow or idle clients cannot hold it (and the descriptors they use are
// budgeted): at most kMaxConnections open (more are closed as soon as they are accepted: no
// queue), kRequestTimeout for a whole request from its first byte (a client trickling bytes is
// closed when it runs out, however steadily it sends) and for writing the answer,
// kIdleTimeout waiting for a request, kMaxHeaderBytes of request line and headers, no body.
// Every connection is served asynchronously by two threads, so a slow client holds a socket,
// never a thread.
//
// Not prometheus-cpp's exposer: its civetweb (Debian's 1.15) gives each connection a worker
// thread (two here) and queues the rest; its request_timeout_ms does bound the whole request
// header (measured: a client trickling a byte every 200 ms is answered 400 and closed after
// 1 s), but only from when a worker takes the connection. 50 slow clients therefore kept
// /metrics waiting in that queue for more than 3 s (test/operations/metrics_listener_test.cc
// against it), and a thread per connection is the price of serving them all at once.
class MetricsServer {
 public:
  // Most connections open at once: part of the file descriptor budget (src/server/fd_budget.h).
  // Scrapers and probes need a handful; the rest is headroom against slow clients.
  static constexpr int kMaxConnections = 128;
  // How long a request may take to arrive whole once its first byte has, and how long writing
  // the answer may take. A scrape's request is one packet.
  static constexpr absl::Duration kRequestTimeout = absl::Seconds(5);
  // How long a connection may wait for its first request, or kept alive, for its next.
  static constexpr absl::Duration kIdleTimeout = absl::Seconds(5);
  // The request line and headers together.
  static constexpr size_t kMaxHeaderBytes = 8 << 10;

  // Listens on `listen` ("host:port": an IPv4 address, an IPv6 one in brackets or a host name;
  // port 0 picks a free port) and serves `collectables`, which the server keeps alive; what
  // they read (a pool, a registry...) must outlive the server. /readyz answers 503 until
  // SetReady(true). Returns INVALID_ARGUMENT for a malformed address or a host name that does
  // not resolve, UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      absl::string_view listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  // Stops the server (see Stop).
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Sets what GET /readyz answers from now on: 200 when `ready`, else 503. Thread-safe and
  // non-blocking.
  void SetReady(bool ready);

  // Stops listening, closes every connection and joins the server's threads; no collectable is
  // read after it returns. Idempotent; do not call from two threads at the same time.
  void Stop();

  // Returns the port the server listens on.
  int port() const { return port_; }

 private:
  class Handler;

  MetricsServer(std::unique_ptr<Handler> handler, std::unique_ptr<http::HttpServer> server);

  // Declared first: the server, which calls it, goes first.
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<http::HttpServer> server_;
  const int port_;
};

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_METRICS_SERVER_H_

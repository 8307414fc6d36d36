#ifndef MISC_SRC_SERVER_FRONT_H_
#define MISC_SRC_SERVER_FRONT_H_

#include <grpcpp/server.h>
#include <prometheus/registry.h>
#include <spdlog/logger.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "src/server/tls_files.h"

namespace misc::server {

// What a front is given once the hosted services run.
struct FrontEnv {
  // The gRPC server hosting the services, health (grpc.health.v1, kept up to date by
  // readiness) and every call's recording. With a front it listens on no port: the front
  // reaches it through InProcessChannel.
  grpc::Server& server;
  // The full names of the hosted services, e.g. "misc.area.v1.AreaService".
  const std::vector<std::string>& services;
  // The process's metrics (served on --metrics_listen).
  prometheus::Registry& metrics;
  // The access logger, or nullptr when --access_log is off.
  spdlog::logger* access_log;
  // The TLS the front's listener serves (--tls_*; checked by CheckTlsFiles), or none.
  const TlsFiles& tls;
};

// A way into the hosted services other than gRPC on --listen, for binaries whose callers speak
// another protocol: misc-rest's HTTP/JSON listener (src/rest/rest_front.h). The runner starts
// it once the services run and drains it on SIGTERM, after the shutdown delay and before
// the gRPC server, so calls it has in flight finish through the same drain.
class Front {
 public:
  virtual ~Front() = default;

  // Starts taking requests. An error stops the server at start.
  virtual absl::Status Start(const FrontEnv& env) = 0;

  // Where it listens, for the log ("127.0.0.1:8080").
  virtual std::string address() const = 0;

  // Most client connections it may hold open: part of the file descriptor budget.
  virtual int max_connections() const = 0;

  // Stops taking requests, lets those in flight finish until `deadline`, then closes what is
  // left. Returns when nothing is open.
  virtual void Drain(absl::Time deadline) = 0;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_FRONT_H_

#ifndef MISC_SRC_SERVER_RUNNER_H_
#define MISC_SRC_SERVER_RUNNER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "src/server/front.h"
#include "src/server/server_config.h"
#include "src/server/service_module.h"

namespace misc::server {

// Runs one gRPC server that hosts every service of `modules`, with health checking
// (grpc.health.v1: "" and each hosted service, plus "liveness") and server reflection, until
// SIGTERM or SIGINT. Then it reports NOT_SERVING, keeps serving for the shutdown delay,
// drains in-flight calls for at most the drain timeout and returns 0. Returns 1 when the
// server cannot start (a module fails to build, the address cannot be bound). Call
// BlockTerminationSignals() first.
//
// With a `front` (not owned), the gRPC server listens on no port (--listen is unused): callers
// reach the services through the front, which the runner starts once they run and drains, after
// the shutdown delay, before the gRPC server.
int RunServer(absl::string_view name, const ServerConfig& config,
              const std::vector<ServiceModule>& modules, Front* front = nullptr);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_RUNNER_H_

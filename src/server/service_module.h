#ifndef MISC_SRC_SERVER_SERVICE_MODULE_H_
#define MISC_SRC_SERVER_SERVICE_MODULE_H_

#include <grpcpp/impl/codegen/service_type.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/cache/cache_registry.h"
#include "src/db/change_feed.h"
#include "src/db/pool.h"
#include "src/pagination/page_token.h"
#include "src/refresh/refresher.h"
#include "src/server/call_runner.h"

namespace misc::server {

// The shared parts of the process a service may use. Owned by the runner and alive until
// every service has been destroyed.
struct ServiceEnv {
  db::Pool& pool;
  // Runs blocking work (database reads) of unary calls off gRPC's callback threads.
  CallRunner& calls;
  // Reloads in-memory data (master tables) in the background; register reloads while
  // creating the service. The runner starts it once every service is built.
  refresh::Refresher& refresher;
  // The process's one LISTEN session: subscribe while creating the service to hear of changed
  // rows (the runner starts it once every service is built).
  db::ChangeFeed& changes;
  // How big and how fresh read-through caches are, and where their metrics are registered.
  cache::CacheRegistry& caches;
  // Makes and reads the MACed page tokens of List methods, with the deployment's keys.
  const pagination::PageTokenCodec& page_tokens;
};

// A service built by a module, ready to register on the server.
struct HostedService {
  // Fully qualified proto name, e.g. "misc.restaurant.v1.RestaurantService"; the name under
  // which health reports the service.
  std::string full_name;
  std::unique_ptr<grpc::Service> service;
  // True when every answer comes from memory (snapshots the refresher keeps): the service
  // stays SERVING while the database is away, as long as its data has loaded once.
  bool serves_from_memory = false;
};

// How a server binary learns about one service: each service library exports one function
// returning its module, and main hands the list to the runner.
struct ServiceModule {
  // Short name, e.g. "restaurant"; used in logs.
  absl::string_view name;
  // Builds the service. An error stops the server at start with that message.
  std::function<absl::StatusOr<HostedService>(ServiceEnv&)> create;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_SERVICE_MODULE_H_

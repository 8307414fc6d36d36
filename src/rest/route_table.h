#ifndef MISC_SRC_REST_ROUTE_TABLE_H_
#define MISC_SRC_REST_ROUTE_TABLE_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/rest/path_template.h"

namespace misc::rest {

// One HTTP binding of a gRPC method, read from its google.api.http option.
struct Route {
  std::string http_method;  // "GET", "POST", "PUT", "PATCH" or "DELETE".
  PathTemplate path;
  // Where the request body goes: "" (no body), "*" (the whole request message) or the name of
  // one field of it.
  std::string body;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;  // "/package.Service/Method", as a gRPC client names it.
};

// What a request's method and path lead to.
struct RouteMatch {
  // The route, or nullptr when none has this method and path.
  const Route* route = nullptr;
  // The path's variables, when `route` is set.
  std::vector<PathBinding> bindings;
  // When `route` is nullptr: the HTTP methods of the routes with this path (405 with an Allow
  // header), or empty when no route has this path (404).
  std::vector<std::string> allowed_methods;
};

// Every HTTP route of a set of gRPC services, built from the google.api.http annotations in
// their descriptors rather than listed by hand: a new annotated RPC is served with no edit here.
class RouteTable {
 public:
  // Builds the routes of `services` (full names, e.g. "misc.area.v1.AreaService") from `pool`.
  // INVALID_ARGUMENT, naming the method, when a service is unknown, an RPC has no annotation or
  // streams, a template is unsupported or names a field the request lacks (or a repeated or
  // message field), the body names an unknown field, or two routes share a method and template.
  static absl::StatusOr<RouteTable> Build(const std::vector<std::string>& services,
                                          const google::protobuf::DescriptorPool& pool =
                                              *google::protobuf::DescriptorPool::generated_pool());

  // Finds the route for `http_method` and `path` (without the query).
  RouteMatch Find(absl::string_view http_method, absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace misc::rest

#endif  // MISC_SRC_REST_ROUTE_TABLE_H_

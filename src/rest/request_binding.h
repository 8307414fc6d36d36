#ifndef MISC_SRC_REST_REQUEST_BINDING_H_
#define MISC_SRC_REST_REQUEST_BINDING_H_

#include <google/protobuf/message.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "src/rest/path_template.h"
#include "src/rest/route_table.h"

namespace misc::rest {

// Fills `request` (an empty message of the route's input type) from an HTTP request, as
// grpc-gateway does, in this order:
// 1. the body, JSON in the proto3 mapping, into the whole message (body "*") or the field the
//    route names; unknown fields are refused. An empty body counts as `{}`; a route without a
//    body ignores one;
// 2. the path's variables, which win over the body;
// 3. the query's parameters (`name=value&...`, percent-encoded, '+' for a space), each naming a
//    field by its proto or JSON name, dotted into nested messages; a repeated field takes every
//    occurrence. Routes whose body is "*" take none.
// Returns INVALID_ARGUMENT with a google.rpc.BadRequest violation naming the field or parameter
// at fault: malformed JSON, a body that is not an object, an unknown field or parameter, a value
// of the wrong type or out of range, invalid UTF-8, or a singular field given twice. `request`
// must then be discarded: it may be partly filled.
absl::Status BindRequest(const Route& route, const std::vector<PathBinding>& path,
                         absl::string_view query, absl::string_view body,
                         google::protobuf::Message& request);

}  // namespace misc::rest

#endif  // MISC_SRC_REST_REQUEST_BINDING_H_

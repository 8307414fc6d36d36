#ifndef MISC_SRC_REST_ERROR_RESPONSE_H_
#define MISC_SRC_REST_ERROR_RESPONSE_H_

#include <grpcpp/support/status.h>

#include <string>

namespace misc::rest {

// The HTTP status of a gRPC status code, as grpc-gateway maps them (400 INVALID_ARGUMENT, 401
// UNAUTHENTICATED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504
// DEADLINE_EXCEEDED, 500 INTERNAL, 499 CANCELLED, ...).
int HttpStatusOf(grpc::StatusCode code);

// The JSON body of a failed call: a google.rpc.Status in the proto3 JSON mapping, e.g.
//   {"code":3,"message":"...","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest",
//    "fieldViolations":[{"field":"page_size","description":"..."}]}]}
// with the details `status` carries (its error_details, a serialized google.rpc.Status).
std::string StatusJson(const grpc::Status& status);

}  // namespace misc::rest

#endif  // MISC_SRC_REST_ERROR_RESPONSE_H_

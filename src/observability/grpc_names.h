#ifndef MISC_SRC_OBSERVABILITY_GRPC_NAMES_H_
#define MISC_SRC_OBSERVABILITY_GRPC_NAMES_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include "absl/strings/string_view.h"

namespace misc::observability {

// Returns the canonical name of `code` as the gRPC spec and grpc::StatusCode spell it ("OK",
// "NOT_FOUND", "UNAUTHENTICATED"); "UNKNOWN" for a value outside 0..16.
absl::string_view StatusCodeName(grpc::StatusCode code);

// Returns the grpc_code label value of `code` as go-grpc-prometheus spells it (Go's
// codes.Code.String(): "OK", "Canceled", "NotFound", "Unauthenticated"), so that dashboards
// built for Go services work unchanged; "Unknown" for a value outside 0..16.
absl::string_view PrometheusCodeName(grpc::StatusCode code);

// Returns the grpc_type label of a method kind, as go-grpc-prometheus names them: "unary",
// "client_stream", "server_stream" or "bidi_stream".
absl::string_view RpcTypeName(grpc::experimental::ServerRpcInfo::Type type);

// The two parts of a full method name "/package.Service/Method".
struct MethodName {
  absl::string_view service;  // "package.Service"
  absl::string_view method;   // "Method"
};

// Splits a full method name into service and method. A name not of the form "/service/method"
// yields service "unknown" and the whole name (without a leading '/') as the method.
MethodName SplitMethodName(absl::string_view full_method);

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_GRPC_NAMES_H_

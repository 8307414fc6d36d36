#ifndef MISC_SRC_REST_GRPC_TIMEOUT_H_
#define MISC_SRC_REST_GRPC_TIMEOUT_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::rest {

// The HTTP header misc-rest takes a request's deadline from, as grpc-gateway does.
inline constexpr char kGrpcTimeoutHeader[] = "grpc-timeout";

// Parses a timeout in gRPC's wire format (the `grpc-timeout` header of the gRPC over HTTP/2
// protocol): 1 to 8 digits and a unit, H (hours), M (minutes), S (seconds), m (milliseconds),
// u (microseconds) or n (nanoseconds), e.g. "250m" or "5S". nullopt when malformed.
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view text);

}  // namespace misc::rest

#endif  // MISC_SRC_REST_GRPC_TIMEOUT_H_

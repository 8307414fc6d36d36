#ifndef MISC_SRC_STATUS_GRPC_STATUS_H_
#define MISC_SRC_STATUS_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace misc::status {

// Converts `status` to the gRPC status a caller sees: same code and message, and every
// payload (e.g. google.rpc.BadRequest) as a detail of a serialized google.rpc.Status in the
// `grpc-status-details-bin` trailer. INTERNAL and UNKNOWN messages are replaced by a generic
// text, so a missed internal detail never reaches a caller.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace misc::status

#endif  // MISC_SRC_STATUS_GRPC_STATUS_H_

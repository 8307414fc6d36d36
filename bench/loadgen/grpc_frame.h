#ifndef MISC_BENCH_LOADGEN_GRPC_FRAME_H_
#define MISC_BENCH_LOADGEN_GRPC_FRAME_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"

namespace misc::loadgen {

// Returns `message` as one gRPC length-prefixed message: a zero byte (not compressed), the
// length as 4 bytes big-endian, then the serialized message. This is the body of a unary
// gRPC request, what `h2load -d FILE` must send.
std::string GrpcFrame(const google::protobuf::Message& message);

// Writes GrpcFrame(message) to `path`. Returns INTERNAL naming the path when it cannot.
absl::Status WriteGrpcFrame(const std::string& path, const google::protobuf::Message& message);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_GRPC_FRAME_H_

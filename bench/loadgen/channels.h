#ifndef MISC_BENCH_LOADGEN_CHANNELS_H_
#define MISC_BENCH_LOADGEN_CHANNELS_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace misc::loadgen {

// Opens `count` insecure channels to `target`, each its own HTTP/2 connection, and waits up
// to `timeout` for every one to connect. Returns UNAVAILABLE naming the target when one does
// not, so a run never starts against a server that is not there.
absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> ConnectChannels(
    const std::string& target, int count, absl::Duration timeout);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_CHANNELS_H_

#include "bench/loadgen/channels.h"

#include <grpc/grpc.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace misc::loadgen {

absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> ConnectChannels(
    const std::string& target, int count, absl::Duration timeout) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const absl::Time deadline = absl::Now() + timeout;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Channels with equal arguments share subchannels (and so one TCP connection) through
    // gRPC's global pool. A pool of its own per channel, and an argument that differs, make
    // each channel a separate connection, as separate clients would be.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("misc.loadgen.channel", i);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  for (int i = 0; i < count; ++i) {
    if (!channels[i]->WaitForConnected(absl::ToChronoTime(deadline))) {
      return absl::UnavailableError(absl::StrCat("channel ", i + 1, " of ", count,
                                                 " could not connect to ", target, " within ",
                                                 absl::FormatDuration(timeout)));
    }
  }
  return channels;
}

}  // namespace misc::loadgen

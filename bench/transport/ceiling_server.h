#ifndef MISC_BENCH_TRANSPORT_CEILING_SERVER_H_
#define MISC_BENCH_TRANSPORT_CEILING_SERVER_H_

#include <grpcpp/server_builder.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/transport/answers.h"

namespace misc::transport {

// A running ceiling server: misc's memory-served methods (Health/Check, ListGenres,
// CheckRolloutTarget, GetArea) answered from `Answers`, on a plain gRPC server with no
// interceptors, metrics, auth or reflection. Other methods of those services are not served.
class CeilingServer {
 public:
  virtual ~CeilingServer() = default;

  // The port it listens on (the one the system chose when asked for port 0).
  virtual int port() const = 0;

  // Stops accepting calls, cancels those in flight after a short grace and returns once every
  // thread of the server has ended. Call once.
  virtual void Shutdown() = 0;
};

// What a ceiling server sets on its builder beyond gRPC's defaults: none by default, so that it
// measures the bare transport; each can be turned on to see what that setting of misc-server
// costs on its own (bench/callgrind-per-call.sh).
struct TransportSettings {
  // GRPC_ARG_MAX_CONNECTION_AGE_MS, as misc-server's --max_connection_age sets it; zero leaves
  // it unset, and gRPC then adds no max-age filter to the channel's stack.
  absl::Duration max_connection_age = absl::ZeroDuration();
};

// Applies `settings` to `builder`.
inline void ApplyTransportSettings(const TransportSettings& settings,
                                   grpc::ServerBuilder& builder) {
  if (settings.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(
        GRPC_ARG_MAX_CONNECTION_AGE_MS,
        static_cast<int>(absl::ToInt64Milliseconds(settings.max_connection_age)));
  }
}

// Starts a server on the callback API (CallbackService, ServerUnaryReactor: the API misc-server
// uses), threads managed by gRPC. `answers` must outlive the server. Returns UNAVAILABLE when
// it cannot listen on `listen`.
absl::StatusOr<std::unique_ptr<CeilingServer>> StartCallbackServer(
    const std::string& listen, const Answers& answers, const TransportSettings& settings = {});

// Starts a server on the asynchronous API: `threads` completion queues, each drained by its
// own thread. Methods it does not serve are registered but never requested: a call to one waits
// for its deadline. `answers` must outlive the server. Returns UNAVAILABLE when it cannot
// listen on `listen`.
absl::StatusOr<std::unique_ptr<CeilingServer>> StartAsyncServer(
    const std::string& listen, int threads, const Answers& answers,
    const TransportSettings& settings = {});

}  // namespace misc::transport

#endif  // MISC_BENCH_TRANSPORT_CEILING_SERVER_H_

#ifndef MISC_BENCH_TRANSPORT_CEILING_SERVER_H_
#define MISC_BENCH_TRANSPORT_CEILING_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
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

// Starts a server on the callback API (CallbackService, ServerUnaryReactor: the API misc-server
// uses), threads managed by gRPC. `answers` must outlive the server. Returns UNAVAILABLE when
// it cannot listen on `listen`.
absl::StatusOr<std::unique_ptr<CeilingServer>> StartCallbackServer(const std::string& listen,
                                                                   const Answers& answers);

// Starts a server on the asynchronous API: `threads` completion queues, each drained by its
// own thread. Methods it does not serve are registered but never requested: a call to one waits
// for its deadline. `answers` must outlive the server. Returns UNAVAILABLE when it cannot
// listen on `listen`.
absl::StatusOr<std::unique_ptr<CeilingServer>> StartAsyncServer(const std::string& listen,
                                                                int threads,
                                                                const Answers& answers);

}  // namespace misc::transport

#endif  // MISC_BENCH_TRANSPORT_CEILING_SERVER_H_

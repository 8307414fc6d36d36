#ifndef MISC_SRC_SERVER_CONNECTION_ACCEPTOR_H_
#define MISC_SRC_SERVER_CONNECTION_ACCEPTOR_H_

#include <grpcpp/server_builder.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/log/warning_limiter.h"

namespace misc::server {

// What a ConnectionAcceptor listens on and how many connections it may hold.
struct ConnectionAcceptorOptions {
  // host:port: an IPv4 or IPv6 address ([::]:50051), or a host name (every address it resolves
  // to). Port 0 picks a free port.
  std::string listen;
  // Descriptors the accepted connections may use, above those the process held when the
  // acceptor started (FdBudget::client_connections): a connection past them is closed at once.
  int64_t max_connections = 0;
  // Called (on the accept thread) for each connection closed at once: past max_connections, or
  // shed while the process had no descriptor left.
  std::function<void()> on_refused;
};

// misc's own listener for the gRPC port, in place of gRPC's: it accepts connections and hands
// each to gRPC (ServerBuilder's FROM_FD external connection acceptor), which then runs the
// handshake (TLS or not) and HTTP/2 as for its own.
//
// Why: gRPC 1.51's accept loop stops for good after one accept4() fails with EMFILE
// (CVE-2023-4785, docs/security.md), and no option bounds its connections. This one closes a
// connection at once when it would take a descriptor past the budget, and when accept4() fails
// with EMFILE or ENFILE it frees a spare descriptor it holds, accepts and closes one connection
// and takes the spare back (libev's and nginx's trick), so the listen queue drains, then backs
// off briefly. It never stops accepting until Stop().
class ConnectionAcceptor {
 public:
  // Binds and listens on `options.listen`. Returns UNAVAILABLE "cannot listen on <listen>: ..."
  // when no address of it can be bound (the port is taken, the host does not resolve).
  static absl::StatusOr<std::unique_ptr<ConnectionAcceptor>> Listen(
      ConnectionAcceptorOptions options);

  ConnectionAcceptor(const ConnectionAcceptor&) = delete;
  ConnectionAcceptor& operator=(const ConnectionAcceptor&) = delete;
  // Stops accepting (see Stop).
  ~ConnectionAcceptor();

  // The bound port (the one picked when the address said 0).
  int port() const { return port_; }

  // Starts the accept thread, which hands every connection to `grpc` (from
  // ServerBuilder::experimental().AddExternalConnectionAcceptor(FROM_FD, ...), the server
  // built and started). Call once.
  void Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> grpc);

  // Stops accepting and closes the listening sockets: returns once the accept thread has ended,
  // so nothing is handed to gRPC afterwards. Connections still in the listen queue are reset,
  // as when gRPC's own listener shuts down. Idempotent.
  void Stop();

  // Connections closed at once so far (see ConnectionAcceptorOptions::on_refused).
  int64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  ConnectionAcceptor(ConnectionAcceptorOptions options, std::vector<int> listeners, int port);

  void AcceptLoop();
  // Accepts what `listener` has queued, until it is empty or an error made it back off.
  void AcceptQueued(int listener);
  // Closes `fd` at once, counts it and (rate-limited) says why.
  void Refuse(int fd, const char* cause, const std::string& detail);
  // Waits `delay`, or less when Stop() is called.
  void BackOff(absl::Duration delay);

  const ConnectionAcceptorOptions options_;
  const std::vector<int> listeners_;
  const int port_;
  const int wake_fd_;       // An eventfd: Stop() writes it to end poll().
  int spare_fd_;            // /dev/null, freed on EMFILE to make room to shed one connection.
  int64_t fd_ceiling_ = 0;  // Accepted descriptors at or above it are closed at once.
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> grpc_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> refused_{0};
  log::WarningLimiter warnings_;
  std::thread thread_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_CONNECTION_ACCEPTOR_H_

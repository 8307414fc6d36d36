#include "src/server/connection_acceptor.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace misc::server {
namespace {

// After EMFILE/ENFILE (one connection shed): long enough not to spin while descriptors are
// short, short enough that the listen queue drains at about a hundred connections a second.
constexpr absl::Duration kNoDescriptorBackoff = absl::Milliseconds(10);
// After any other accept error (ENOBUFS, ENOMEM, ...): the kernel needs time, not retries.
constexpr absl::Duration kErrorBackoff = absl::Milliseconds(100);

std::string ErrnoText(int error) { return std::strerror(error); }

int OpenSpare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

// Returns a listening socket bound to `address` (port `port` when not 0), or -1 with errno set.
int ListenOn(const addrinfo& address, int port) {
  sockaddr_storage bound{};
  std::memcpy(&bound, address.ai_addr, address.ai_addrlen);
  if (port != 0) {
    if (address.ai_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&bound)->sin_port = htons(port);
    } else {
      reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port = htons(port);
    }
  }
  const int fd = ::socket(address.ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  const int zero = 0;
  // Like gRPC's listener: SO_REUSEADDR (a restart does not wait for TIME_WAIT), an IPv6
  // wildcard that takes IPv4 too, and TCP_NODELAY, which accepted sockets inherit. Not
  // SO_REUSEPORT: a port another process holds must fail ("cannot listen on").
  bool ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
  if (ok && address.ai_family == AF_INET6) {
    ok = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) == 0;
  }
  ok = ok && ::bind(fd, reinterpret_cast<const sockaddr*>(&bound), address.ai_addrlen) == 0 &&
       ::listen(fd, SOMAXCONN) == 0;
  if (!ok) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

// Listening sockets on one port.
struct Bound {
  std::vector<int> fds;
  int port = 0;
};

// Returns the port `fd` is bound to, or 0.
int BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
}

// Listens on every address `host` resolves to, like gRPC: localhost is 127.0.0.1 and ::1. The
// first that binds decides the port when `port` is 0; one that does not bind after it (no IPv6
// here, a duplicate) is skipped, as gRPC does. Returns UNAVAILABLE with the reason when none
// binds.
absl::StatusOr<Bound> BindEvery(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* resolved = nullptr;
  if (const int error = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                                      absl::StrCat(port).c_str(), &hints, &resolved);
      error != 0) {
    return absl::UnavailableError(::gai_strerror(error));
  }
  Bound bound{.fds = {}, .port = port};
  std::string error = "no address";
  for (const addrinfo* address = resolved; address != nullptr; address = address->ai_next) {
    if (address->ai_family != AF_INET && address->ai_family != AF_INET6) continue;
    const int fd = ListenOn(*address, bound.port);
    if (fd < 0) {
      if (bound.fds.empty()) error = ErrnoText(errno);
      continue;
    }
    if (bound.port == 0) bound.port = BoundPort(fd);
    bound.fds.push_back(fd);
  }
  ::freeaddrinfo(resolved);
  if (bound.fds.empty()) return absl::UnavailableError(error);
  return bound;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConnectionAcceptor>> ConnectionAcceptor::Listen(
    ConnectionAcceptorOptions options) {
  const auto cannot = [&options](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen, ": ", why));
  };
  const size_t colon = options.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(options.listen).substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return cannot("not host:port");
  }
  absl::string_view host_view = absl::string_view(options.listen).substr(0, colon);
  // [::]:50051: getaddrinfo wants the address without its brackets.
  if (absl::ConsumePrefix(&host_view, "[")) absl::ConsumeSuffix(&host_view, "]");
  const std::string host(host_view);

  absl::StatusOr<Bound> bound = BindEvery(host, port);
  // Like gRPC: the IPv6 wildcard falls back to the IPv4 one on a host without IPv6.
  if (!bound.ok() && host == "::") bound = BindEvery("0.0.0.0", port);
  if (!bound.ok()) return cannot(bound.status().message());
  return std::unique_ptr<ConnectionAcceptor>(
      new ConnectionAcceptor(std::move(options), std::move(bound->fds), bound->port));
}

ConnectionAcceptor::ConnectionAcceptor(ConnectionAcceptorOptions options,
                                       std::vector<int> listeners, int port)
    : options_(std::move(options)),
      listeners_(std::move(listeners)),
      port_(port),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      spare_fd_(OpenSpare()) {}

ConnectionAcceptor::~ConnectionAcceptor() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (spare_fd_ >= 0) ::close(spare_fd_);
}

void ConnectionAcceptor::Start(
    std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> grpc) {
  grpc_ = std::move(grpc);
  // Descriptors are handed out lowest first, so the lowest free one says about how many the
  // process holds now (stdio, logs, epoll, the pool, the listeners): the connections get
  // max_connections more. A database connection opened later takes one of theirs, which keeps
  // the total within the budget.
  const int lowest_free = OpenSpare();
  fd_ceiling_ = (lowest_free >= 0 ? lowest_free : spare_fd_ + 1) + options_.max_connections;
  if (lowest_free >= 0) ::close(lowest_free);
  thread_ = std::thread([this] { AcceptLoop(); });
}

void ConnectionAcceptor::Stop() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  if (wake_fd_ >= 0 && ::write(wake_fd_, &one, sizeof one) < 0) {
    // Nothing to do: poll() times out below (the loop never blocks longer than kErrorBackoff
    // without a wake-up fd).
  }
  if (thread_.joinable()) thread_.join();
  for (const int fd : listeners_) ::close(fd);
}

void ConnectionAcceptor::AcceptLoop() {
  std::vector<pollfd> polled;
  for (const int fd : listeners_) polled.push_back({.fd = fd, .events = POLLIN, .revents = 0});
  polled.push_back({.fd = wake_fd_, .events = POLLIN, .revents = 0});
  const int timeout_ms =
      wake_fd_ >= 0 ? -1 : static_cast<int>(absl::ToInt64Milliseconds(kErrorBackoff));
  while (!stopping_.load()) {
    for (pollfd& entry : polled) entry.revents = 0;
    if (::poll(polled.data(), polled.size(), timeout_ms) < 0 && errno != EINTR) {
      warnings_.Warn("gRPC listener: poll failed", ErrnoText(errno));
      BackOff(kErrorBackoff);
      continue;
    }
    for (size_t i = 0; i < listeners_.size() && !stopping_.load(); ++i) {
      if (polled[i].revents != 0) AcceptQueued(listeners_[i]);
    }
  }
}

void ConnectionAcceptor::AcceptQueued(int listener) {
  while (!stopping_.load()) {
    // Non-blocking and close-on-exec, as gRPC's own accept: its FROM_FD handler takes the
    // descriptor as it is.
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) return;
      // The peer gave up, or a signal: the next one may be fine (accept(2)'s advice).
      if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
      if (error == EMFILE || error == ENFILE) {
        // No descriptor for the connection: make one, to take it off the queue and close it,
        // so the listen queue keeps moving and clients learn at once.
        if (spare_fd_ >= 0) ::close(spare_fd_);
        const int shed = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        spare_fd_ = OpenSpare();
        if (shed >= 0) {
          Refuse(shed, "gRPC connections shed: no file descriptor left",
                 absl::StrCat(ErrnoText(error), " (misc_grpc_connections_refused_total)"));
        }
        BackOff(kNoDescriptorBackoff);
        return;
      }
      warnings_.Warn("gRPC listener: accept4 failed", ErrnoText(error));
      BackOff(kErrorBackoff);
      return;
    }
    if (fd >= fd_ceiling_) {
      Refuse(fd, "gRPC connections refused past the descriptor budget",
             absl::StrCat("descriptor ", fd, " of at most ", fd_ceiling_ - 1, " (",
                          options_.max_connections,
                          " client connections; misc_grpc_connections_refused_total)"));
      continue;
    }
    // gRPC's listener sets it on every connection (accepted ones inherit it from ours too;
    // set anyway, it costs a system call): calls are small writes that must not wait.
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters connection;
    connection.listener_fd = listener;
    connection.fd = fd;
    // gRPC owns the descriptor from here (it closes it itself when the server is not started
    // or is shut down).
    grpc_->HandleNewConnection(&connection);
  }
}

void ConnectionAcceptor::Refuse(int fd, const char* cause, const std::string& detail) {
  ::close(fd);
  refused_.fetch_add(1, std::memory_order_relaxed);
  if (options_.on_refused) options_.on_refused();
  warnings_.Warn(cause, detail);
}

void ConnectionAcceptor::BackOff(absl::Duration delay) {
  pollfd wake{.fd = wake_fd_, .events = POLLIN, .revents = 0};
  ::poll(&wake, wake_fd_ >= 0 ? 1 : 0, static_cast<int>(absl::ToInt64Milliseconds(delay)));
}

}  // namespace misc::server

#include "test/support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace misc::testing {
namespace {

// The most bytes one direction of a connection holds before the proxy stops reading its source.
constexpr size_t kMaxBuffered = 4 << 20;
constexpr size_t kReadSize = 64 << 10;

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// Returns a non-blocking socket listening on 127.0.0.1:`port` (0: any free port).
absl::StatusOr<int> Listen(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = Loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 128) != 0) {
    absl::Status status = ErrnoError(absl::StrCat("listen on 127.0.0.1:", port));
    close(fd);
    return status;
  }
  return fd;
}

int LocalPort(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  return ntohs(address.sin_port);
}

// Closes `fd` with a reset (RST) instead of an orderly FIN.
void Abort(int fd) {
  if (fd < 0) return;
  const linger no_linger = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
  close(fd);
}

// Bytes read from one side, to be written to the other at `due`.
struct Chunk {
  absl::Time due;
  std::string data;
  size_t written = 0;
};

// One direction of a proxied connection.
struct Flow {
  std::deque<Chunk> chunks;
  size_t buffered = 0;
  bool source_done = false;  // The source sent FIN: shut the destination once drained.
  bool shut = false;         // The destination has been shut for writing.

  bool HasDue(absl::Time now) const { return !chunks.empty() && chunks.front().due <= now; }
  bool CanRead() const { return !source_done && buffered < kMaxBuffered; }
};

struct Connection {
  int client = -1;
  int upstream = -1;
  bool connecting = true;  // The upstream connect() has not completed yet.
  Flow to_upstream;
  Flow to_client;
  bool failed = false;  // Reset both sides and drop.

  bool Finished() const { return to_upstream.shut && to_client.shut; }
};

// Reads what `from` has into `flow`, due after `latency`. Returns false on a socket error.
bool ReadInto(int from, Flow& flow, absl::Duration latency) {
  while (flow.CanRead()) {
    std::string buffer(kReadSize, '\0');
    const ssize_t n = read(from, buffer.data(), buffer.size());
    if (n > 0) {
      buffer.resize(static_cast<size_t>(n));
      flow.buffered += buffer.size();
      flow.chunks.push_back({.due = absl::Now() + latency, .data = std::move(buffer)});
      continue;
    }
    if (n == 0) {
      flow.source_done = true;
      return true;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  return true;
}

// Writes the chunks of `flow` that are due to `to`. Returns false on a socket error.
bool WriteFrom(Flow& flow, int to) {
  while (flow.HasDue(absl::Now())) {
    Chunk& chunk = flow.chunks.front();
    const ssize_t n = send(to, chunk.data.data() + chunk.written, chunk.data.size() - chunk.written,
                           MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    chunk.written += static_cast<size_t>(n);
    if (chunk.written < chunk.data.size()) return true;
    flow.buffered -= chunk.data.size();
    flow.chunks.pop_front();
  }
  return true;
}

// Shuts `to` for writing once `flow`'s source has ended and everything has been written.
void ShutWhenDrained(Flow& flow, int to) {
  if (flow.source_done && flow.chunks.empty() && !flow.shut) {
    shutdown(to, SHUT_WR);
    flow.shut = true;
  }
}

// Starts a non-blocking connect to 127.0.0.1:`port`; returns -1 when it fails at once.
int ConnectUpstream(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// Returns how long poll() may sleep: until the next delayed chunk falls due (chunks already due
// wait for POLLOUT instead), or forever (-1).
int PollTimeoutMs(const std::list<Connection>& connections, bool forwarding) {
  if (!forwarding) return -1;
  const absl::Time now = absl::Now();
  absl::Time earliest = absl::InfiniteFuture();
  for (const Connection& c : connections) {
    for (const Flow* flow : {&c.to_upstream, &c.to_client}) {
      if (!flow->chunks.empty() && flow->chunks.front().due > now) {
        earliest = std::min(earliest, flow->chunks.front().due);
      }
    }
  }
  if (earliest == absl::InfiniteFuture()) return -1;
  const absl::Duration wait = earliest - absl::Now();
  if (wait <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))));
}

// What FaultProxy::Apply waits for: the event loop has applied generation `wanted`.
struct Generation {
  const int64_t* applied;
  int64_t wanted;

  static bool Reached(Generation* g) { return *g->applied >= g->wanted; }
};

}  // namespace

const char* FaultModeName(FaultMode mode) {
  switch (mode) {
    case FaultMode::kPass:
      return "pass";
    case FaultMode::kBlackhole:
      return "blackhole";
    case FaultMode::kReset:
      return "reset";
    case FaultMode::kRefuse:
      return "refuse";
    case FaultMode::kLatency:
      return "latency";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(int upstream_port) {
  absl::StatusOr<int> listener = Listen(0);
  if (!listener.ok()) return listener.status();
  const int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    close(*listener);
    return ErrnoError("eventfd");
  }
  std::unique_ptr<FaultProxy> proxy(
      new FaultProxy(*listener, LocalPort(*listener), upstream_port, wake_fd));
  proxy->thread_ = std::thread([p = proxy.get()] { p->Run(); });
  return proxy;
}

FaultProxy::FaultProxy(int listener, int port, int upstream_port, int wake_fd)
    : port_(port), upstream_port_(upstream_port), wake_fd_(wake_fd), listener_(listener) {}

FaultProxy::~FaultProxy() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  close(wake_fd_);
}

absl::Status FaultProxy::SetMode(FaultMode mode, absl::Duration latency) {
  {
    absl::MutexLock lock(&mu_);
    mode_ = mode;
    latency_ = mode == FaultMode::kLatency ? latency : absl::ZeroDuration();
  }
  return Apply();
}

void FaultProxy::ResetConnections() {
  {
    absl::MutexLock lock(&mu_);
    reset_requested_ = true;
  }
  (void)Apply();
}

FaultMode FaultProxy::mode() const {
  absl::MutexLock lock(&mu_);
  return mode_;
}

absl::Status FaultProxy::Apply() {
  int64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    generation = ++requested_;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  absl::MutexLock lock(&mu_);
  Generation wanted = {.applied = &applied_, .wanted = generation};
  mu_.Await(absl::Condition(&Generation::Reached, &wanted));
  return listen_status_;
}

void FaultProxy::Run() {
  std::list<Connection> connections;
  const auto fail_all = [&connections] {
    for (Connection& c : connections) c.failed = true;
  };

  while (true) {
    // Take the request of SetMode & co. and apply what must happen at once.
    FaultMode mode = FaultMode::kPass;
    absl::Duration latency = absl::ZeroDuration();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      mode = mode_;
      latency = latency_;
      if (reset_requested_ || mode == FaultMode::kReset) fail_all();
      reset_requested_ = false;
      if (mode == FaultMode::kRefuse && listener_ >= 0) {
        close(listener_);  // Also resets connections not yet accepted.
        listener_ = -1;
      } else if (mode != FaultMode::kRefuse && listener_ < 0) {
        absl::StatusOr<int> listener = Listen(port_);
        listen_status_ = listener.status();
        if (listener.ok()) listener_ = *listener;
      }
    }
    for (auto it = connections.begin(); it != connections.end();) {
      if (it->failed) {
        Abort(it->client);
        Abort(it->upstream);
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
    open_.store(static_cast<int64_t>(connections.size()));
    {
      absl::MutexLock lock(&mu_);
      applied_ = requested_;
    }

    // Blackhole: the connections' sockets are not polled at all, so nothing is read or
    // written (and a peer's FIN or RST goes unnoticed until the mode changes). In kReset there
    // are none; in kRefuse the open ones pass.
    const bool forwarding = mode != FaultMode::kBlackhole;
    std::vector<pollfd> fds = {{.fd = wake_fd_, .events = POLLIN, .revents = 0}};
    if (listener_ >= 0) fds.push_back({.fd = listener_, .events = POLLIN, .revents = 0});
    const absl::Time now = absl::Now();
    std::vector<Connection*> polled;
    if (forwarding) {
      for (Connection& c : connections) {
        int16_t client_events = 0;
        int16_t upstream_events = 0;
        if (c.to_upstream.CanRead()) client_events |= POLLIN;
        if (c.to_client.HasDue(now)) client_events |= POLLOUT;
        if (c.connecting) {
          upstream_events = POLLOUT;
        } else {
          if (c.to_client.CanRead()) upstream_events |= POLLIN;
          if (c.to_upstream.HasDue(now)) upstream_events |= POLLOUT;
        }
        fds.push_back({.fd = c.client, .events = client_events, .revents = 0});
        fds.push_back({.fd = c.upstream, .events = upstream_events, .revents = 0});
        polled.push_back(&c);
      }
    }
    const int timeout_ms = PollTimeoutMs(connections, forwarding);
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;

    if (fds[0].revents != 0) {
      uint64_t count = 0;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    if (listener_ >= 0 && (fds[1].revents & POLLIN) != 0) {
      while (true) {
        const int client = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) break;
        accepted_.fetch_add(1);
        if (mode == FaultMode::kReset) {
          Abort(client);
          continue;
        }
        const int upstream = ConnectUpstream(upstream_port_);
        if (upstream < 0) {
          Abort(client);
          continue;
        }
        Connection& c = connections.emplace_back();
        c.client = client;
        c.upstream = upstream;
      }
    }
    const size_t first = listener_ >= 0 ? 2 : 1;
    for (size_t i = 0; i < polled.size(); ++i) {
      Connection& c = *polled[i];
      const int16_t client_revents = fds[first + 2 * i].revents;
      const int16_t upstream_revents = fds[first + 2 * i + 1].revents;
      if (c.connecting && upstream_revents != 0) {
        int error = 0;
        socklen_t length = sizeof(error);
        getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &error, &length);
        c.connecting = false;
        if (error != 0) c.failed = true;  // The database is gone: reset the client too.
        continue;
      }
      if ((client_revents & POLLERR) != 0 || (upstream_revents & POLLERR) != 0) {
        c.failed = true;
        continue;
      }
      bool ok = true;
      if ((client_revents & (POLLIN | POLLHUP)) != 0 && c.to_upstream.CanRead()) {
        ok = ok && ReadInto(c.client, c.to_upstream, latency);
      }
      if (!c.connecting && (upstream_revents & (POLLIN | POLLHUP)) != 0 && c.to_client.CanRead()) {
        ok = ok && ReadInto(c.upstream, c.to_client, latency);
      }
      if (!c.connecting) ok = ok && WriteFrom(c.to_upstream, c.upstream);
      ok = ok && WriteFrom(c.to_client, c.client);
      if (!ok) {
        c.failed = true;
        continue;
      }
      if (!c.connecting) ShutWhenDrained(c.to_upstream, c.upstream);
      ShutWhenDrained(c.to_client, c.client);
    }
    for (auto it = connections.begin(); it != connections.end();) {
      if (it->failed) {
        Abort(it->client);
        Abort(it->upstream);
        it = connections.erase(it);
      } else if (it->Finished()) {
        close(it->client);
        close(it->upstream);
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
    open_.store(static_cast<int64_t>(connections.size()));
  }

  for (Connection& c : connections) {
    Abort(c.client);
    Abort(c.upstream);
  }
  open_.store(0);
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

}  // namespace misc::testing

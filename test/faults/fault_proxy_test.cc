// FaultProxy in front of a tiny echo server: each mode does what it says, both ways, for the
// connections already open and for new ones.
#include "test/support/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/support/eventually.h"

namespace misc::testing {
namespace {

// How long a test waits for bytes it expects; and how long it watches for bytes that must not
// come.
constexpr absl::Duration kArrives = absl::Seconds(5);
constexpr absl::Duration kSilence = absl::Milliseconds(300);

// Echoes every byte back on each connection, one thread per connection.
class EchoServer {
 public:
  EchoServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(listener_, 64) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "echo server cannot listen";
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~EchoServer() {
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    close(listener_);
    absl::MutexLock lock(&mu_);
    for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
    for (std::thread& t : echoes_) t.join();
    for (int fd : sockets_) close(fd);
  }

  int port() const { return port_; }

 private:
  void Accept() {
    while (true) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      absl::MutexLock lock(&mu_);
      sockets_.push_back(fd);
      echoes_.emplace_back([fd] {
        char buffer[4096];
        ssize_t n;
        while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
          if (send(fd, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) return;
        }
        shutdown(fd, SHUT_WR);  // The client is done: so is the echo.
      });
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> sockets_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> echoes_ ABSL_GUARDED_BY(mu_);
};

// A client connection to the proxy. Connect() returns the errno of connect() (0 on success).
class Client {
 public:
  explicit Client(int port) : port_(port) {}
  ~Client() {
    if (fd_ >= 0) close(fd_);
  }

  int Connect() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port_));
    return connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 ? 0 : errno;
  }

  bool Send(const std::string& text) {
    return send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }

  // Reads until `size` bytes arrived, the peer closed or failed, or `timeout` passed. Sets
  // `error` to the errno of a failed read (0 otherwise).
  std::string Receive(size_t size, absl::Duration timeout, int* error = nullptr) {
    std::string received;
    const absl::Time deadline = absl::Now() + timeout;
    if (error != nullptr) *error = 0;
    while (received.size() < size) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      pollfd p = {.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
      char buffer[4096];
      const ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n < 0 && error != nullptr) *error = errno;
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
    }
    return received;
  }

  // Sends `text` and returns what comes back within kArrives.
  std::string RoundTrip(const std::string& text) {
    if (!Send(text)) return "";
    return Receive(text.size(), kArrives);
  }

 private:
  int port_;
  int fd_ = -1;
};

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(echo_.port());
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
  }

  EchoServer echo_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST_F(FaultProxyTest, PassForwardsBothWaysAndCountsConnections) {
  Client a(proxy_->port());
  Client b(proxy_->port());
  ASSERT_EQ(a.Connect(), 0);
  ASSERT_EQ(b.Connect(), 0);
  EXPECT_EQ(a.RoundTrip("hello"), "hello");
  EXPECT_EQ(b.RoundTrip("world"), "world");
  EXPECT_EQ(proxy_->accepted(), 2);
  EXPECT_EQ(proxy_->open(), 2);
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(a.RoundTrip(big).size(), big.size());
}

TEST_F(FaultProxyTest, OpenCountDropsWhenAClientCloses) {
  {
    Client a(proxy_->port());
    ASSERT_EQ(a.Connect(), 0);
    EXPECT_EQ(a.RoundTrip("x"), "x");
  }
  EXPECT_TRUE(Eventually([&] { return proxy_->open() == 0; }, kArrives));
  EXPECT_EQ(proxy_->accepted(), 1);
}

TEST_F(FaultProxyTest, BlackholeHoldsBytesOfOpenAndNewConnectionsUntilPass) {
  Client open(proxy_->port());
  ASSERT_EQ(open.Connect(), 0);
  ASSERT_EQ(open.RoundTrip("before"), "before");

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kBlackhole).ok());
  ASSERT_TRUE(open.Send("held"));
  EXPECT_EQ(open.Receive(4, kSilence), "");
  Client late(proxy_->port());
  ASSERT_EQ(late.Connect(), 0) << "a blackhole still accepts";
  ASSERT_TRUE(late.Send("late"));
  EXPECT_EQ(late.Receive(4, kSilence), "");
  EXPECT_TRUE(Eventually([&] { return proxy_->accepted() == 2; }, kArrives));
  EXPECT_EQ(proxy_->open(), 2) << "the sockets stay open";

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kPass).ok());
  EXPECT_EQ(open.Receive(4, kArrives), "held");
  EXPECT_EQ(late.Receive(4, kArrives), "late");
}

TEST_F(FaultProxyTest, ResetResetsOpenAndNewConnections) {
  Client open(proxy_->port());
  ASSERT_EQ(open.Connect(), 0);
  ASSERT_EQ(open.RoundTrip("before"), "before");

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kReset).ok());
  int error = 0;
  EXPECT_EQ(open.Receive(1, kArrives, &error), "");
  EXPECT_EQ(error, ECONNRESET);
  EXPECT_EQ(proxy_->open(), 0);

  Client late(proxy_->port());
  ASSERT_EQ(late.Connect(), 0);  // The kernel completes the handshake before the reset.
  EXPECT_EQ(late.Receive(1, kArrives, &error), "");
  EXPECT_EQ(error, ECONNRESET);
  EXPECT_TRUE(Eventually([&] { return proxy_->accepted() == 2; }, kArrives));

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kPass).ok());
  Client after(proxy_->port());
  ASSERT_EQ(after.Connect(), 0);
  EXPECT_EQ(after.RoundTrip("again"), "again");
}

TEST_F(FaultProxyTest, ResetConnectionsResetsOnlyTheOpenOnes) {
  Client open(proxy_->port());
  ASSERT_EQ(open.Connect(), 0);
  ASSERT_EQ(open.RoundTrip("before"), "before");
  proxy_->ResetConnections();
  int error = 0;
  EXPECT_EQ(open.Receive(1, kArrives, &error), "");
  EXPECT_EQ(error, ECONNRESET);
  EXPECT_EQ(proxy_->mode(), FaultMode::kPass);
  Client after(proxy_->port());
  ASSERT_EQ(after.Connect(), 0);
  EXPECT_EQ(after.RoundTrip("again"), "again");
}

TEST_F(FaultProxyTest, RefuseRefusesNewConnectionsButOpenOnesPass) {
  Client open(proxy_->port());
  ASSERT_EQ(open.Connect(), 0);
  ASSERT_EQ(open.RoundTrip("before"), "before");

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kRefuse).ok());
  Client refused(proxy_->port());
  EXPECT_EQ(refused.Connect(), ECONNREFUSED);
  EXPECT_EQ(open.RoundTrip("during"), "during");
  EXPECT_EQ(proxy_->accepted(), 1);

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kPass).ok());
  Client after(proxy_->port());
  ASSERT_EQ(after.Connect(), 0) << "listens on the same port again";
  EXPECT_EQ(after.RoundTrip("again"), "again");
}

TEST_F(FaultProxyTest, LatencyDelaysEachWay) {
  Client client(proxy_->port());
  ASSERT_EQ(client.Connect(), 0);
  ASSERT_EQ(client.RoundTrip("warm"), "warm");

  constexpr absl::Duration kLatency = absl::Milliseconds(150);
  ASSERT_TRUE(proxy_->SetMode(FaultMode::kLatency, kLatency).ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(client.RoundTrip("slow"), "slow");
  // There and back: delayed twice. (A lower bound only; the upper one would be the machine's.)
  EXPECT_GE(absl::Now() - start, 2 * kLatency);

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kPass).ok());
  EXPECT_EQ(client.RoundTrip("fast"), "fast");
}

TEST(FaultProxyUpstreamTest, ResetsClientsWhenTheUpstreamIsGone) {
  int port = 0;
  {
    EchoServer gone;
    port = gone.port();
  }
  absl::StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(port);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  Client client((*proxy)->port());
  ASSERT_EQ(client.Connect(), 0);
  int error = 0;
  EXPECT_EQ(client.Receive(1, kArrives, &error), "");
  EXPECT_TRUE(Eventually([&] { return (*proxy)->open() == 0; }, kArrives));
}

}  // namespace
}  // namespace misc::testing

#include "src/http/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "test/support/loopback_socket.h"

namespace misc::http {
namespace {

// Answers every request with "<method> <target> <body size>", or, for targets starting with
// /hold, keeps the responder until the test releases it.
class TestHandler : public HttpHandler {
 public:
  void Handle(HttpRequest request, HttpResponder respond) override {
    if (absl::StartsWith(request.target, "/hold")) {
      absl::MutexLock lock(&mu_);
      held_.push_back(std::move(respond));
      return;
    }
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = absl::StrCat(request.method, " ", request.target, " ", request.body.size());
    std::move(respond)(std::move(response));
  }

  HttpResponse Refused(int status, absl::string_view reason, absl::string_view) override {
    HttpResponse response;
    response.status = status;
    response.content_type = "text/plain";
    response.body = std::string(reason);
    refused_.fetch_add(1);
    return response;
  }

  // Waits until `count` requests are held.
  void AwaitHeld(size_t count) {
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_.size() >= count; };
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&enough));
  }

  // Answers every held request with 200 "released".
  void Release() {
    std::vector<HttpResponder> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (HttpResponder& respond : held) {
      HttpResponse response;
      response.body = "released";
      std::move(respond)(std::move(response));
    }
  }

  int refused() const { return refused_.load(); }

 private:
  absl::Mutex mu_;
  std::vector<HttpResponder> held_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> refused_ = 0;
};

// Whether the peer closes the connection within 10 s (a generous bound: each test sets the
// server's own timeouts far below it).
bool ClosedByPeer(int fd) { return testing::ClosedByPeerWithin(fd, absl::Seconds(10)); }

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, handler_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    handler_.Release();
    server_.reset();
  }

  TestHandler handler_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AnswersRequestsOnAKeptAliveConnection) {
  Start();
  httplib::Client client("127.0.0.1", server_->port());
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    httplib::Result result = client.Post("/echo?x=1", "abc", "text/plain");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->body, "POST /echo?x=1 3");
  }
  EXPECT_EQ(server_->open_connections(), 1);
}

TEST(HttpServerAddressTest, ListensOnAddressesAndHostNamesAndRefusesMalformedOnes) {
  TestHandler handler;
  for (const char* listen : {"127.0.0.1:0", "localhost:0", "0.0.0.0:0"}) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start({.listen = listen}, handler);
    ASSERT_TRUE(server.ok()) << listen << ": " << server.status();
    httplib::Client client("127.0.0.1", (*server)->port());
    httplib::Result result = client.Get("/x");
    ASSERT_TRUE(result) << listen;
    EXPECT_EQ(result->body, "GET /x 0") << listen;
  }
  for (const char* bad : {"", "8080", ":8080", "localhost:", "host:http", "host:70000", "::1:0",
                          "[::1:0", "[not-an-address]:0"}) {
    EXPECT_EQ(HttpServer::Start({.listen = bad}, handler).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  Start();
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(
      testing::SendAll(fd, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string answers = testing::ReadUntil(fd, "GET /b 0");
  EXPECT_LT(answers.find("GET /a 0"), answers.find("GET /b 0")) << answers;
  close(fd);
}

TEST_F(HttpServerTest, RefusesHeadersOverTheLimitWith431) {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  Start(options);
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, absl::StrCat("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ",
                                                std::string(4096, 'a'), "\r\n\r\n")));
  const std::string answer = testing::ReadUntil(fd, "too large");
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 431 ")) << answer;
  EXPECT_TRUE(ClosedByPeer(fd));
  close(fd);
  EXPECT_EQ(handler_.refused(), 1);
}

TEST_F(HttpServerTest, RefusesBodiesOverTheLimitWith413) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  httplib::Client client("127.0.0.1", server_->port());
  httplib::Result result = client.Post("/echo", std::string(1025, 'a'), "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  result = client.Post("/echo", std::string(1024, 'a'), "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << "the limit itself is allowed";

  // Chunked: the size is only known while reading.
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(
      testing::SendAll(fd, absl::StrCat("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                                        "chunked\r\n\r\n800\r\n",
                                        std::string(0x800, 'a'), "\r\n0\r\n\r\n")));
  EXPECT_TRUE(absl::StartsWith(testing::ReadUntil(fd, "too large"), "HTTP/1.1 413 "));
  close(fd);
}

TEST_F(HttpServerTest, RefusesMalformedRequestsWith400) {
  Start();
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, "GET / HTTP/1.1\r\nHost x\r\n\r\n"));  // A header without ':'.
  const std::string answer = testing::ReadUntil(fd, "\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 400 ")) << answer;
  close(fd);
}

TEST_F(HttpServerTest, AnswersExpectContinue) {
  Start();
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(
      fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_TRUE(absl::StartsWith(testing::ReadUntil(fd, "\r\n\r\n"), "HTTP/1.1 100 Continue"));
  ASSERT_TRUE(testing::SendAll(fd, "hello"));
  EXPECT_TRUE(absl::StrContains(testing::ReadUntil(fd, "POST /echo 5"), "POST /echo 5"));
  close(fd);
}

// Slowloris: clients that send a request a byte at a time, forever. Each is closed when its
// request time runs out although it never goes quiet, and meanwhile the one thread still serves
// everyone else.
TEST_F(HttpServerTest, ClosesSlowClientsWithoutHoldingAThread) {
  HttpServerOptions options;
  options.threads = 1;
  options.request_timeout = absl::Milliseconds(500);
  options.idle_timeout = absl::Seconds(60);
  Start(options);
  constexpr int kSlowClients = 8;
  std::vector<int> slow;
  for (int i = 0; i < kSlowClients; ++i) {
    const int fd = testing::ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(testing::SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n"));
    slow.push_back(fd);
  }
  std::atomic<bool> stop = false;
  std::atomic<int> closed = 0;
  std::thread trickle([&] {
    std::vector<bool> done(slow.size(), false);
    while (!stop.load() && closed.load() < kSlowClients) {
      for (size_t i = 0; i < slow.size(); ++i) {
        if (!done[i] && !testing::SendAll(slow[i], "X")) {
          done[i] = true;
          closed.fetch_add(1);
        }
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  // Served while the slow clients are all still connected and trickling.
  httplib::Client client("127.0.0.1", server_->port());
  httplib::Result result = client.Get("/fast");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->body, "GET /fast 0");
  for (const int fd : slow) EXPECT_TRUE(ClosedByPeer(fd));
  stop = true;
  trickle.join();
  for (const int fd : slow) close(fd);
}

TEST_F(HttpServerTest, ClosesIdleConnections) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  Start(options);
  const int fd = testing::ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(ClosedByPeer(fd));
  close(fd);
}

TEST_F(HttpServerTest, ClosesConnectionsOverTheLimit) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  const int first = testing::ConnectLoopback(server_->port());
  const int second = testing::ConnectLoopback(server_->port());
  ASSERT_TRUE(testing::SendAll(first, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(testing::SendAll(second, "GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(absl::StrContains(testing::ReadUntil(first, "GET /1 0"), "GET /1 0"));
  ASSERT_TRUE(absl::StrContains(testing::ReadUntil(second, "GET /2 0"), "GET /2 0"));
  const int third = testing::ConnectLoopback(server_->port());
  ASSERT_GE(third, 0);
  EXPECT_TRUE(ClosedByPeer(third));
  close(third);
  close(first);
  // The freed slot serves again.
  httplib::Client client("127.0.0.1", server_->port());
  std::string body;
  for (int attempt = 0; attempt < 50 && body.empty(); ++attempt) {
    if (httplib::Result result = client.Get("/4")) {
      body = result->body;
    } else {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  EXPECT_EQ(body, "GET /4 0");
  close(second);
}

TEST_F(HttpServerTest, DrainAnswersRequestsInFlightAndClosesTheRest) {
  Start();
  const int idle = testing::ConnectLoopback(server_->port());
  ASSERT_GE(idle, 0);
  const int busy = testing::ConnectLoopback(server_->port());
  ASSERT_TRUE(testing::SendAll(busy, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  handler_.AwaitHeld(1);
  absl::Notification drained;
  std::thread drain([&] {
    server_->Drain(absl::Now() + absl::Seconds(30));
    drained.Notify();
  });
  EXPECT_TRUE(ClosedByPeer(idle)) << "an idle connection closes at once";
  EXPECT_FALSE(drained.HasBeenNotified()) << "a request in flight holds the drain";
  handler_.Release();
  const std::string answer = testing::ReadUntil(busy, "released");
  EXPECT_TRUE(absl::StrContains(answer, "released")) << answer;
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(answer), "connection: close")) << answer;
  drain.join();
  EXPECT_EQ(testing::ConnectLoopback(server_->port()), -1) << "no longer accepting";
  close(idle);
  close(busy);
}

TEST_F(HttpServerTest, DrainDeadlineClosesWhatIsStillInFlight) {
  Start();
  const int busy = testing::ConnectLoopback(server_->port());
  ASSERT_TRUE(testing::SendAll(busy, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  handler_.AwaitHeld(1);
  server_->Drain(absl::Now() + absl::Milliseconds(100));
  EXPECT_TRUE(ClosedByPeer(busy));
  EXPECT_EQ(server_->open_connections(), 0);
  handler_.Release();  // An answer after the drain goes nowhere, safely.
  close(busy);
}

}  // namespace
}  // namespace misc::http

#include "src/observability/metrics_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "src/observability/metrics.h"

namespace misc::observability {
namespace {

std::unique_ptr<MetricsServer> StartOnFreePort(
    const std::shared_ptr<prometheus::Registry>& registry) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("127.0.0.1:0", {registry});
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

prometheus::Counter& Hits(prometheus::Registry& registry) {
  return prometheus::BuildCounter().Name("hits_total").Help("Hits.").Register(registry).Add({});
}

TEST(MetricsServerTest, ServesItsCollectablesAtMetrics) {
  auto registry = std::make_shared<prometheus::Registry>();
  Hits(*registry).Increment(4);
  std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);

  httplib::Client client("127.0.0.1", server->port());
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(result->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(result->body, RenderText(*registry));

  Hits(*registry).Increment();
  result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("\nhits_total 5\n"), std::string::npos) << result->body;
}

TEST(MetricsServerTest, KeepsWhatItServesAlive) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server = [] {
    auto registry = std::make_shared<prometheus::Registry>();
    Hits(*registry).Increment(7);
    return MetricsServer::Start("127.0.0.1:0", {registry});
  }();
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", (*server)->port());
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("\nhits_total 7\n"), std::string::npos) << result->body;
}

TEST(MetricsServerTest, CompressesWithGzipWhenTheScraperAcceptsIt) {
  auto registry = std::make_shared<prometheus::Registry>();
  Hits(*registry).Increment(3);
  std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* accepted : {"gzip", "deflate, gzip;q=0.8", "GZIP"}) {
    httplib::Result result = client.Get("/metrics", {{"Accept-Encoding", accepted}});
    ASSERT_TRUE(result) << accepted;
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->get_header_value("Content-Encoding"), "gzip") << accepted;
    // Debian's cpp-httplib inflates gzip answers (CPPHTTPLIB_ZLIB_SUPPORT): a valid stream.
    EXPECT_EQ(result->body, RenderText(*registry)) << accepted;
  }
  for (const char* refused : {"deflate", "gzip;q=0", "identity"}) {
    httplib::Result result = client.Get("/metrics", {{"Accept-Encoding", refused}});
    ASSERT_TRUE(result) << refused;
    EXPECT_EQ(result->get_header_value("Content-Encoding"), "") << refused;
    EXPECT_EQ(result->body, RenderText(*registry)) << refused;
  }
}

TEST(MetricsServerTest, HealthzIsAlwaysServingAndReadyzFollowsSetReady) {
  std::unique_ptr<MetricsServer> server = StartOnFreePort(std::make_shared<prometheus::Registry>());
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  const auto expect = [&client](const char* path, int status, const char* body) {
    httplib::Result result = client.Get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, status) << path;
    EXPECT_EQ(result->body, body) << path;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << path;
  };
  constexpr char kServing[] = R"({"status":"SERVING"})";
  constexpr char kNotServing[] = R"({"status":"NOT_SERVING"})";
  expect("/healthz", 200, kServing);
  expect("/readyz", 503, kNotServing);  // Not ready until told.
  server->SetReady(true);
  expect("/readyz", 200, kServing);
  expect("/readyz?verbose=1", 200, kServing);
  server->SetReady(false);
  expect("/readyz", 503, kNotServing);
  expect("/healthz", 200, kServing);
}

TEST(MetricsServerTest, AnswersNotFoundForOtherPathsAndMethodNotAllowedForOtherMethods) {
  std::unique_ptr<MetricsServer> server = StartOnFreePort(std::make_shared<prometheus::Registry>());
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* path : {"/", "/metric", "/metrics/x", "/healthz/", "/livez"}) {
    httplib::Result result = client.Get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 404) << path;
  }
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    httplib::Result result = client.Post(path, "", "text/plain");
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 405) << path;
    EXPECT_EQ(result->get_header_value("Allow"), "GET") << path;
  }
}

TEST(MetricsServerTest, StopsPromptlyAndReleasesThePort) {
  auto registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);  // The server must not wait for this idle connection.
  ASSERT_TRUE(client.Get("/metrics"));

  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  server->Stop();  // Idempotent.

  httplib::Client after("127.0.0.1", port);
  after.set_connection_timeout(std::chrono::milliseconds(200));
  EXPECT_FALSE(after.Get("/metrics"));
  // The port can be bound again.
  absl::StatusOr<std::unique_ptr<MetricsServer>> again =
      MetricsServer::Start("127.0.0.1:" + std::to_string(port), {registry});
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(MetricsServerTest, StopsRightAfterStart) {
  auto registry = std::make_shared<prometheus::Registry>();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
    ASSERT_NE(server, nullptr);
  }  // The destructor stops each one.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(MetricsServerTest, RejectsBadAddressesAndBusyPorts) {
  auto registry = std::make_shared<prometheus::Registry>();
  for (const char* bad : {"", "9464", ":9464", "localhost:", "localhost:http", "host:70000",
                          "host:-1", "127.0.0.1:1,127.0.0.1:2", "::1:0", "[::1:0", "[nohost]:0"}) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(bad, {registry});
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  std::unique_ptr<MetricsServer> first = StartOnFreePort(registry);
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<MetricsServer>> second =
      MetricsServer::Start("127.0.0.1:" + std::to_string(first->port()), {registry});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(MetricsServerTest, ListensOnIpv6) {
  // Only where the machine has IPv6 loopback.
  const int probe = socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 loopback{};
  loopback.sin6_family = AF_INET6;
  loopback.sin6_addr = in6addr_loopback;
  const bool has_ipv6 =
      probe >= 0 && bind(probe, reinterpret_cast<sockaddr*>(&loopback), sizeof(loopback)) == 0;
  if (probe >= 0) close(probe);
  if (!has_ipv6) GTEST_SKIP() << "no IPv6 loopback here";

  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("[::1]:0", {std::make_shared<prometheus::Registry>()});
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("::1", (*server)->port());
  httplib::Result result = client.Get("/healthz");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
}

TEST(MetricsServerTest, ListensOnAHostName) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("localhost:0", {std::make_shared<prometheus::Registry>()});
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", (*server)->port());
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

}  // namespace
}  // namespace misc::observability

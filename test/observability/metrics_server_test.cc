#include "src/observability/metrics_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "src/observability/flags.h"
#include "src/observability/registry.h"

namespace misc::observability {
namespace {

std::unique_ptr<MetricsServer> StartOnFreePort(Registry& registry) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("127.0.0.1:0", registry);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(MetricsServerTest, ServesTheRegistryAtMetrics) {
  Registry registry;
  registry.AddCounter("hits_total", "Hits.").Increment(4);
  std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);

  httplib::Client client("127.0.0.1", server->port());
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(result->body, registry.Render());

  registry.AddCounter("hits_total", "Hits.").Increment();
  result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("hits_total 5\n"), std::string::npos) << result->body;
}

TEST(MetricsServerTest, AnswersNotFoundForOtherPaths) {
  Registry registry;
  std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  for (const char* path : {"/", "/metric", "/metrics/extra", "/healthz"}) {
    httplib::Result result = client.Get(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 404) << path;
  }
}

TEST(MetricsServerTest, StopsPromptlyAndReleasesThePort) {
  Registry registry;
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
      MetricsServer::Start("127.0.0.1:" + std::to_string(port), registry);
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST(MetricsServerTest, StopsRightAfterStart) {
  Registry registry;
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<MetricsServer> server = StartOnFreePort(registry);
    ASSERT_NE(server, nullptr);
  }  // The destructor stops each one; a hang would time the test out.
}

TEST(MetricsServerTest, RejectsBadAddressesAndBusyPorts) {
  Registry registry;
  for (const char* bad :
       {"", "9464", ":9464", "localhost:", "localhost:http", "host:70000", "host:-1"}) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(bad, registry);
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  std::unique_ptr<MetricsServer> first = StartOnFreePort(registry);
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<MetricsServer>> second =
      MetricsServer::Start("127.0.0.1:" + std::to_string(first->port()), registry);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(MetricsServerTest, ListensOnIpv6Brackets) {
  Registry registry;
  absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start("[::1]:0", registry);
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << server.status();
  httplib::Client client("::1", (*server)->port());
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST(MetricsServerTest, FlagSelectsTheAddressAndEmptyDisables) {
  absl::FlagSaver saver;
  Registry registry;
  absl::SetFlag(&FLAGS_metrics_listen, "");
  absl::StatusOr<std::unique_ptr<MetricsServer>> none = StartMetricsServerFromFlags(registry);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, nullptr);

  absl::SetFlag(&FLAGS_metrics_listen, "127.0.0.1:0");
  absl::StatusOr<std::unique_ptr<MetricsServer>> some = StartMetricsServerFromFlags(registry);
  ASSERT_TRUE(some.ok()) << some.status();
  ASSERT_NE(*some, nullptr);
  EXPECT_GT((*some)->port(), 0);
}

}  // namespace
}  // namespace misc::observability

// ScrapedFamily and the per-method server metrics on prometheus-cpp's registry.
#include "src/observability/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/observability/server_metrics.h"
#include "test/observability/promtool.h"

namespace misc::observability {
namespace {

using grpc::experimental::ServerRpcInfo;
using ::testing::HasSubstr;

// Values read at each scrape, as the platform's collectables do.
class FakeCollectable final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    return {ScrapedFamily("open_connections", "Open.", prometheus::MetricType::Gauge,
                          {{{{"pool", "db"}}, static_cast<double>(connections.load())}}),
            ScrapedFamily("reloads_total", "Reloads.", prometheus::MetricType::Counter,
                          {{{{"snapshot", "b"}}, 2}, {{{"snapshot", "a"}}, 1}})};
  }
  std::atomic<int> connections{3};
};

TEST(ScrapedFamilyTest, RendersGaugesAndCountersReadAtEachScrape) {
  FakeCollectable collectable;
  EXPECT_THAT(RenderText(collectable), HasSubstr("open_connections{pool=\"db\"} 3\n"));
  collectable.connections = 5;
  const std::string text = RenderText(collectable);
  EXPECT_EQ(text,
            "# HELP open_connections Open.\n# TYPE open_connections gauge\n"
            "open_connections{pool=\"db\"} 5\n"
            "# HELP reloads_total Reloads.\n# TYPE reloads_total counter\n"
            "reloads_total{snapshot=\"b\"} 2\nreloads_total{snapshot=\"a\"} 1\n");
  EXPECT_TRUE(PromtoolAccepts(text));
}

TEST(ServerMetricsTest, AMethodKeepsItsSeries) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  MethodMetrics& a = metrics.ForMethod("/pkg.Svc/Get", ServerRpcInfo::Type::UNARY);
  MethodMetrics& b = metrics.ForMethod("/pkg.Svc/Get", ServerRpcInfo::Type::UNARY);
  MethodMetrics& other = metrics.ForMethod("/pkg.Svc/List", ServerRpcInfo::Type::SERVER_STREAMING);
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  EXPECT_EQ(a.service(), "pkg.Svc");
  EXPECT_EQ(a.method(), "Get");
  EXPECT_EQ(other.type(), "server_stream");
  a.Started();
  a.Handled(grpc::StatusCode::NOT_FOUND, 0.002);
  // A second ServerMetrics on the same registry shares the families and series.
  ServerMetrics again(registry);
  again.ForMethod("/pkg.Svc/Get", ServerRpcInfo::Type::UNARY).Started();

  const std::string labels = "grpc_method=\"Get\",grpc_service=\"pkg.Svc\",grpc_type=\"unary\"";
  const std::string text = RenderText(registry);
  EXPECT_THAT(text, HasSubstr("grpc_server_started_total{" + labels + "} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handled_total{grpc_code=\"NotFound\"," + labels + "} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("grpc_server_handling_seconds_bucket{" + labels + ",le=\"0.001\"} 0\n"));
  EXPECT_TRUE(PromtoolAccepts(text));
}

TEST(ServerMetricsTest, ConcurrentCallsNewMethodsAndScrapesLoseNothing) {
  prometheus::Registry registry;
  ServerMetrics metrics(registry);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done) RenderText(registry);
  });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        MethodMetrics& shared = metrics.ForMethod("/pkg.Svc/Get", ServerRpcInfo::Type::UNARY);
        shared.Started();
        shared.Handled(i % 2 == 0 ? grpc::StatusCode::OK : grpc::StatusCode::UNAVAILABLE,
                       0.001 * (i % 100));
        if (i % 1000 == 0) {
          // New methods appear while others are counted and scraped.
          metrics
              .ForMethod(absl::StrCat("/pkg.Svc/M", t, "_", i / 1000), ServerRpcInfo::Type::UNARY)
              .Started();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done = true;
  scraper.join();
  const std::string text = RenderText(registry);
  const std::string labels = "grpc_method=\"Get\",grpc_service=\"pkg.Svc\",grpc_type=\"unary\"";
  constexpr int kCalls = kThreads * kPerThread;
  EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_started_total{", labels, "} ", kCalls)));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_handled_total{grpc_code=\"OK\",", labels,
                                           "} ", kCalls / 2, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_handling_seconds_count{", labels, "} ",
                                           kCalls, "\n")));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_started_total{grpc_method=\"M", t,
                                             "_19\",grpc_service=\"pkg.Svc\","
                                             "grpc_type=\"unary\"} 1\n")));
  }
}

}  // namespace
}  // namespace misc::observability

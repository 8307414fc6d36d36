// Metrics, access logs and trace context, end to end: the real misc-server binary is called
// over gRPC, scraped over HTTP, and its log read back.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/observability/promtool.h"
#include "test/support/misc_server.h"

namespace misc::server {
namespace {

using ::misc::testing::ServerProcess;

// Returns the value of the sample `series` (name and labels exactly as exposed) in `text`,
// or -1 when it is absent.
double SampleValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  const size_t start = at + series.size() + 2;
  double value = 0;
  if (!absl::SimpleAtod(text.substr(start, text.find('\n', start) - start), &value)) return -1;
  return value;
}

class ServerObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_port_ = misc::testing::FreeLoopbackPort();
    server_ = ServerProcess::Start(misc::testing::SeededDatabaseUrl(),
                                   {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port_)});
    ASSERT_NE(server_, nullptr);
  }

  std::string Scrape() {
    httplib::Client client("127.0.0.1", metrics_port_);
    httplib::Result result = client.Get("/metrics");
    EXPECT_TRUE(result) << "no answer from /metrics";
    if (!result) return "";
    EXPECT_EQ(result->status, 200);
    EXPECT_NE(result->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    return result->body;
  }

  grpc::Status GetRestaurant(int64_t id, grpc::ClientContext* context) {
    auto stub = misc::restaurant::v1::RestaurantService::NewStub(server_->channel());
    misc::restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(id);
    misc::restaurant::v1::GetRestaurantResponse response;
    return stub->GetRestaurant(context, request, &response);
  }

  int metrics_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServerObservabilityTest, ScrapePassesPromtoolAndCountersMoveWithCalls) {
  const std::string ok_series =
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetRestaurant\","
      "grpc_service=\"misc.restaurant.v1.RestaurantService\",grpc_type=\"unary\"}";
  const std::string invalid_series =
      "grpc_server_handled_total{grpc_code=\"InvalidArgument\",grpc_method=\"GetRestaurant\","
      "grpc_service=\"misc.restaurant.v1.RestaurantService\",grpc_type=\"unary\"}";
  const double ok_before = std::max(0.0, SampleValue(Scrape(), ok_series));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    ASSERT_TRUE(GetRestaurant(1, &context).ok());
  }
  grpc::ClientContext bad_context;
  EXPECT_EQ(GetRestaurant(-1, &bad_context).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const std::string text = Scrape();
  EXPECT_TRUE(misc::observability::PromtoolAccepts(text));
  EXPECT_EQ(SampleValue(text, ok_series), ok_before + 3);
  EXPECT_EQ(SampleValue(text, invalid_series), 1);
  EXPECT_GE(SampleValue(text,
                        "grpc_server_handling_seconds_count{grpc_method=\"GetRestaurant\","
                        "grpc_service=\"misc.restaurant.v1.RestaurantService\","
                        "grpc_type=\"unary\"}"),
            ok_before + 4);
  EXPECT_EQ(SampleValue(text, "misc_db_pool_size_connections"), 8);
  EXPECT_GE(SampleValue(text, "misc_db_pool_open_connections"), 1);
  EXPECT_LE(SampleValue(text, "misc_db_pool_open_connections"), 8);
  EXPECT_GT(SampleValue(text, "misc_snapshot_last_success_timestamp_seconds{snapshot=\"genre\"}"),
            0);
  EXPECT_GT(SampleValue(text, "process_open_fds"), 0);
  EXPECT_GT(SampleValue(text, "process_max_fds"), 0);
  EXPECT_GT(SampleValue(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(SampleValue(text, "process_start_time_seconds"), 0);
  EXPECT_EQ(SampleValue(text, "misc_jwt_verifications_total{outcome=\"ok\"}"), 0);

  // The restaurant cache counts every anonymous GetRestaurant once: a hit, a miss, or (while
  // its change feed does not listen) a read that bypassed it.
  double cache_reads = 0;
  for (const char* family :
       {"misc_cache_hits_total", "misc_cache_misses_total", "misc_cache_bypassed_total"}) {
    const double value = SampleValue(text, absl::StrCat(family, "{cache=\"restaurant\"}"));
    EXPECT_GE(value, 0) << family;
    cache_reads += value;
  }
  EXPECT_GE(cache_reads, 3);
  for (const char* family : {"misc_cache_coalesced_total", "misc_cache_evictions_total",
                             "misc_cache_invalidations_total", "misc_cache_entries"}) {
    EXPECT_GE(SampleValue(text, absl::StrCat(family, "{cache=\"restaurant\"}")), 0) << family;
  }
}

// misc's own methods are recorded by their CallRunner and everything else (health here) by
// the interceptor: each call exactly once, either way, with its trace context and access line.
TEST_F(ServerObservabilityTest, HandlersAndTheInterceptorEachRecordTheirCallsOnce) {
  const std::string health_series =
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Check\","
      "grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"}";
  const double health_before = std::max(0.0, SampleValue(Scrape(), health_series));
  auto health = grpc::health::v1::Health::NewStub(server_->channel());
  for (const char* trace_id :
       {"0af7651916cd43dd8448eb211c80319c", "1bf7651916cd43dd8448eb211c80319d"}) {
    grpc::ClientContext context;
    context.AddMetadata("traceparent", absl::StrCat("00-", trace_id, "-b7ad6b7169203331-01"));
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, grpc::health::v1::HealthCheckRequest(), &response).ok());
    const auto trailer = context.GetServerTrailingMetadata().find("traceparent");
    ASSERT_NE(trailer, context.GetServerTrailingMetadata().end());
    EXPECT_TRUE(
        absl::StrContains(std::string(trailer->second.data(), trailer->second.size()), trace_id));
  }
  const std::string handler_trace = "2cf7651916cd43dd8448eb211c80319e";
  grpc::ClientContext context;
  context.AddMetadata("traceparent", absl::StrCat("00-", handler_trace, "-b7ad6b7169203331-01"));
  ASSERT_TRUE(GetRestaurant(2, &context).ok());
  const auto trailer = context.GetServerTrailingMetadata().find("traceparent");
  ASSERT_NE(trailer, context.GetServerTrailingMetadata().end());
  EXPECT_TRUE(absl::StrContains(std::string(trailer->second.data(), trailer->second.size()),
                                handler_trace));

  EXPECT_EQ(SampleValue(Scrape(), health_series), health_before + 2);
  ASSERT_TRUE(server_->process().WaitForOutput(handler_trace, absl::Seconds(5)));
  ASSERT_TRUE(
      server_->process().WaitForOutput("1bf7651916cd43dd8448eb211c80319d", absl::Seconds(5)));
  const std::string output = server_->Output();
  for (const std::string& trace_id :
       {std::string("0af7651916cd43dd8448eb211c80319c"),
        std::string("1bf7651916cd43dd8448eb211c80319d"), handler_trace}) {
    size_t lines = 0;
    for (size_t at = output.find(trace_id); at != std::string::npos;
         at = output.find(trace_id, at + 1)) {
      ++lines;
    }
    EXPECT_EQ(lines, 1u) << trace_id << " in " << output;
  }
}

// Access lines wait in memory (--access_log_flush_interval); SIGTERM's drain still writes
// every one of them before the process exits.
TEST(AccessLogAtExitTest, LinesStillInMemoryAreWrittenWhenTheServerStopsOnSigterm) {
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(misc::testing::SeededDatabaseUrl(), {"--access_log_flush_interval=1h"});
  ASSERT_NE(server, nullptr);
  const std::string trace_id = "3df7651916cd43dd8448eb211c80319f";
  grpc::ClientContext context;
  context.AddMetadata("traceparent", absl::StrCat("00-", trace_id, "-b7ad6b7169203331-01"));
  auto stub = misc::restaurant::v1::RestaurantService::NewStub(server->channel());
  misc::restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(3);
  misc::restaurant::v1::GetRestaurantResponse response;
  ASSERT_TRUE(stub->GetRestaurant(&context, request, &response).ok());
  EXPECT_EQ(server->Output().find(trace_id), std::string::npos) << "written before the hour";
  EXPECT_EQ(server->Terminate(), 0);
  EXPECT_NE(server->Output().find(trace_id), std::string::npos) << server->Output();
}

TEST_F(ServerObservabilityTest, AnUnauthenticatedCallIsCountedByOutcome) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer not-a-token");
  EXPECT_EQ(GetRestaurant(1, &context).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // No --jwks_file: every token is rejected before it is parsed.
  const std::string text = Scrape();
  double rejected = 0;
  for (const char* outcome : {"no_keys", "malformed"}) {
    rejected += std::max(
        0.0,
        SampleValue(text, absl::StrCat("misc_jwt_verifications_total{outcome=\"", outcome, "\"}")));
  }
  EXPECT_EQ(rejected, 1) << text;
}

TEST_F(ServerObservabilityTest, KeepsTheCallersTraceIdAndLogsOneAccessLineWithoutTheToken) {
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  grpc::ClientContext context;
  context.AddMetadata("traceparent", absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01"));
  context.AddMetadata("authorization", "Bearer secret-token-value");
  EXPECT_EQ(GetRestaurant(1, &context).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto traceparent = trailers.find("traceparent");
  ASSERT_NE(traceparent, trailers.end());
  EXPECT_NE(std::string(traceparent->second.data(), traceparent->second.size()).find(trace_id),
            std::string::npos);

  // A call without traceparent gets a fresh trace id back.
  grpc::ClientContext fresh;
  ASSERT_TRUE(GetRestaurant(1, &fresh).ok());
  const auto generated = fresh.GetServerTrailingMetadata().find("traceparent");
  ASSERT_NE(generated, fresh.GetServerTrailingMetadata().end());
  EXPECT_TRUE(std::regex_match(std::string(generated->second.data(), generated->second.size()),
                               std::regex("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")));

  ASSERT_TRUE(server_->process().WaitForOutput(trace_id, absl::Seconds(5)));
  const std::string output = server_->Output();
  EXPECT_EQ(output.find("secret-token-value"), std::string::npos);
  std::smatch line;
  const std::string wanted = "\\{[^\\n]*\"trace_id\":\"" + trace_id + "\"[^\\n]*\\}";
  ASSERT_TRUE(std::regex_search(output, line, std::regex(wanted)));
  const std::string access = line.str();
  EXPECT_NE(access.find("\"service\":\"misc.restaurant.v1.RestaurantService\""), std::string::npos);
  EXPECT_NE(access.find("\"method\":\"GetRestaurant\""), std::string::npos);
  EXPECT_NE(access.find("\"code\":\"UNAUTHENTICATED\""), std::string::npos);
  EXPECT_NE(access.find("\"logged_in\":false"), std::string::npos);
  EXPECT_NE(access.find("\"duration_ms\":"), std::string::npos);
  EXPECT_NE(access.find("\"peer\":\""), std::string::npos);
}

TEST(ServerAccessLogFlagTest, AccessLogCanBeSwitchedOff) {
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(misc::testing::SeededDatabaseUrl(), {"--access_log=false"});
  ASSERT_NE(server, nullptr);
  auto stub = misc::genre::v1::GenreService::NewStub(server->channel());
  grpc::ClientContext context;
  misc::genre::v1::ListGenresResponse response;
  ASSERT_TRUE(stub->ListGenres(&context, misc::genre::v1::ListGenresRequest(), &response).ok());
  EXPECT_EQ(server->Terminate(), 0);
  EXPECT_EQ(server->Output().find("\"log\":\"access\""), std::string::npos);
}

}  // namespace
}  // namespace misc::server

// misc-rest when PostgreSQL is slow, silent or gone, and when it is told to stop: the real
// binary, its database behind a FaultProxy (test/support/fault_proxy.h) in front of the test
// cluster. The promises are misc-server's: a call ends by its deadline or the cap, memory-served
// routes keep answering, readiness says which services can serve, and SIGTERM drains.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "test/support/eventually.h"
#include "test/support/fault_proxy.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/rest_server.h"

namespace misc::testing {
namespace {

// How late a database-backed request may end after its deadline (or the cap): generous, for
// a loaded test machine. The server's own bound is tested tighter by test/faults.
constexpr absl::Duration kSlack = absl::Seconds(2);
constexpr absl::Duration kMaxCallTimeout = absl::Seconds(1);
constexpr char kRestaurantReadiness[] = "/readyz?service=misc.restaurant.v1.RestaurantService";

// `url` (postgresql://user@127.0.0.1:PORT/db) with its port.
int PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  const size_t slash = url.find('/', colon);
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(url.substr(colon + 1, slash - colon - 1), &port)) << url;
  return port;
}

// `url` with its port replaced by `port`.
std::string WithPort(const std::string& url, int port) {
  const size_t colon = url.rfind(':');
  const size_t slash = url.find('/', colon);
  return absl::StrCat(url.substr(0, colon + 1), port, url.substr(slash));
}

int StatusOf(const httplib::Result& result) { return result ? result->status : -1; }

class RestLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = SeededDatabaseUrl();
    absl::StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(PortOf(url_));
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
  }

  // Starts misc-rest on the seeded database through the proxy, reading every restaurant from
  // the database (no cache), with short fault settings and then `extra_flags` (the last of a
  // flag given twice wins).
  std::unique_ptr<RestProcess> Start(const std::vector<std::string>& extra_flags = {}) {
    std::vector<std::string> flags = {
        absl::StrCat("--max_call_timeout=", absl::FormatDuration(kMaxCallTimeout)),
        "--cache_max_entries=0", "--readiness_interval=200ms", "--db_pool_size=4",
        "--db_connect_timeout=1s"};
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    return RestProcess::Start(WithPort(url_, proxy_->port()), flags);
  }

  std::string url_;
  std::unique_ptr<FaultProxy> proxy_;
};

TEST_F(RestLifecycleTest, KeepsItsPromisesWhenTheDatabaseGoesSilentOrAway) {
  std::unique_ptr<RestProcess> rest = Start();
  ASSERT_NE(rest, nullptr);
  auto client = rest->Client();
  ASSERT_EQ(StatusOf(client->Get("/v1/restaurants/1")), 200);

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kBlackhole).ok());
  // The caller's deadline, from Grpc-Timeout, and else the cap.
  for (const auto& [timeout, bound] :
       {std::pair<std::string, absl::Duration>{"300m", absl::Milliseconds(300)},
        {"", kMaxCallTimeout}}) {
    SCOPED_TRACE(timeout);
    httplib::Headers headers;
    if (!timeout.empty()) headers.emplace("Grpc-Timeout", timeout);
    const absl::Time start = absl::Now();
    httplib::Result result = client->Get("/v1/restaurants/2", headers);
    const absl::Duration took = absl::Now() - start;
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 504) << result->body;
    EXPECT_TRUE(absl::StrContains(result->body, R"("code":4)")) << result->body;
    EXPECT_LT(took, bound + kSlack);
  }
  // Memory-served routes still answer; readiness tells the services apart.
  EXPECT_EQ(StatusOf(client->Get("/v1/genres")), 200);
  EXPECT_EQ(StatusOf(client->Get("/v1/areas/1301")), 200);
  EXPECT_TRUE(Eventually([&] { return StatusOf(client->Get(kRestaurantReadiness)) == 503; },
                         absl::Seconds(10)));
  EXPECT_EQ(StatusOf(client->Get("/readyz")), 200) << "memory-served services still serve";
  EXPECT_EQ(StatusOf(client->Get("/readyz?service=misc.genre.v1.GenreService")), 200);

  // Gone: connections reset and refused. Calls fail fast with UNAVAILABLE.
  ASSERT_TRUE(proxy_->SetMode(FaultMode::kReset).ok());
  EXPECT_TRUE(Eventually(
      [&] {
        return StatusOf(client->Get("/v1/restaurants/3", {{"Grpc-Timeout", "5S"}})) == 503;
      },
      absl::Seconds(15)));

  ASSERT_TRUE(proxy_->SetMode(FaultMode::kPass).ok());
  EXPECT_TRUE(Eventually([&] { return StatusOf(client->Get("/v1/restaurants/4")) == 200; },
                         absl::Seconds(15)));
  EXPECT_TRUE(Eventually([&] { return StatusOf(client->Get(kRestaurantReadiness)) == 200; },
                         absl::Seconds(15)));
}

TEST_F(RestLifecycleTest, SigtermReportsNotReadyThenAnswersWhatIsInFlight) {
  std::unique_ptr<RestProcess> rest =
      Start({"--shutdown_delay=1500ms", "--drain_timeout=15s", "--max_call_timeout=15s"});
  ASSERT_NE(rest, nullptr);
  // Every database read now takes a second or more: the request below is in flight across the
  // signal.
  ASSERT_TRUE(proxy_->SetMode(FaultMode::kLatency, absl::Milliseconds(1000)).ok());
  int in_flight = -1;
  std::string in_flight_body;
  std::thread caller([&] {
    httplib::Result result = rest->Client()->Get("/v1/restaurants/5", {{"Grpc-Timeout", "20S"}});
    in_flight = StatusOf(result);
    if (result) in_flight_body = result->body;
  });
  absl::SleepFor(absl::Milliseconds(300));
  rest->process().Signal(SIGTERM);
  // During the shutdown delay: not ready, but still answering new requests.
  auto client = rest->Client();
  EXPECT_TRUE(
      Eventually([&] { return StatusOf(client->Get("/readyz")) == 503; }, absl::Seconds(5)));
  EXPECT_EQ(StatusOf(client->Get("/healthz")), 200);
  caller.join();
  EXPECT_EQ(in_flight, 200) << in_flight_body;
  absl::StatusOr<int> code = rest->process().Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << "misc-rest did not exit";
  EXPECT_EQ(*code, 0) << rest->Output();
  EXPECT_TRUE(absl::StrContains(rest->Output(), "misc-rest stopped")) << rest->Output();
}

TEST_F(RestLifecycleTest, DrainTimeoutEndsWhatIsStillInFlight) {
  std::unique_ptr<RestProcess> rest =
      Start({"--shutdown_delay=0s", "--drain_timeout=1s", "--max_call_timeout=30s"});
  ASSERT_NE(rest, nullptr);
  ASSERT_TRUE(proxy_->SetMode(FaultMode::kBlackhole).ok());
  int in_flight = -1;
  std::thread caller([&] {
    in_flight = StatusOf(rest->Client()->Get("/v1/restaurants/6", {{"Grpc-Timeout", "25S"}}));
  });
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  rest->process().Signal(SIGTERM);
  absl::StatusOr<int> code = rest->process().Wait(absl::Seconds(30));
  const absl::Duration took = absl::Now() - start;
  caller.join();
  ASSERT_TRUE(code.ok()) << "misc-rest did not exit";
  EXPECT_EQ(*code, 0) << rest->Output();
  EXPECT_LT(took, absl::Seconds(1) + kSlack) << "drain timeout + slack";
  // The request was cut off: no answer, or an error, never a hang.
  EXPECT_NE(in_flight, 200);
}

TEST(RestFlagsTest, BadFlagsExitWithCode2NamingThem) {
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      MISC_REST_BINARY,
      {"--database_url=postgresql://nowhere/none", "--http_threads=0", "--http_listen=nope"});
  ASSERT_TRUE(process.ok()) << process.status();
  absl::StatusOr<int> code = (*process)->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2);
  const std::string output = (*process)->Output();
  EXPECT_TRUE(absl::StrContains(output, "--http_threads (env MISC_HTTP_THREADS)")) << output;
  EXPECT_TRUE(absl::StrContains(output, "--http_listen (env MISC_HTTP_LISTEN)")) << output;
}

}  // namespace
}  // namespace misc::testing

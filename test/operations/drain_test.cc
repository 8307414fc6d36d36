// Graceful shutdown of the real misc-server: on SIGTERM it reports NOT_SERVING while still
// answering for --shutdown_delay, then refuses new calls, lets every call in flight finish
// (here: calls blocked in PostgreSQL behind a table lock), and exits 0.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/operations/operations_support.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"

namespace misc::operations {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::misc::testing::Eventually;
using ::misc::testing::ServerProcess;

constexpr int kCallsInFlight = 5;
constexpr absl::Duration kShutdownDelay = absl::Seconds(1);
// Far beyond the test's length: the calls in flight must end by the drain, never by a timeout
// (--max_call_timeout is raised to match, or it would cap them at 5s).
constexpr absl::Duration kCallTimeout = absl::Seconds(60);
// Bound of every wait for a state change; the test normally takes a few seconds.
constexpr absl::Duration kWithin = absl::Seconds(15);

TEST(DrainTest, SigtermReportsNotServingFinishesCallsInFlightRefusesNewOnesAndExitsZero) {
  const std::string database_url = CreateOperationsDatabase("ops_drain");
  ASSERT_FALSE(database_url.empty());
  std::vector<std::string> flags = FastReadinessFlags();
  flags.insert(flags.end(),
               {"--shutdown_delay=1s", "--drain_timeout=20s", "--max_call_timeout=60s"});
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url, flags);
  ASSERT_NE(server, nullptr);
  const auto probe = server->channel();
  ASSERT_TRUE(probe->WaitForConnected(absl::ToChronoTime(absl::Now() + kWithin)));

  // Calls that block inside PostgreSQL until the lock is released.
  std::unique_ptr<TableLock> lock = TableLock::Acquire(database_url, "restaurants");
  ASSERT_NE(lock, nullptr);
  auto stub = restaurant::v1::RestaurantService::NewStub(server->channel());
  std::vector<std::unique_ptr<PendingGetRestaurant>> calls;
  calls.reserve(kCallsInFlight);
  for (int i = 0; i < kCallsInFlight; ++i) calls.push_back(StartGetRestaurant(*stub, kCallTimeout));
  ASSERT_TRUE(Eventually(
      [&] { return ServerQueriesWaitingForLock(database_url) == kCallsInFlight; }, kWithin))
      << ServerQueriesWaitingForLock(database_url) << " queries wait for the lock\n"
      << server->Output();

  // SIGTERM: NOT_SERVING at once, while the process still answers for the shutdown delay.
  const absl::Time signalled = absl::Now();
  server->process().Signal(SIGTERM);
  HealthCheckResponse::ServingStatus readiness = HealthCheckResponse::SERVING;
  ASSERT_TRUE(Eventually(
      [&] {
        readiness = HealthOf(probe, "");
        return readiness != HealthCheckResponse::SERVING;
      },
      kWithin, absl::Milliseconds(10)));
  EXPECT_EQ(readiness, HealthCheckResponse::NOT_SERVING)
      << "the health check was not answered (UNKNOWN) "
      << absl::FormatDuration(absl::Now() - signalled) << " after SIGTERM\n"
      << server->Output();
  for (const std::string& name : HostedServices()) {
    EXPECT_EQ(HealthOf(probe, name), HealthCheckResponse::NOT_SERVING) << name;
  }
  EXPECT_EQ(HealthOf(probe, "liveness"), HealthCheckResponse::SERVING)
      << "liveness must hold while draining";
  const grpc::Status during_delay = ListGenres(probe, kWithin);
  EXPECT_TRUE(during_delay.ok()) << during_delay.error_code() << ": "
                                 << during_delay.error_message();
  EXPECT_LT(absl::Now() - signalled, kShutdownDelay)
      << "the checks above ran after the shutdown delay, so they prove nothing about it";

  // After the delay new calls are refused, while the calls in flight still wait.
  grpc::Status refused;
  EXPECT_TRUE(Eventually(
      [&] {
        refused = ListGenres(server->channel(), absl::Seconds(2));
        return !refused.ok();
      },
      kWithin))
      << "new calls were still accepted " << absl::FormatDuration(absl::Now() - signalled)
      << " after SIGTERM";
  // Normally UNAVAILABLE: the listener is closed. A connection accepted just before it closed
  // whose call arrives once the drain began is cancelled by gRPC instead.
  EXPECT_TRUE(refused.error_code() == grpc::StatusCode::UNAVAILABLE ||
              refused.error_code() == grpc::StatusCode::CANCELLED)
      << refused.error_code() << ": " << refused.error_message();
  for (const auto& call : calls) {
    ASSERT_FALSE(call->done()) << "a call in flight ended before the lock was released: "
                               << call->status().error_code() << ": "
                               << call->status().error_message() << "\n"
                               << server->Output();
  }
  EXPECT_TRUE(server->process().Running());

  // Released: every call in flight completes with its answer, then the process exits 0.
  lock->Release();
  for (const auto& call : calls) {
    ASSERT_TRUE(call->Wait(kWithin)) << server->Output();
    EXPECT_TRUE(call->status().ok())
        << call->status().error_code() << ": " << call->status().error_message() << "\n"
        << server->Output();
    EXPECT_EQ(call->response().restaurant().restaurant_id(), kRestaurantId);
    EXPECT_EQ(call->response().restaurant().name(), kRestaurantName);
  }
  const absl::StatusOr<int> exit_code = server->process().Wait(kWithin);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status() << "\n" << server->Output();
  EXPECT_EQ(*exit_code, 0) << server->Output();
  EXPECT_NE(server->Output().find("stopped"), std::string::npos) << server->Output();

  const grpc::Status after_exit = GetRestaurant(server->channel(), absl::Seconds(2));
  EXPECT_EQ(after_exit.error_code(), grpc::StatusCode::UNAVAILABLE) << after_exit.error_message();
}

TEST(DrainTest, DrainTimeoutCancelsCallsStillRunningStopsTheirQueriesAndExitsZero) {
  const std::string database_url = CreateOperationsDatabase("ops_drain_timeout");
  ASSERT_FALSE(database_url.empty());
  std::vector<std::string> flags = FastReadinessFlags();
  flags.insert(flags.end(),
               {"--shutdown_delay=0s", "--drain_timeout=1s", "--max_call_timeout=60s"});
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url, flags);
  ASSERT_NE(server, nullptr);

  // The lock is held for the whole test: only the end of the drain can end these calls.
  std::unique_ptr<TableLock> lock = TableLock::Acquire(database_url, "restaurants");
  ASSERT_NE(lock, nullptr);
  auto stub = restaurant::v1::RestaurantService::NewStub(server->channel());
  std::vector<std::unique_ptr<PendingGetRestaurant>> calls;
  calls.reserve(kCallsInFlight);
  for (int i = 0; i < kCallsInFlight; ++i) calls.push_back(StartGetRestaurant(*stub, kCallTimeout));
  ASSERT_TRUE(Eventually(
      [&] { return ServerQueriesWaitingForLock(database_url) == kCallsInFlight; }, kWithin))
      << server->Output();

  server->process().Signal(SIGTERM);
  const absl::StatusOr<int> exit_code = server->process().Wait(kWithin);
  ASSERT_TRUE(exit_code.ok()) << "still running " << absl::FormatDuration(kWithin)
                              << " after SIGTERM with --drain_timeout=1s\n"
                              << server->Output();
  EXPECT_EQ(*exit_code, 0) << server->Output();
  for (const auto& call : calls) {
    ASSERT_TRUE(call->Wait(kWithin));
    EXPECT_FALSE(call->status().ok()) << "answered although its query could not run";
  }
  // The server's queries did not outlive it: none still waits for the lock.
  EXPECT_TRUE(Eventually([&] { return ServerQueriesWaitingForLock(database_url) == 0; }, kWithin))
      << ServerQueriesWaitingForLock(database_url)
      << " queries of the stopped server still wait for the lock\n"
      << server->Output();
}

}  // namespace
}  // namespace misc::operations

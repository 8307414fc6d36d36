// Deadlines and cancellation end the work in PostgreSQL, not only the call: the real
// misc-server runs each call's queries under SET LOCAL statement_timeout derived from the
// call's deadline (capped by --max_call_timeout) and cancels the running query when the
// caller cancels. A table lock held by the test makes the server's query wait inside
// PostgreSQL, where pg_stat_activity shows it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/operations/operations_support.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"

namespace misc::operations {
namespace {

using ::misc::testing::Eventually;
using ::misc::testing::ServerProcess;

// Bound of every wait for a state change. Far shorter than the calls' own limits in the
// cancellation test, so only the cancellation can have stopped the query in time.
constexpr absl::Duration kWithin = absl::Seconds(10);
// Client-side safety net for the call sent without a deadline: if the server never ended
// it, the test cancels it rather than hang.
constexpr absl::Duration kNoDeadlineSafetyNet = absl::Seconds(20);

class DeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_url_ = CreateOperationsDatabase("ops_deadline");
    ASSERT_FALSE(database_url_.empty());
  }

  // Starts the server with `flags` and locks the restaurants table, so GetRestaurant waits.
  void StartServerAndLock(const std::vector<std::string>& flags) {
    server_ = ServerProcess::Start(database_url_, flags);
    ASSERT_NE(server_, nullptr);
    stub_ = restaurant::v1::RestaurantService::NewStub(server_->channel());
    lock_ = TableLock::Acquire(database_url_, "restaurants");
    ASSERT_NE(lock_, nullptr);
  }

  // True once no query of the server waits for the lock any more.
  bool NoQueryLeftWaiting() {
    return Eventually([this] { return ServerQueriesWaitingForLock(database_url_) == 0; }, kWithin);
  }

  std::string database_url_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<restaurant::v1::RestaurantService::Stub> stub_;
  std::unique_ptr<TableLock> lock_;
};

TEST_F(DeadlineTest, ShortDeadlineEndsDeadlineExceededAndStopsTheQuery) {
  ASSERT_NO_FATAL_FAILURE(StartServerAndLock({"--max_call_timeout=60s"}));
  std::unique_ptr<PendingGetRestaurant> call = StartGetRestaurant(*stub_, absl::Milliseconds(300));
  // While it runs, the query is seen waiting for the lock (sampled, so only reported).
  bool seen_waiting = false;
  while (!call->Wait(absl::Milliseconds(20))) {
    seen_waiting = seen_waiting || ServerQueriesWaitingForLock(database_url_) == 1;
  }
  EXPECT_EQ(call->status().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << call->status().error_message();
  // The lock is still held: nothing but the deadline can end the query.
  EXPECT_TRUE(NoQueryLeftWaiting())
      << ServerQueriesWaitingForLock(database_url_)
      << " queries still wait for the lock after the deadline (seen waiting during the call: "
      << seen_waiting << ")\n"
      << server_->Output();
  lock_->Release();
  EXPECT_TRUE(GetRestaurant(server_->channel(), kWithin).ok()) << server_->Output();
}

TEST_F(DeadlineTest, CallWithoutDeadlineIsCappedByMaxCallTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartServerAndLock({"--max_call_timeout=500ms"}));
  std::unique_ptr<PendingGetRestaurant> call = StartGetRestaurant(*stub_, absl::InfiniteDuration());
  if (!call->Wait(kNoDeadlineSafetyNet)) {
    call->Cancel();
    FAIL() << "a call without a deadline still ran after "
           << absl::FormatDuration(kNoDeadlineSafetyNet) << " despite --max_call_timeout=500ms\n"
           << server_->Output();
  }
  EXPECT_EQ(call->status().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << call->status().error_message();
  EXPECT_TRUE(NoQueryLeftWaiting())
      << ServerQueriesWaitingForLock(database_url_) << " queries still wait for the lock\n"
      << server_->Output();
}

TEST_F(DeadlineTest, CancelledCallStopsItsQuery) {
  // Neither the deadline nor --max_call_timeout can end the query within kWithin.
  ASSERT_NO_FATAL_FAILURE(StartServerAndLock({"--max_call_timeout=120s"}));
  std::unique_ptr<PendingGetRestaurant> call = StartGetRestaurant(*stub_, absl::Seconds(120));
  ASSERT_TRUE(
      Eventually([this] { return ServerQueriesWaitingForLock(database_url_) == 1; }, kWithin))
      << "the call's query never waited for the lock\n"
      << server_->Output();

  call->Cancel();
  ASSERT_TRUE(call->Wait(kWithin));
  EXPECT_EQ(call->status().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(NoQueryLeftWaiting())
      << ServerQueriesWaitingForLock(database_url_)
      << " queries still wait for the lock after the call was cancelled\n"
      << server_->Output();

  // The server serves on normally afterwards.
  lock_->Release();
  restaurant::v1::GetRestaurantResponse response;
  const grpc::Status status = GetRestaurant(server_->channel(), kWithin, &response);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.restaurant().name(), kRestaurantName);
}

}  // namespace
}  // namespace misc::operations

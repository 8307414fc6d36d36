// Deadlines through PgBouncer with --db_unnamed_statements, where misc sets no
// statement_timeout: a call whose deadline passes while its statement is slow, or while
// PgBouncer's pool is exhausted, is DEADLINE_EXCEEDED, and misc lets go of what it started
// soon after (not when the lock or the pool frees): a slow statement is stopped by the cancel
// request, through PgBouncer; a statement queued in PgBouncer (which ignores cancel requests
// for queued clients) costs misc its connection, closed by the socket watchdog. Afterwards the
// server answers every call with its own row.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/pgbouncer/pgbouncer_support.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc {
namespace {

// The deadline of the call under test: long enough for the test to see its statement wait
// (in PostgreSQL, or in PgBouncer's queue) before it passes, even under the sanitizers.
constexpr absl::Duration kCallDeadline = absl::Seconds(3);
// How long the tests give what a call started to end after the call did: far below
// PgBouncer's query_wait_timeout (120 s) and the tests' own hold of the lock or the pool.
constexpr absl::Duration kSettles = absl::Seconds(15);

class PgBouncerDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::CreateMigratedDatabase("pgbouncer_deadline");
    ASSERT_FALSE(url_.empty());
    ASSERT_TRUE(testing::ExecuteSql(url_, testing::kCacheProbeRows).ok());
    // A second restaurant, to tell one answer from another afterwards.
    ASSERT_TRUE(testing::ExecuteSql(url_,
                                    "INSERT INTO restaurants (restaurant_id, name, area_id) "
                                    "VALUES (2, 'second', 1)")
                    .ok());
    database_ = testing::DatabaseName(url_);
    // One connection, so that whatever the abandoned call left on it meets the next call.
    server_ = testing::ServerProcess::Start(
        testing::ThroughPgBouncer(url_),
        {"--db_unnamed_statements", "--db_pool_size=1", "--cache_max_entries=0"});
    ASSERT_NE(server_, nullptr);
    stub_ = restaurant::v1::RestaurantService::NewStub(server_->channel());
  }

  // GetRestaurant(`id`) with a deadline of `timeout`.
  grpc::Status Get(int64_t id, absl::Duration timeout,
                   restaurant::v1::GetRestaurantResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(id);
    return stub_->GetRestaurant(&context, request, response);
  }

  // Backends of the test's database waiting for a lock.
  int64_t LockWaiters() {
    return testing::QueryInt64(
        testing::AdminDatabaseUrl(),
        absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE datname = '", database_,
                     "' AND wait_event_type = 'Lock'"));
  }

  // Expects each restaurant to be answered with its own name now.
  void ExpectServesEachRow() {
    for (const auto& [id, name] :
         {std::pair<int64_t, std::string>{2, "second"}, {1, "before"}, {2, "second"}}) {
      restaurant::v1::GetRestaurantResponse response;
      const grpc::Status status = Get(id, absl::Seconds(20), &response);
      EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
      EXPECT_EQ(response.restaurant().restaurant_id(), id);
      EXPECT_EQ(response.restaurant().name(), name);
    }
  }

  std::string url_;
  std::string database_;
  std::unique_ptr<testing::ServerProcess> server_;
  std::unique_ptr<restaurant::v1::RestaurantService::Stub> stub_;
};

TEST_F(PgBouncerDeadlineTest, ASlowStatementIsCancelledThroughPgBouncer) {
  ExpectServesEachRow();  // The server's one connection is open and proven.
  // The statement of the call waits for this lock for as long as the test holds it.
  pqxx::connection locker(url_);
  pqxx::work lock(locker);
  lock.exec0("LOCK TABLE restaurants IN ACCESS EXCLUSIVE MODE");

  grpc::Status status;
  std::thread call([&] {
    restaurant::v1::GetRestaurantResponse response;
    status = Get(1, kCallDeadline, &response);
  });
  // The statement reached PostgreSQL through PgBouncer and waits there.
  EXPECT_TRUE(testing::Eventually([&] { return LockWaiters() == 1; }, kCallDeadline));
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  // Stopped by the cancel request while the lock is still held: nothing else could end it.
  EXPECT_TRUE(testing::Eventually([&] { return LockWaiters() == 0; }, kSettles))
      << "the statement still waits: the cancel request did not reach it";
  // PostgreSQL acknowledged the cancel, so the connection was kept, not shut down.
  EXPECT_FALSE(absl::StrContains(server_->Output(), "database query abandoned"));
  lock.abort();
  ExpectServesEachRow();
}

TEST_F(PgBouncerDeadlineTest, ACallWaitingForAnExhaustedPoolEndsAtItsDeadline) {
  ExpectServesEachRow();
  // Every server connection of the database's pool, each held by an open transaction.
  std::vector<std::unique_ptr<pqxx::connection>> holders;
  std::vector<std::unique_ptr<pqxx::work>> transactions;
  for (int i = 0; i < testing::kPgBouncerPoolSize; ++i) {
    holders.push_back(std::make_unique<pqxx::connection>(testing::ThroughPgBouncer(url_)));
    transactions.push_back(std::make_unique<pqxx::work>(*holders.back()));
    transactions.back()->exec("SELECT 1");
  }
  const auto pool = [&] {
    absl::StatusOr<testing::PgBouncerPool> shown = testing::ShowPool(database_);
    EXPECT_TRUE(shown.ok()) << shown.status();
    return shown.ok() ? *shown : testing::PgBouncerPool();
  };
  ASSERT_EQ(pool().active_servers, testing::kPgBouncerPoolSize);

  grpc::Status status;
  std::thread call([&] {
    restaurant::v1::GetRestaurantResponse response;
    status = Get(1, kCallDeadline, &response);
  });
  // misc's statement is queued in PgBouncer, behind the pool.
  EXPECT_TRUE(testing::Eventually([&] { return pool().waiting_clients == 1; }, kCallDeadline));
  call.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  // misc ended the call and closed its connection while the pool is still exhausted: it
  // waits for no free server connection. (The call's line: CANCELLED, since the client's
  // deadline is what cancelled it.)
  EXPECT_TRUE(testing::Eventually(
      [&] {
        const std::string output = server_->Output();
        return absl::StrContains(output, "database query abandoned") &&
               absl::StrContains(
                   output, R"("method":"GetRestaurant","grpc_type":"unary","code":"CANCELLED")");
      },
      kSettles))
      << server_->Output();
  EXPECT_EQ(pool().active_servers, testing::kPgBouncerPoolSize);
  for (auto& transaction : transactions) transaction->abort();
  transactions.clear();
  holders.clear();
  ExpectServesEachRow();
}

}  // namespace
}  // namespace misc

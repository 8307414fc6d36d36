// Four misc-server processes with a pool of 8 each, all through one PgBouncer in transaction
// pooling mode, under concurrent load: their 32 connections are PgBouncer's clients, and
// PostgreSQL never sees more than PgBouncer's pool of 8 server connections, while every call
// succeeds.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/pgbouncer/pgbouncer_support.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc {
namespace {

constexpr int kProcesses = 4;
constexpr int kPoolSize = 8;
// Callers per process: more than its pool, so every process wants all 8 connections at once.
constexpr int kCallersPerProcess = 12;
constexpr int kCallsPerCaller = 100;

// The most of everything the sampler saw while the load ran.
struct Peaks {
  std::atomic<int> clients{0};
  std::atomic<int> servers{0};
  std::atomic<int> backends{0};
  std::atomic<int> samples{0};
};

void Raise(std::atomic<int>& peak, int value) {
  int seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

TEST(PgBouncerPoolingTest, FourProcessesOfPoolEightShareEightServerConnections) {
  const std::string url = testing::CreateMigratedDatabase("pgbouncer_pooling");
  ASSERT_FALSE(url.empty());
  ASSERT_TRUE(testing::ExecuteSql(url, testing::kCacheProbeRows).ok());
  const std::string database = testing::DatabaseName(url);

  std::vector<std::unique_ptr<testing::ServerProcess>> servers;
  for (int i = 0; i < kProcesses; ++i) {
    servers.push_back(testing::ServerProcess::Start(
        testing::ThroughPgBouncer(url),
        {"--db_unnamed_statements", absl::StrCat("--db_pool_size=", kPoolSize),
         "--cache_max_entries=0"}));
    ASSERT_NE(servers.back(), nullptr);
  }

  Peaks peaks;
  absl::Notification load_done;
  std::thread sampler([&] {
    const std::string count_backends =
        absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE datname = '", database, "'");
    while (!load_done.HasBeenNotified()) {
      absl::StatusOr<testing::PgBouncerPool> pool = testing::ShowPool(database);
      EXPECT_TRUE(pool.ok()) << pool.status();
      if (pool.ok()) {
        Raise(peaks.clients, pool->clients);
        Raise(peaks.servers, pool->servers);
      }
      Raise(peaks.backends,
            static_cast<int>(testing::QueryInt64(testing::AdminDatabaseUrl(), count_backends)));
      peaks.samples.fetch_add(1);
      absl::SleepFor(absl::Milliseconds(10));
    }
  });

  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> callers;
  for (const auto& server : servers) {
    for (int c = 0; c < kCallersPerProcess; ++c) {
      callers.emplace_back([&, channel = server->channel()] {
        auto stub = restaurant::v1::RestaurantService::NewStub(channel);
        for (int call = 0; call < kCallsPerCaller; ++call) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
          restaurant::v1::GetRestaurantRequest request;
          request.set_restaurant_id(1);
          restaurant::v1::GetRestaurantResponse response;
          const grpc::Status status = stub->GetRestaurant(&context, request, &response);
          if (status.ok() && response.restaurant().name() == "before") {
            succeeded.fetch_add(1);
          } else {
            failed.fetch_add(1);
            ADD_FAILURE() << status.error_code() << " " << status.error_message();
          }
        }
      });
    }
  }
  for (std::thread& caller : callers) caller.join();
  // One more sample after the load: each process keeps its connections open, idle.
  absl::SleepFor(absl::Milliseconds(50));
  load_done.Notify();
  sampler.join();
  absl::StatusOr<testing::PgBouncerPool> after = testing::ShowPool(database);
  ASSERT_TRUE(after.ok()) << after.status();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(succeeded.load(), kProcesses * kCallersPerProcess * kCallsPerCaller);
  EXPECT_GT(peaks.samples.load(), 0);
  // The processes held more connections than PostgreSQL ever saw...
  EXPECT_GT(std::max(peaks.clients.load(), after->clients), testing::kPgBouncerPoolSize)
      << "PgBouncer's clients never outnumbered its pool: nothing was shared";
  // ... which never exceeded PgBouncer's pool, seen from PgBouncer and from PostgreSQL.
  EXPECT_GE(peaks.servers.load(), 1);
  EXPECT_LE(peaks.servers.load(), testing::kPgBouncerPoolSize);
  EXPECT_GE(peaks.backends.load(), 1);
  EXPECT_LE(peaks.backends.load(), testing::kPgBouncerPoolSize);
  std::cout << "PgBouncer clients: peak " << peaks.clients.load() << ", after the load "
            << after->clients << " of " << kProcesses * kPoolSize << "; server connections: peak "
            << peaks.servers.load() << "; PostgreSQL backends of the database: peak "
            << peaks.backends.load() << "; samples " << peaks.samples.load() << "\n";
}

}  // namespace
}  // namespace misc

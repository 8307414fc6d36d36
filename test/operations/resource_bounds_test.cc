// Bounded resources of the real misc-server: database work beyond --db_pool_size running
// plus --db_max_waiters queued fails fast with UNAVAILABLE; the server never holds more
// PostgreSQL connections than its pool, whatever the number of clients; its file descriptors
// stay within the budget it logs at start; and a pool that does not fit the descriptor limit
// is refused at start.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "test/operations/operations_support.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/subprocess.h"

namespace misc::operations {
namespace {

using ::misc::testing::Eventually;
using ::misc::testing::ServerProcess;

constexpr int kPoolSize = 4;
constexpr int kMaxWaiters = 8;
// Bound of every wait for a state change.
constexpr absl::Duration kWithin = absl::Seconds(20);
// How often the samplers look at PostgreSQL and /proc.
constexpr absl::Duration kSampleEvery = absl::Milliseconds(20);

std::vector<std::string> BoundedPoolFlags() {
  std::vector<std::string> flags = FastReadinessFlags();
  flags.insert(flags.end(), {absl::StrCat("--db_pool_size=", kPoolSize),
                             absl::StrCat("--db_max_waiters=", kMaxWaiters),
                             // Only the table lock, never a timeout, ends the blocked calls.
                             "--max_call_timeout=60s"});
  return flags;
}

// Runs misc-server under RLIMIT_NOFILE `limit`.
std::string ServerUnderFdLimit(int limit) { return UnderFdLimit(MISC_SERVER_BINARY, limit); }

TEST(ResourceBoundsTest, CallsBeyondPoolAndWaitersFailFastWhileConnectionsStayWithinThePool) {
  const std::string database_url = CreateOperationsDatabase("ops_overload");
  ASSERT_FALSE(database_url.empty());
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url, BoundedPoolFlags());
  ASSERT_NE(server, nullptr);
  MaxSampler connections([&] { return ServerConnections(database_url); }, kSampleEvery);

  std::unique_ptr<TableLock> lock = TableLock::Acquire(database_url, "restaurants");
  ASSERT_NE(lock, nullptr);
  constexpr int kCalls = 30;
  auto stub = restaurant::v1::RestaurantService::NewStub(server->channel());
  std::vector<std::unique_ptr<PendingGetRestaurant>> calls;
  calls.reserve(kCalls);
  for (int i = 0; i < kCalls; ++i) calls.push_back(StartGetRestaurant(*stub, absl::Seconds(60)));

  // At most pool + waiters calls are taken: the pool's queries wait for the lock, up to
  // kMaxWaiters wait for a worker, every other call is refused at once.
  constexpr int kMostAccepted = kPoolSize + kMaxWaiters;
  const auto done_count = [&calls] {
    int done = 0;
    for (const auto& call : calls) done += call->done() ? 1 : 0;
    return done;
  };
  EXPECT_TRUE(Eventually(
      [&] {
        return done_count() >= kCalls - kMostAccepted &&
               ServerQueriesWaitingForLock(database_url) == kPoolSize;
      },
      kWithin))
      << done_count() << " calls ended, " << ServerQueriesWaitingForLock(database_url)
      << " queries wait for the lock\n"
      << server->Output();
  // Let the sampler look at the overloaded server a while before releasing it.
  const int samples_before = connections.samples();
  EXPECT_TRUE(Eventually([&] { return connections.samples() >= samples_before + 10; }, kWithin));
  const absl::Time released = absl::Now();
  lock->Release();

  int ok = 0;
  int refused = 0;
  for (const auto& call : calls) {
    ASSERT_TRUE(call->Wait(kWithin)) << server->Output();
    const grpc::Status& status = call->status();
    if (status.ok()) {
      ++ok;
      EXPECT_EQ(call->response().restaurant().name(), kRestaurantName);
    } else {
      ++refused;
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
      EXPECT_NE(status.error_message().find("overloaded"), std::string::npos)
          << status.error_message();
      EXPECT_LT(call->finished(), released) << "a refused call waited for the lock";
    }
  }
  EXPECT_GE(refused, kCalls - kMostAccepted);
  EXPECT_LE(ok, kMostAccepted);
  // Calls only queue for a worker, so at least the queue's worth was served.
  EXPECT_GE(ok, kMaxWaiters);
  connections.Stop();
  EXPECT_LE(connections.max(), kPoolSize) << "over " << connections.samples() << " samples";
  EXPECT_GE(connections.max(), 1);
}

TEST(ResourceBoundsTest, ManyClientConnectionsStayWithinThePoolAndTheLoggedFdBudget) {
  const std::string database_url = CreateOperationsDatabase("ops_clients");
  ASSERT_FALSE(database_url.empty());
  // A limit of its own, low enough that the budget is a real bound, high enough to fit the
  // clients: 512 = 5 database (a pool of 4, and the change feed's session, budgeted whether
  // or not a cache uses it) + 2 listeners + 128 metrics connections + 64 reserved + 313 client
  // connections.
  constexpr int kFdLimit = 512;
  // The restaurant cache on, as by default (BoundedPoolFlags turns it off; the last flag
  // wins): the whole process, change feed included, must stay within the budget.
  std::vector<std::string> flags = BoundedPoolFlags();
  flags.push_back("--cache_max_entries=100000");
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(database_url, flags, ServerUnderFdLimit(kFdLimit));
  ASSERT_NE(server, nullptr);
  const LoggedFdBudget budget = ParseFdBudget(server->Output());
  ASSERT_EQ(budget.limit, kFdLimit) << server->Output();
  EXPECT_EQ(budget.database, kPoolSize + 1);
  EXPECT_EQ(budget.limit, budget.database + budget.listeners + budget.metrics_connections +
                              budget.reserved + budget.client_connections);

  constexpr int kClients = 300;
  ASSERT_LE(kClients, budget.client_connections);
  const pid_t pid = server->process().pid();
  const int64_t fds_before_clients = OpenFds(pid);
  ASSERT_GT(fds_before_clients, 0);

  // kClients connections: ServerProcess::channel gives each channel a distinct argument, so
  // no two share a subchannel (and a TCP connection).
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<restaurant::v1::RestaurantService::Stub>> restaurant_stubs;
  std::vector<std::unique_ptr<genre::v1::GenreService::Stub>> genre_stubs;
  for (int i = 0; i < kClients; ++i) {
    channels.push_back(server->channel());
    ASSERT_TRUE(channels.back()->WaitForConnected(absl::ToChronoTime(absl::Now() + kWithin)))
        << "client " << i << " could not connect\n"
        << server->Output();
    restaurant_stubs.push_back(restaurant::v1::RestaurantService::NewStub(channels.back()));
    genre_stubs.push_back(genre::v1::GenreService::NewStub(channels.back()));
  }

  MaxSampler fds([pid] { return OpenFds(pid); }, kSampleEvery);
  MaxSampler connections([&] { return ServerConnections(database_url); }, kSampleEvery);
  constexpr int kRounds = 3;
  int restaurants_ok = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<PendingGetRestaurant>> restaurant_calls;
    std::vector<std::unique_ptr<PendingListGenres>> genre_calls;
    for (int i = 0; i < kClients; ++i) {
      restaurant_calls.push_back(StartGetRestaurant(*restaurant_stubs[i], kWithin));
      auto genres = std::make_unique<PendingListGenres>(genre::v1::ListGenresRequest(), kWithin);
      genres->Start(
          [stub = genre_stubs[i].get()](auto... args) { stub->async()->ListGenres(args...); });
      genre_calls.push_back(std::move(genres));
    }
    for (const auto& call : restaurant_calls) {
      ASSERT_TRUE(call->Wait(kWithin + absl::Seconds(5)));
      // Served, or refused at once when pool and waiters are full; nothing else.
      if (call->status().ok()) {
        ++restaurants_ok;
      } else {
        EXPECT_EQ(call->status().error_code(), grpc::StatusCode::UNAVAILABLE)
            << call->status().error_message();
      }
    }
    for (const auto& call : genre_calls) {
      ASSERT_TRUE(call->Wait(kWithin + absl::Seconds(5)));
      EXPECT_TRUE(call->status().ok())
          << call->status().error_code() << ": " << call->status().error_message();
      EXPECT_EQ(call->response().genres_size(), 1);
    }
  }
  fds.Stop();
  connections.Stop();
  EXPECT_GT(restaurants_ok, 0);

  // The pool and the change feed's LISTEN session, nothing more.
  EXPECT_LE(connections.max(), kPoolSize + 1) << "over " << connections.samples() << " samples";
  EXPECT_GE(connections.max(), 1);
  // Slack: the connections ServerProcess::Start opened to probe health before returning; the
  // server may still be closing them when sampling starts (and they may be counted in
  // fds_before_clients, then gone).
  constexpr int64_t kStartProbeSlack = 8;
  // The clients' connections were all open while sampling: the bound below is not vacuous.
  EXPECT_GE(fds.max(), fds_before_clients + kClients - kStartProbeSlack)
      << "over " << fds.samples() << " samples";
  EXPECT_LE(fds.max(), budget.limit);
  // Every descriptor is accounted for by the budget's parts: pooled database connections,
  // listeners, the reserve (stdio, epoll, eventfds, timers, a cancel request in flight) and
  // one per client connection, give or take the slack above.
  EXPECT_LE(fds.max(),
            budget.database + budget.listeners + budget.reserved + kClients + kStartProbeSlack)
      << "before the clients: " << fds_before_clients << " descriptors";
}

TEST(ResourceBoundsTest, PoolLargerThanTheFdLimitAllowsIsRefusedAtStart) {
  const misc::testing::RunResult result =
      misc::testing::RunAndWait(ServerUnderFdLimit(512),
                                {"--db_pool_size=1000", "--listen=127.0.0.1:0",
                                 "--database_url=postgresql://misc@127.0.0.1:1/never_connected"},
                                {}, absl::Seconds(30));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.exit_code, -1) << "did not exit by itself:\n" << result.output;
  EXPECT_NE(result.output.find("--db_pool_size"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("file descriptor limit"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace misc::operations

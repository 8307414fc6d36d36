// Read replicas, end to end: misc-server with --database_replica_url against a real streaming
// replica of the test cluster (made by scripts/pg.sh replica, pg_basebackup -R). Reads reach
// the replicas and not the primary while they are caught up; a replica whose replay is paused
// is taken out (reads go to the primary) and comes back on resume; a write is served within
// max lag + 1 s with the restaurant cache on; a replica stopped under load fails no call
// beyond those in flight at the cut.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "test/replica/replica_support.h"
#include "test/support/eventually.h"
#include "test/support/fault_proxy.h"
#include "test/support/misc_server.h"
#include "test/support/restaurant_cache_probe.h"

namespace misc::testing {
namespace {

constexpr char kPrimaryReads[] = R"(misc_db_reads_total{host="primary"})";
constexpr char kReplica1Reads[] = R"(misc_db_reads_total{host="replica-1"})";
constexpr char kReplica2Reads[] = R"(misc_db_reads_total{host="replica-2"})";
constexpr char kReplica1Usable[] = R"(misc_db_host_usable{host="replica-1"})";
constexpr char kReplica2Usable[] = R"(misc_db_host_usable{host="replica-2"})";
constexpr char kReplica1Lag[] = R"(misc_db_replica_lag_seconds{host="replica-1"})";
// --max_replica_lag of these tests.
constexpr absl::Duration kMaxLag = absl::Seconds(1);
// --db_pool_size of these tests: the most reads a replica can have in flight.
constexpr int kPoolSize = 4;

class ReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = CreateReplicatedDatabase("replica");
    ASSERT_FALSE(database_.replica_url.empty());
  }

  // Starts misc-server on the test database with `replicas` replica URLs (each the test
  // replica) checked every `check_interval`, and the restaurant cache on or off.
  void StartServer(int replicas, absl::Duration check_interval, bool cache) {
    std::vector<std::string> flags = {
        absl::StrCat("--max_replica_lag=", absl::FormatDuration(kMaxLag)),
        absl::StrCat("--replica_check_interval=", absl::FormatDuration(check_interval)),
        absl::StrCat("--db_pool_size=", kPoolSize), "--readiness_interval=200ms",
        cache ? "--cache_max_entries=1000" : "--cache_max_entries=0"};
    // Repeated rather than comma-separated: both spellings add up.
    for (int i = 0; i < replicas; ++i) {
      flags.push_back(absl::StrCat("--database_replica_url=", database_.replica_url));
    }
    server_ = ServerProcess::Start(database_.primary_url, flags);
    ASSERT_NE(server_, nullptr);
    metrics_port_ = server_->MetricsPort();
    ASSERT_GT(metrics_port_, 0);
    probe_ = std::make_unique<RestaurantCacheProbe>(server_->channel(), database_.primary_url);
  }

  bool UsableWithin(const std::string& series, bool usable, absl::Duration within) {
    return Eventually([&] { return Metric(metrics_port_, series) == (usable ? 1.0 : 0.0); },
                      within);
  }

  // Calls GetRestaurant(1) `count` times; returns how many failed.
  int Calls(int count) {
    int failed = 0;
    for (int i = 0; i < count; ++i) failed += probe_->Name().ok() ? 0 : 1;
    return failed;
  }

  ReplicatedDatabase database_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RestaurantCacheProbe> probe_;
  int metrics_port_ = 0;
};

TEST_F(ReplicaTest, ReadsSpreadAcrossCaughtUpReplicasAndNoneGoToThePrimary) {
  StartServer(/*replicas=*/2, absl::Milliseconds(200), /*cache=*/false);
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();
  ASSERT_TRUE(UsableWithin(kReplica2Usable, true, absl::Seconds(10))) << server_->Output();
  const std::string before = ScrapeMetrics(metrics_port_);
  EXPECT_EQ(Calls(60), 0);
  const std::string after = ScrapeMetrics(metrics_port_);
  const auto delta = [&](const char* series) {
    return MetricValue(after, series).value_or(-1) - MetricValue(before, series).value_or(-1);
  };
  EXPECT_GE(delta(kReplica1Reads), 20) << after;
  EXPECT_GE(delta(kReplica2Reads), 20) << after;
  EXPECT_EQ(delta(kPrimaryReads), 0) << after;
  const std::optional<double> lag = MetricValue(after, kReplica1Lag);
  ASSERT_TRUE(lag.has_value()) << after;
  EXPECT_LE(*lag, absl::ToDoubleSeconds(kMaxLag));
}

TEST_F(ReplicaTest, PausedReplayTakesTheReplicaOutUntilItIsResumed) {
  StartServer(/*replicas=*/1, absl::Milliseconds(200), /*cache=*/false);
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();
  ASSERT_TRUE(SetReplayPaused(database_.replica_url, true).ok());
  absl::Cleanup resume = [this] { (void)SetReplayPaused(database_.replica_url, false); };
  ASSERT_TRUE(probe_->RenameTold("written while paused").ok());

  ASSERT_TRUE(UsableWithin(kReplica1Usable, false, absl::Seconds(10))) << server_->Output();
  EXPECT_GT(Metric(metrics_port_, kReplica1Lag), absl::ToDoubleSeconds(kMaxLag));
  const double primary_before = Metric(metrics_port_, kPrimaryReads);
  const double replica_before = Metric(metrics_port_, kReplica1Reads);
  EXPECT_EQ(probe_->Name().value_or(""), "written while paused") << "served by the primary";
  EXPECT_EQ(Calls(10), 0);
  EXPECT_GE(Metric(metrics_port_, kPrimaryReads) - primary_before, 11);
  EXPECT_EQ(Metric(metrics_port_, kReplica1Reads), replica_before);

  ASSERT_TRUE(SetReplayPaused(database_.replica_url, false).ok());
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();
  const double replica_resumed = Metric(metrics_port_, kReplica1Reads);
  EXPECT_EQ(probe_->Name().value_or(""), "written while paused") << "replayed by now";
  EXPECT_EQ(Calls(10), 0);
  EXPECT_GE(Metric(metrics_port_, kReplica1Reads) - replica_resumed, 11);
}

TEST_F(ReplicaTest, AWriteIsServedWithinMaxLagPlusOneSecondWithTheCacheOn) {
  StartServer(/*replicas=*/1, absl::Milliseconds(100), /*cache=*/true);
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();
  // The cache is on (it answers "before" over a silent rename) and the replica is caught up.
  ASSERT_TRUE(probe_->WaitUntilCached().ok()) << server_->Output();
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();

  // The worst case: the change notification evicts the entry at once, and the next read goes
  // to a replica that has not replayed the change yet (still within the lag it may have).
  ASSERT_TRUE(SetReplayPaused(database_.replica_url, true).ok());
  absl::Cleanup resume = [this] { (void)SetReplayPaused(database_.replica_url, false); };
  const absl::Time written = absl::Now();
  ASSERT_TRUE(probe_->RenameTold("after").ok());
  int stale_answers = 0;
  absl::Time served = absl::InfiniteFuture();
  while (absl::Now() < written + absl::Seconds(10)) {
    absl::StatusOr<std::string> name = probe_->Name();
    if (name.ok() && *name == "after") {
      served = absl::Now();
      break;
    }
    ++stale_answers;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_NE(served, absl::InfiniteFuture()) << "never served the write" << server_->Output();
  std::cout << "the write was served after " << absl::FormatDuration(served - written) << ", "
            << stale_answers << " stale answers first\n";
  EXPECT_LE(served - written, kMaxLag + absl::Seconds(1));
}

// A replica that stops answering (the network to it drops everything) costs at most one call
// per client, each ended by its deadline, and then no more: it is taken out, and its pool
// (bounded, backed off) opens no storm of connections meanwhile.
TEST_F(ReplicaTest, ASilentReplicaCostsBoundedCallsAndIsTakenOut) {
  absl::StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(ReplicaPort());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  database_.replica_url = WithPort(database_.replica_url, (*proxy)->port());
  StartServer(/*replicas=*/1, absl::Milliseconds(200), /*cache=*/false);
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();

  constexpr absl::Duration kDeadline = absl::Seconds(1);
  constexpr int kClients = 2 * kPoolSize;
  std::atomic<bool> stop{false};
  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::atomic<int64_t> longest_ms{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, channel = server_->channel()] {
      RestaurantCacheProbe client(channel, database_.primary_url);
      while (!stop) {
        const absl::Time start = absl::Now();
        (client.Name(kDeadline).ok() ? succeeded : failed)++;
        const int64_t took = absl::ToInt64Milliseconds(absl::Now() - start);
        int64_t longest = longest_ms;
        while (took > longest && !longest_ms.compare_exchange_weak(longest, took)) {
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  const int64_t accepted_before = (*proxy)->accepted();
  ASSERT_TRUE((*proxy)->SetMode(FaultMode::kBlackhole).ok());
  const int succeeded_at_cut = succeeded;
  absl::SleepFor(absl::Seconds(3));
  stop = true;
  for (std::thread& client : clients) client.join();
  const int64_t opened_during_fault = (*proxy)->accepted() - accepted_before;

  std::cout << failed << " failed and " << succeeded << " succeeded calls ("
            << succeeded - succeeded_at_cut << " after the cut), longest " << longest_ms << " ms, "
            << opened_during_fault << " connections opened to the silent replica\n";
  EXPECT_LE(failed, kClients) << "a client failed more than the one call it had on the replica";
  EXPECT_GT(succeeded - succeeded_at_cut, 0) << "the primary took the reads";
  EXPECT_LE(longest_ms, absl::ToInt64Milliseconds(kDeadline + absl::Milliseconds(500)));
  EXPECT_EQ(Metric(metrics_port_, kReplica1Usable), 0);
  EXPECT_LE(opened_during_fault, kPoolSize + 2) << "a reconnect storm";

  ASSERT_TRUE((*proxy)->SetMode(FaultMode::kPass).ok());
  EXPECT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(20))) << server_->Output();
}

TEST_F(ReplicaTest, AReplicaStoppedUnderLoadFailsAtMostTheCallsInFlightOnIt) {
  StartServer(/*replicas=*/1, absl::Milliseconds(200), /*cache=*/false);
  ASSERT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(10))) << server_->Output();
  absl::Cleanup restart = [] { (void)StartReplica(); };

  std::atomic<bool> stop{false};
  std::atomic<int> succeeded{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> clients;
  constexpr int kClients = 2 * kPoolSize;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, channel = server_->channel()] {
      RestaurantCacheProbe client(channel, database_.primary_url);
      while (!stop) (client.Name(absl::Seconds(2)).ok() ? succeeded : failed)++;
    });
  }
  absl::SleepFor(absl::Seconds(1));
  const double primary_before = Metric(metrics_port_, kPrimaryReads);
  ASSERT_TRUE(StopReplica().ok());
  const int succeeded_at_cut = succeeded;
  absl::SleepFor(absl::Seconds(2));
  stop = true;
  for (std::thread& client : clients) client.join();

  std::cout << failed << " failed and " << succeeded << " succeeded calls, "
            << succeeded - succeeded_at_cut << " after the cut\n";
  EXPECT_LE(failed, kPoolSize) << "more failures than reads the replica had in flight";
  EXPECT_GT(succeeded - succeeded_at_cut, 0) << "the primary took the reads";
  EXPECT_EQ(Metric(metrics_port_, kReplica1Usable), 0);
  EXPECT_GT(Metric(metrics_port_, kPrimaryReads), primary_before);

  ASSERT_TRUE(StartReplica().ok());
  EXPECT_TRUE(UsableWithin(kReplica1Usable, true, absl::Seconds(20))) << server_->Output();
}

}  // namespace
}  // namespace misc::testing

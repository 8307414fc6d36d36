// Short deadlines against a healthy database: ListReviews with 5 ms deadlines at 32 concurrent
// calls for 30 s. A cancelled call must not cost a database session: a connection whose
// cancel was acknowledged is reused, so pg_stat_database.sessions grows by fewer than one per
// 100 cancelled calls.
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/faults/fault_fixture.h"
#include "test/faults/load_mixer.h"

namespace misc::faults {
namespace {

constexpr int kConcurrency = 32;
constexpr absl::Duration kDuration = absl::Seconds(30);
constexpr absl::Duration kDeadline = absl::Milliseconds(5);
// PostgreSQL publishes a backend's statistics up to a second after the fact.
constexpr absl::Duration kStatsDelay = absl::Milliseconds(1500);

using SessionChurnTest = FaultTest;

TEST_F(SessionChurnTest, ShortDeadlinesDoNotChurnSessions) {
  std::unique_ptr<testing::ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  LoadOptions options = MixedLoad(*server, kConcurrency);
  options.kinds = {CallKind::kListReviews};
  options.database_deadlines = {kDeadline};
  options.pace = absl::ZeroDuration();  // 32 calls in flight at every moment.
  {
    // Warm up: the pool's connections are open before the count starts.
    LoadOptions warm = options;
    warm.database_deadlines = {absl::Seconds(1)};
    LoadMixer warm_up(warm);
    absl::SleepFor(absl::Seconds(1));
  }
  absl::SleepFor(kStatsDelay);
  absl::StatusOr<int64_t> before = cluster().DatabaseStat(seeded_database(), "sessions");
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<int64_t> rollbacks_before =
      cluster().DatabaseStat(seeded_database(), "xact_rollback");
  ASSERT_TRUE(rollbacks_before.ok()) << rollbacks_before.status();

  const absl::Time start = absl::Now();
  LoadMixer load(options);
  absl::SleepFor(kDuration);
  load.Stop();
  absl::SleepFor(kStatsDelay);
  absl::StatusOr<int64_t> after = cluster().DatabaseStat(seeded_database(), "sessions");
  ASSERT_TRUE(after.ok()) << after.status();
  absl::StatusOr<int64_t> rollbacks_after =
      cluster().DatabaseStat(seeded_database(), "xact_rollback");
  ASSERT_TRUE(rollbacks_after.ok()) << rollbacks_after.status();

  const std::vector<CallRecord> records = load.Records();
  int64_t cancelled = 0;
  int64_t ok = 0;
  int64_t unavailable = 0;
  for (const CallRecord& record : records) {
    cancelled += record.code == grpc::StatusCode::DEADLINE_EXCEEDED;
    ok += record.code == grpc::StatusCode::OK;
    unavailable += record.code == grpc::StatusCode::UNAVAILABLE;
  }
  const int64_t sessions = *after - *before;
  Figure("churn.calls", static_cast<int64_t>(records.size()));
  Figure("churn.ok", ok);
  Figure("churn.deadline_exceeded", cancelled);
  Figure("churn.unavailable", unavailable);
  Figure("churn.sessions_before", *before);
  Figure("churn.sessions_after", *after);
  Figure("churn.new_sessions", sessions);
  // How many of the cancelled calls the database saw cancelled mid-query (each rolls back its
  // statement); most 5 ms calls end before they reach it.
  Figure("churn.queries_cancelled_in_database", *rollbacks_after - *rollbacks_before);
  EXPECT_GT(cancelled, 0) << "no call hit its 5 ms deadline: the test proves nothing";
  EXPECT_LT(sessions * 100, cancelled)
      << sessions << " new sessions for " << cancelled << " cancelled calls";
  Figure("churn.db_max_overrun", CheckCalls(records, start));
  CheckNoSecret(*server, "the server");
}

}  // namespace
}  // namespace misc::faults

// A 30 s outage under 64 concurrent calls: every connection to the database is reset (the
// proxy counts each connection attempt as it accepts it). misc-server must back off its
// reconnects under a 1 s cap, rate-limit its warnings to one line per cause per 10 s, never
// log the password, keep every call within its bound, and recover quickly.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/faults/fault_fixture.h"
#include "test/faults/load_mixer.h"
#include "test/faults/server_observation.h"
#include "test/support/fault_proxy.h"

namespace misc::faults {
namespace {

using ::misc::testing::FaultMode;

constexpr int kConcurrency = 64;
constexpr absl::Duration kOutage = absl::Seconds(30);
// The documented cap of the reconnect backoff.
constexpr absl::Duration kBackoffCap = absl::Seconds(1);
// The documented cap of the change feed's reconnect backoff (src/db/change_feed.h).
constexpr absl::Duration kFeedBackoffCap = absl::Seconds(5);
// The rate limit of warnings: one line per cause per this long.
constexpr absl::Duration kWarningPeriod = absl::Seconds(10);

using ReconnectStormTest = FaultTest;

TEST_F(ReconnectStormTest, OutageBacksOffReconnectsAndRateLimitsWarnings) {
  std::unique_ptr<testing::ServerProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  LoadOptions options = MixedLoad(*server, kConcurrency);
  options.pace = absl::ZeroDuration();  // 64 calls in flight at every moment.
  LoadMixer load(options);
  absl::SleepFor(absl::Seconds(1));

  const int64_t accepted_before = proxy().accepted();
  const absl::Time outage = absl::Now();
  ASSERT_TRUE(proxy().SetMode(FaultMode::kReset).ok());
  absl::SleepFor(kOutage);
  const int64_t attempts = proxy().accepted() - accepted_before;
  ASSERT_TRUE(proxy().SetMode(FaultMode::kPass).ok());
  const absl::Time recovered = absl::Now();
  absl::SleepFor(kRecoveryBound + absl::Milliseconds(500));
  load.Stop();
  const std::vector<CallRecord> records = load.Records();

  // Backoff: in steady state at most one attempt per kBackoffCap, with room for the first
  // quick retries and jitter.
  const double outage_seconds = absl::ToDoubleSeconds(kOutage);
  // The change feed's LISTEN session retries too, with a cap of kFeedBackoffCap.
  const int64_t max_attempts =
      static_cast<int64_t>(outage_seconds / absl::ToDoubleSeconds(kBackoffCap) * 1.5) + 10 +
      static_cast<int64_t>(outage_seconds / absl::ToDoubleSeconds(kFeedBackoffCap) * 1.5) + 8;
  Figure("storm.calls", static_cast<int64_t>(records.size()));
  Figure("storm.connection_attempts", attempts);
  Figure("storm.connection_attempts_allowed", max_attempts);
  EXPECT_LE(attempts, max_attempts)
      << "connection attempts during a " << absl::FormatDuration(kOutage) << " outage";

  // Warnings: at most one line per cause per kWarningPeriod.
  const int max_per_cause =
      static_cast<int>(std::ceil(outage_seconds / absl::ToDoubleSeconds(kWarningPeriod))) + 1;
  int most = 0;
  for (const auto& [cause, lines] : WarningsByCause(server->Output())) {
    std::printf("storm warning cause (%d lines): %s\n", lines, cause.c_str());
    most = std::max(most, lines);
    EXPECT_LE(lines, max_per_cause) << "warning lines of cause: " << cause;
  }
  Figure("storm.max_warning_lines_per_cause", static_cast<int64_t>(most));
  CheckNoSecret(*server, "the server");

  Figure("storm.db_max_overrun", CheckCalls(records, outage));
  std::optional<absl::Time> first_ok;
  for (const CallRecord& record : records) {
    if (IsDatabaseBacked(record.kind) && record.code == grpc::StatusCode::OK &&
        record.end >= recovered && (!first_ok.has_value() || record.end < *first_ok)) {
      first_ok = record.end;
    }
  }
  if (first_ok.has_value()) Figure("storm.first_ok_after_recovery", *first_ok - recovered);
  EXPECT_TRUE(first_ok.has_value() && *first_ok - recovered <= kRecoveryBound)
      << "no OK database-backed call within " << absl::FormatDuration(kRecoveryBound)
      << " of the end of the outage";
  if (HasFailure()) {
    std::printf("---- last lines of the server ----\n%s\n", OutputTail(server->Output()).c_str());
  }
}

}  // namespace
}  // namespace misc::faults

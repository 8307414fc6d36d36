#include "src/db/wal_position_history.h"

#include <gtest/gtest.h>

namespace misc::db {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'000'000);

TEST(WalRecordEndTest, AnInsertPositionPastAnEmptyPagesHeaderIsThePageStart) {
  constexpr uint64_t kPage = 8192;
  EXPECT_EQ(WalRecordEnd(3 * kPage + 24), 3 * kPage);
  EXPECT_EQ(WalRecordEnd(2048 * kPage + 40), 2048 * kPage);
  EXPECT_EQ(WalRecordEnd(3 * kPage + 64), 3 * kPage + 64);
  EXPECT_EQ(WalRecordEnd(3 * kPage), 3 * kPage);
}

TEST(WalPositionHistoryTest, NoSampleMeansUnknownLag) {
  WalPositionHistory history(absl::Seconds(10));
  EXPECT_EQ(history.LagOf(100, kStart), std::nullopt);
  EXPECT_EQ(history.Newest(), absl::InfinitePast());
}

TEST(WalPositionHistoryTest, LagIsTheAgeOfTheNewestPositionTheReplicaHasReplayed) {
  WalPositionHistory history(absl::Seconds(10));
  history.Record(kStart, 100);
  history.Record(kStart + absl::Seconds(1), 200);
  history.Record(kStart + absl::Seconds(2), 300);
  const absl::Time now = kStart + absl::Milliseconds(2500);
  EXPECT_EQ(history.LagOf(300, now), absl::Milliseconds(500));
  EXPECT_EQ(history.LagOf(250, now), absl::Milliseconds(1500));
  EXPECT_EQ(history.LagOf(200, now), absl::Milliseconds(1500));
  EXPECT_EQ(history.LagOf(150, now), absl::Milliseconds(2500));
}

TEST(WalPositionHistoryTest, AReplicaBehindEverySampleHasUnknownLag) {
  WalPositionHistory history(absl::Seconds(10));
  history.Record(kStart, 100);
  EXPECT_EQ(history.LagOf(99, kStart + absl::Seconds(1)), std::nullopt);
}

TEST(WalPositionHistoryTest, AnIdlePrimaryDoesNotMakeACaughtUpReplicaLag) {
  WalPositionHistory history(absl::Seconds(10));
  for (int i = 0; i <= 60; ++i) history.Record(kStart + absl::Seconds(i), 500);
  // Replay timestamps would say a minute; the position says the last sample.
  EXPECT_EQ(history.LagOf(500, kStart + absl::Milliseconds(60'100)), absl::Milliseconds(100));
}

TEST(WalPositionHistoryTest, LagGrowsWhileReplayStandsStillAndThePrimaryWrites) {
  WalPositionHistory history(absl::Seconds(10));
  history.Record(kStart, 100);
  history.Record(kStart + absl::Seconds(1), 100);  // Replay pauses at 100 after this.
  history.Record(kStart + absl::Seconds(2), 180);
  history.Record(kStart + absl::Seconds(3), 260);
  EXPECT_EQ(history.LagOf(100, kStart + absl::Seconds(3)), absl::Seconds(2));
  EXPECT_EQ(history.LagOf(100, kStart + absl::Seconds(4)), absl::Seconds(3));
}

TEST(WalPositionHistoryTest, SamplesOlderThanTheKeptWindowAreForgotten) {
  WalPositionHistory history(absl::Seconds(2));
  history.Record(kStart, 100);
  history.Record(kStart + absl::Seconds(1), 200);
  history.Record(kStart + absl::Seconds(5), 300);
  // 100 and 200 fell out of the window: a replica at 200 is behind everything kept.
  EXPECT_EQ(history.LagOf(200, kStart + absl::Seconds(5)), std::nullopt);
  EXPECT_EQ(history.Newest(), kStart + absl::Seconds(5));
}

TEST(WalPositionHistoryTest, ALowerPositionStartsTheHistoryOver) {
  WalPositionHistory history(absl::Seconds(10));
  history.Record(kStart, 1000);
  history.Record(kStart + absl::Seconds(1), 10);  // Another primary.
  EXPECT_EQ(history.LagOf(500, kStart + absl::Seconds(1)), absl::ZeroDuration());
  EXPECT_EQ(history.LagOf(5, kStart + absl::Seconds(1)), std::nullopt);
}

}  // namespace
}  // namespace misc::db

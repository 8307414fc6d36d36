#include "src/refresh/refresher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/time/clock.h"
#include "src/refresh/snapshot.h"

namespace misc::refresh {
namespace {

// Polls `condition` for at most `timeout`.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

TEST(SnapshotTest, IsEmptyUntilSetAndKeepsOldVersionsAliveForReaders) {
  Snapshot<int> snapshot;
  EXPECT_EQ(snapshot.Get(), nullptr);
  snapshot.Set(std::make_shared<const int>(1));
  std::shared_ptr<const int> reader = snapshot.Get();
  snapshot.Set(std::make_shared<const int>(2));
  EXPECT_EQ(*reader, 1);
  EXPECT_EQ(*snapshot.Get(), 2);
}

TEST(RefresherTest, LoadsAtStartThenReloadsTheLiveSnapshot) {
  auto snapshot = std::make_shared<Snapshot<int>>();
  auto source = std::make_shared<std::atomic<int>>(1);
  Refresher refresher;
  refresher.Add("numbers", absl::Milliseconds(10), [snapshot, source] {
    snapshot->Set(std::make_shared<const int>(source->load()));
    return absl::OkStatus();
  });
  ASSERT_TRUE(refresher.Start().ok());
  ASSERT_NE(snapshot->Get(), nullptr);  // Loaded synchronously by Start.
  EXPECT_EQ(*snapshot->Get(), 1);
  source->store(2);
  EXPECT_TRUE(Eventually([&] { return *snapshot->Get() == 2; }, absl::Seconds(10)));
  EXPECT_GT(refresher.LastSuccess("numbers"), absl::InfinitePast());
}

TEST(RefresherTest, KeepsTheLastGoodValueWhileReloadsFailAndRecovers) {
  auto snapshot = std::make_shared<Snapshot<int>>();
  auto failing = std::make_shared<std::atomic<bool>>(false);
  auto attempts = std::make_shared<std::atomic<int>>(0);
  Refresher refresher;
  refresher.Add("numbers", absl::Milliseconds(10), [=] {
    const int attempt = ++*attempts;
    if (failing->load()) return absl::UnavailableError("database unavailable");
    snapshot->Set(std::make_shared<const int>(attempt));
    return absl::OkStatus();
  });
  ASSERT_TRUE(refresher.Start().ok());
  failing->store(true);
  const int seen = *snapshot->Get();
  const int attempts_before = attempts->load();
  ASSERT_TRUE(
      Eventually([&] { return attempts->load() > attempts_before + 3; }, absl::Seconds(10)));
  EXPECT_LE(*snapshot->Get(), attempts_before + 1);  // At most one reload raced the switch.
  EXPECT_GE(*snapshot->Get(), seen);
  failing->store(false);
  const int attempts_failed = attempts->load();
  EXPECT_TRUE(Eventually([&] { return *snapshot->Get() > attempts_failed; }, absl::Seconds(10)));
}

TEST(RefresherTest, StartReportsAFailedFirstLoad) {
  Refresher refresher;
  refresher.Add("broken", absl::Hours(1), [] { return absl::UnavailableError("down"); });
  EXPECT_EQ(refresher.Start().code(), absl::StatusCode::kUnavailable);
  refresher.Stop();
}

}  // namespace
}  // namespace misc::refresh

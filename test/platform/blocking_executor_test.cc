#include "src/server/blocking_executor.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace misc::server {
namespace {

TEST(BlockingExecutorTest, RunsEverySubmittedTask) {
  std::atomic<int> runs = 0;
  {
    BlockingExecutor executor(2, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(executor.Submit([&runs] { ++runs; }));
  }  // The destructor drains the queue.
  EXPECT_EQ(runs.load(), 50);
}

TEST(BlockingExecutorTest, RefusesWhenTheQueueIsFull) {
  absl::Notification release;
  absl::Notification started;
  BlockingExecutor executor(1, 1);
  ASSERT_TRUE(executor.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();         // The only worker is busy now.
  EXPECT_TRUE(executor.Submit([] {}));   // Fills the queue of one.
  EXPECT_FALSE(executor.Submit([] {}));  // Refused at once.
  release.Notify();
}

}  // namespace
}  // namespace misc::server

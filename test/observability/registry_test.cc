#include "src/observability/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace misc::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RegistryTest, SameNameAndLabelsReturnTheSameSeries) {
  Registry registry;
  Counter& a = registry.AddCounter("calls_total", "Calls.", {{"code", "OK"}});
  Counter& b = registry.AddCounter("calls_total", "Calls.", {{"code", "OK"}});
  Counter& c = registry.AddCounter("calls_total", "Calls.", {{"code", "NOT_FOUND"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.Increment(2);
  EXPECT_EQ(b.Value(), 2);
}

TEST(RegistryTest, RendersFamiliesByNameAndSeriesByLabels) {
  Registry registry;
  registry.AddGauge("zeta", "Last.", {{"k", "b"}}).Set(2);
  registry.AddGauge("zeta", "Last.", {{"k", "a"}}).Set(1);
  registry.AddCounter("alpha_total", "First.").Increment();
  auto middle = registry.AddCallbackGauge("middle", "Middle.", {}, [] { return 7.0; });
  EXPECT_EQ(registry.Render(),
            "# HELP alpha_total First.\n# TYPE alpha_total counter\nalpha_total 1\n"
            "# HELP middle Middle.\n# TYPE middle gauge\nmiddle 7\n"
            "# HELP zeta Last.\n# TYPE zeta gauge\nzeta{k=\"a\"} 1\nzeta{k=\"b\"} 2\n");
}

TEST(RegistryTest, CallbacksAreReadAtEachScrape) {
  Registry registry;
  std::atomic<int> connections{3};
  auto gauge = registry.AddCallbackGauge("open_connections", "Open.", {{"pool", "db"}},
                                         [&] { return connections.load(); });
  auto counter = registry.AddCallbackCounter("reloads_total", "Reloads.", {},
                                             [&] { return connections.load() * 10.0; });
  EXPECT_THAT(registry.Render(), HasSubstr("open_connections{pool=\"db\"} 3\n"));
  connections = 5;
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("open_connections{pool=\"db\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE reloads_total counter\nreloads_total 50\n"));
}

TEST(RegistryTest, DestroyingTheRegistrationRemovesTheSeries) {
  Registry registry;
  int calls = 0;
  {
    CallbackRegistration a =
        registry.AddCallbackGauge("snapshot_age", "Age.", {{"snapshot", "areas"}}, [&] {
          ++calls;
          return 1.0;
        });
    CallbackRegistration b = registry.AddCallbackGauge(
        "snapshot_age", "Age.", {{"snapshot", "genres"}}, [] { return 2.0; });
    EXPECT_THAT(registry.Render(), HasSubstr("snapshot_age{snapshot=\"areas\"} 1\n"));
    EXPECT_EQ(calls, 1);
    CallbackRegistration moved = std::move(a);
    moved.Unregister();
    const std::string text = registry.Render();
    EXPECT_THAT(text, Not(HasSubstr("areas")));
    EXPECT_THAT(text, HasSubstr("snapshot_age{snapshot=\"genres\"} 2\n"));
  }
  EXPECT_EQ(registry.Render(), "");
  EXPECT_EQ(calls, 1);
  // The name is free again once its last series is gone.
  registry.AddCounter("snapshot_age", "Now a counter.");
}

TEST(RegistryTest, DetachedCallbacksStay) {
  Registry registry;
  registry.AddCallbackGauge("forever", "Stays.", {}, [] { return 1.0; }).Detach();
  EXPECT_THAT(registry.Render(), HasSubstr("forever 1\n"));
}

TEST(RegistryTest, UnregisterWaitsForARunningCallback) {
  Registry registry;
  absl::Notification entered;
  absl::Notification release;
  auto registration =
      std::make_unique<CallbackRegistration>(registry.AddCallbackGauge("slow", "Slow.", {}, [&] {
        entered.Notify();
        release.WaitForNotification();
        return 1.0;
      }));
  std::thread scrape([&] { registry.Render(); });
  entered.WaitForNotification();
  std::atomic<bool> unregistered{false};
  std::thread unregister([&] {
    registration->Unregister();
    unregistered = true;
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_FALSE(unregistered);
  release.Notify();
  unregister.join();
  scrape.join();
  EXPECT_TRUE(unregistered);
  EXPECT_EQ(registry.Render(), "");
}

TEST(RegistryTest, ConcurrentUpdatesRegistrationsAndScrapesLoseNothing) {
  Registry registry;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  Counter& shared = registry.AddCounter("shared_total", "Shared.");
  Histogram& latency = registry.AddHistogram("latency_seconds", "Latency.", {}, LatencyBuckets());
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done) registry.Render();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        shared.Increment();
        latency.Observe(0.001 * (i % 100));
        if (i % 1000 == 0) {
          // New label sets appear while others update and scrape.
          registry.AddCounter("per_thread_total", "Per thread.", {{"t", absl::StrCat(t)}})
              .Increment();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  done = true;
  scraper.join();
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr(absl::StrCat("shared_total ", kThreads * kPerThread, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("latency_seconds_count ", kThreads * kPerThread, "\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("latency_seconds_bucket{le=\"+Inf\"} ",
                                           kThreads * kPerThread, "\n")));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_THAT(
        text, HasSubstr(absl::StrCat("per_thread_total{t=\"", t, "\"} ", kPerThread / 1000, "\n")));
  }
}

// Misuse aborts with a message on the log, which death tests read from stderr.
void LogToStderr() { spdlog::set_default_logger(spdlog::stderr_logger_st("death")); }

TEST(RegistryDeathTest, ANameKeepsItsType) {
  Registry registry;
  registry.AddCounter("requests_total", "Requests.");
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddGauge("requests_total", "Requests.");
      },
      "requests_total is a counter, not a gauge");
  EXPECT_DEATH(
      {
        LogToStderr();
        (void)registry.AddCallbackCounter("requests_total", "Requests.", {}, [] { return 1.0; });
      },
      "requests_total is a counter, not a callback counter");
}

TEST(RegistryDeathTest, RejectsInvalidNames) {
  Registry registry;
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddCounter("1bad", "Bad.");
      },
      "invalid metric name");
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddCounter("ok_total", "Ok.", {{"bad-label", "x"}});
      },
      "invalid label name");
}

TEST(RegistryDeathTest, RejectsBadHistograms) {
  Registry registry;
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddHistogram("h_seconds", "H.", {}, {0.1, 0.1});
      },
      "strictly increasing");
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddHistogram("h_seconds", "H.", {{"le", "1"}}, {0.1});
      },
      "has a label \"le\"");
  registry.AddHistogram("h_seconds", "H.", {}, {0.1});
  EXPECT_DEATH(
      {
        LogToStderr();
        registry.AddCounter("h_seconds_count", "Clash.");
      },
      "series of histogram h_seconds");
}

TEST(RegistryDeathTest, RejectsACallbackSeriesRegisteredTwice) {
  Registry registry;
  auto first = registry.AddCallbackGauge("g", "G.", {{"k", "v"}}, [] { return 1.0; });
  EXPECT_DEATH(
      {
        LogToStderr();
        (void)registry.AddCallbackGauge("g", "G.", {{"k", "v"}}, [] { return 2.0; });
      },
      "registered twice");
}

}  // namespace
}  // namespace misc::observability

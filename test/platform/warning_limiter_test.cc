#include "src/log/warning_limiter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace misc::log {
namespace {

// Captures what spdlog's default logger writes while it lives.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines() const {
    return absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST(WarningLimiterTest, LogsOneLinePerCausePerInterval) {
  CapturedLog log;
  WarningLimiter limiter(absl::Hours(1));
  for (int i = 0; i < 100; ++i) limiter.Warn("database connection failed", "refused");
  limiter.Warn("database connection lost", "reset");
  ASSERT_EQ(log.Lines().size(), 2u);
  EXPECT_EQ(log.Lines()[0], "database connection failed: refused");
  EXPECT_EQ(log.Lines()[1], "database connection lost: reset");
}

TEST(WarningLimiterTest, TheNextLineCountsWhatWasSuppressed) {
  CapturedLog log;
  WarningLimiter limiter(absl::Milliseconds(50));
  for (int i = 0; i < 5; ++i) limiter.Warn("database query abandoned", "no answer");
  absl::SleepFor(absl::Milliseconds(60));
  limiter.Warn("database query abandoned", "no answer");
  ASSERT_EQ(log.Lines().size(), 2u);
  EXPECT_EQ(log.Lines()[0], "database query abandoned: no answer");
  EXPECT_TRUE(
      absl::StartsWith(log.Lines()[1], "database query abandoned: no answer (4 more since "))
      << log.Lines()[1];
}

}  // namespace
}  // namespace misc::log

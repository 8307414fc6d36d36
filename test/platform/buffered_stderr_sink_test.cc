#include "src/log/buffered_stderr_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/details/console_globals.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace misc::log {
namespace {

// Points stderr (fd 2) at a temporary file for the test's lifetime, so that what the sink
// wrote can be read back at any moment, not only when a capture ends.
class StderrToFile {
 public:
  StderrToFile() {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int fd = ::mkstemp(path_.data());
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    ::unlink(path_.c_str());
  }

  std::string Written() const {
    std::ifstream file(path_);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  // Waits up to 5 s until Written() has `lines` newlines; returns what was written.
  std::string WaitForLines(size_t lines) const {
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    std::string written = Written();
    while (static_cast<size_t>(std::count(written.begin(), written.end(), '\n')) < lines &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
      written = Written();
    }
    return written;
  }

 private:
  std::string path_ = "/tmp/misc-stderr-XXXXXX";
  int saved_ = -1;
};

std::shared_ptr<spdlog::logger> Logger(std::string name, spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(std::move(name), std::move(sink));
  logger->set_pattern("%v");
  return logger;
}

TEST(BufferedStderrSinkTest, KeepsLinesUntilFlushedThenWritesThemAllInOrder) {
  StderrToFile stderr_file;
  auto sink = std::make_shared<BufferedStderrSink>(absl::Hours(1));
  auto logger = Logger("buffered", sink);
  logger->info("first");
  logger->info("second");
  logger->info("三番目");
  EXPECT_EQ(stderr_file.Written(), "");
  logger->flush();
  EXPECT_EQ(stderr_file.Written(), "first\nsecond\n三番目\n");
}

TEST(BufferedStderrSinkTest, WritesWaitingLinesOnceTheIntervalHasPassed) {
  StderrToFile stderr_file;
  auto logger = Logger("buffered", std::make_shared<BufferedStderrSink>(absl::Milliseconds(20)));
  logger->info("soon");
  EXPECT_EQ(stderr_file.WaitForLines(1), "soon\n");
}

TEST(BufferedStderrSinkTest, WritesWhatIsLeftWhenDestroyed) {
  StderrToFile stderr_file;
  {
    auto logger = Logger("buffered", std::make_shared<BufferedStderrSink>(absl::Hours(1)));
    logger->info("last words");
  }
  EXPECT_EQ(stderr_file.Written(), "last words\n");
}

TEST(BufferedStderrSinkTest, ABurstIsWrittenBeforeTheIntervalInWholeLines) {
  StderrToFile stderr_file;
  auto logger = Logger("buffered", std::make_shared<BufferedStderrSink>(absl::Hours(1)));
  const std::string line(100, 'x');
  for (int i = 0; i < 200; ++i) logger->info(line);  // 20 KiB: over the threshold.
  const std::string written = stderr_file.Written();
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.back(), '\n');
  for (absl::string_view each : absl::StrSplit(written, '\n', absl::SkipEmpty())) {
    EXPECT_EQ(each, line);
  }
}

// Lines of spdlog's own stderr sink (the server's other logs) never land inside a batch.
TEST(BufferedStderrSinkTest, LinesOfOtherStderrLoggersStayWhole) {
  StderrToFile stderr_file;
  auto buffered = Logger("buffered", std::make_shared<BufferedStderrSink>(absl::Milliseconds(1)));
  auto direct = Logger("direct", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  constexpr int kLinesEach = 2000;
  const std::string a(300, 'a');
  const std::string b(300, 'b');
  std::thread writer_a([&] {
    for (int i = 0; i < kLinesEach; ++i) buffered->info(a);
  });
  std::thread writer_b([&] {
    for (int i = 0; i < kLinesEach; ++i) direct->info(b);
  });
  writer_a.join();
  writer_b.join();
  buffered->flush();
  const std::string written = stderr_file.Written();
  int as = 0;
  int bs = 0;
  for (absl::string_view each : absl::StrSplit(written, '\n', absl::SkipEmpty())) {
    if (each == a) {
      ++as;
    } else if (each == b) {
      ++bs;
    } else {
      ADD_FAILURE() << "a torn line: " << each.substr(0, 40) << "...";
      break;
    }
  }
  EXPECT_EQ(as, kLinesEach);
  EXPECT_EQ(bs, kLinesEach);
}

// What keeps lines whole on a pipe (where a write over PIPE_BUF may interleave with another
// writer's): every write holds the console mutex spdlog's own stderr and stdout sinks hold.
TEST(BufferedStderrSinkTest, WritesOnlyWhileHoldingSpdlogsConsoleMutex) {
  StderrToFile stderr_file;
  auto logger = Logger("buffered", std::make_shared<BufferedStderrSink>(absl::Hours(1)));
  logger->info("waits for the console");
  absl::Notification flushed;
  std::thread flusher;
  {
    std::lock_guard<std::mutex> console(spdlog::details::console_mutex::mutex());
    flusher = std::thread([&] {
      logger->flush();
      flushed.Notify();
    });
    EXPECT_FALSE(flushed.WaitForNotificationWithTimeout(absl::Milliseconds(200)));
    EXPECT_EQ(stderr_file.Written(), "");
  }
  flusher.join();
  EXPECT_EQ(stderr_file.Written(), "waits for the console\n");
}

}  // namespace
}  // namespace misc::log

#include "src/observability/process_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "src/observability/metrics.h"
#include "test/observability/promtool.h"

namespace misc::observability {
namespace {

// A real line of /proc/<pid>/stat for a command named "a) b (c", fields 1 to 24.
constexpr char kStat[] =
    "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 123456 "
    "1048576000 5000\n";

TEST(ProcessMetricsTest, ParsesProcStatWhateverTheCommandName) {
  absl::StatusOr<ProcStat> stat = ParseProcStat(kStat);
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 123456u);
}

TEST(ProcessMetricsTest, RejectsTruncatedProcStat) {
  EXPECT_FALSE(ParseProcStat("4242 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("no parenthesis at all").ok());
  EXPECT_FALSE(
      ParseProcStat("1 (x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 u 75 0 0 20 0 9 0 1").ok());
}

TEST(ProcessMetricsTest, ParsesBootTime) {
  absl::StatusOr<int64_t> boot = ParseBootTime("cpu  1 2 3\nintr 5\nbtime 1714564800\nprocs 9\n");
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_EQ(*boot, 1714564800);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").ok());
}

// Returns the value of the unlabelled sample `name` in `text`, or -1 when it is missing.
double Sample(const std::string& text, const std::string& name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(line, ' ');
    double value = 0;
    if (parts.first == name && absl::SimpleAtod(parts.second, &value)) return value;
  }
  return -1;
}

TEST(ProcessMetricsTest, ReportsThisProcess) {
  const std::string text = RenderText(*MakeProcessMetrics());
  EXPECT_GT(Sample(text, "process_open_fds"), 2) << text;  // At least stdin, out and err.
  EXPECT_GE(Sample(text, "process_max_fds"), Sample(text, "process_open_fds"));
  EXPECT_GT(Sample(text, "process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(Sample(text, "process_virtual_memory_bytes"),
            Sample(text, "process_resident_memory_bytes"));
  EXPECT_GE(Sample(text, "process_cpu_seconds_total"), 0);
  const double now = static_cast<double>(absl::ToUnixSeconds(absl::Now()));
  EXPECT_LE(Sample(text, "process_start_time_seconds"), now + 1);
  EXPECT_GT(Sample(text, "process_start_time_seconds"), now - 3600);
  EXPECT_THAT(text, ::testing::HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_TRUE(PromtoolAccepts(text));
}

}  // namespace
}  // namespace misc::observability

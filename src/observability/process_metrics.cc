#include "src/observability/process_metrics.h"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/log/absl_format.h"
#include "src/observability/metrics.h"

namespace misc::observability {
namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

absl::StatusOr<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return absl::UnavailableError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Logs the first failure of a process metric, so a scrape every 15s does not flood the log.
void WarnOnce(std::atomic<bool>& warned, absl::string_view metric, const absl::Status& status) {
  if (!warned.exchange(true)) {
    spdlog::warn("process metric {} unavailable: {}", metric, status.ToString());
  }
}

double ClockTicksPerSecond() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

double CpuSeconds() {
  static std::atomic<bool> warned{false};
  absl::StatusOr<std::string> stat = ReadFile("/proc/self/stat");
  absl::StatusOr<ProcStat> parsed = stat.ok() ? ParseProcStat(*stat) : stat.status();
  if (!parsed.ok()) {
    WarnOnce(warned, "process_cpu_seconds_total", parsed.status());
    return kNoValue;
  }
  return static_cast<double>(parsed->user_ticks + parsed->system_ticks) / ClockTicksPerSecond();
}

double OpenFds() {
  static std::atomic<bool> warned{false};
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    WarnOnce(warned, "process_open_fds", absl::UnavailableError("cannot open /proc/self/fd"));
    return kNoValue;
  }
  const std::string own_fd = std::to_string(dirfd(dir));
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    const absl::string_view name = entry->d_name;
    if (name != "." && name != ".." && name != own_fd) ++count;
  }
  closedir(dir);
  return count;
}

double MaxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return kNoValue;
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<double>::infinity();
  return static_cast<double>(limit.rlim_cur);
}

// Field `index` (0: total program size, 1: resident set) of /proc/self/statm, in bytes.
double StatmBytes(int index, absl::string_view metric) {
  static std::atomic<bool> warned{false};
  absl::StatusOr<std::string> statm = ReadFile("/proc/self/statm");
  if (statm.ok()) {
    std::vector<absl::string_view> fields =
        absl::StrSplit(*statm, absl::ByAnyChar(" \n"), absl::SkipEmpty());
    uint64_t pages = 0;
    if (static_cast<int>(fields.size()) > index && absl::SimpleAtoi(fields[index], &pages)) {
      return static_cast<double>(pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
    }
    statm = absl::InvalidArgumentError("unexpected /proc/self/statm");
  }
  WarnOnce(warned, metric, statm.status());
  return kNoValue;
}

absl::StatusOr<double> StartTimeSeconds() {
  absl::StatusOr<std::string> stat = ReadFile("/proc/self/stat");
  if (!stat.ok()) return stat.status();
  absl::StatusOr<ProcStat> parsed = ParseProcStat(*stat);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::string> system_stat = ReadFile("/proc/stat");
  if (!system_stat.ok()) return system_stat.status();
  absl::StatusOr<int64_t> boot = ParseBootTime(*system_stat);
  if (!boot.ok()) return boot.status();
  return static_cast<double>(*boot) +
         static_cast<double>(parsed->start_ticks) / ClockTicksPerSecond();
}

class ProcessMetrics final : public prometheus::Collectable {
 public:
  ProcessMetrics() {
    absl::StatusOr<double> start = StartTimeSeconds();
    if (start.ok()) {
      start_seconds_ = *start;
    } else {
      spdlog::warn("process metric process_start_time_seconds unavailable: {}",
                   start.status().ToString());
    }
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> families = {
        ScrapedFamily("process_cpu_seconds_total",
                      "Total user and system CPU time spent in seconds.", MetricType::Counter,
                      {{{}, CpuSeconds()}}),
        ScrapedFamily("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                      {{{}, OpenFds()}}),
        ScrapedFamily("process_max_fds", "Maximum number of open file descriptors.",
                      MetricType::Gauge, {{{}, MaxFds()}}),
        ScrapedFamily("process_resident_memory_bytes", "Resident memory size in bytes.",
                      MetricType::Gauge, {{{}, StatmBytes(1, "process_resident_memory_bytes")}}),
        ScrapedFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                      MetricType::Gauge, {{{}, StatmBytes(0, "process_virtual_memory_bytes")}}),
    };
    if (start_seconds_.has_value()) {
      families.push_back(ScrapedFamily("process_start_time_seconds",
                                       "Start time of the process since unix epoch in seconds.",
                                       MetricType::Gauge, {{{}, *start_seconds_}}));
    }
    return families;
  }

 private:
  std::optional<double> start_seconds_;
};

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(absl::string_view stat) {
  // "pid (comm) state ppid ...": comm may hold anything, so fields count from its last ')'.
  const size_t close = stat.rfind(')');
  if (close == absl::string_view::npos) {
    return absl::InvalidArgumentError("/proc stat: no command name");
  }
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(close + 1), absl::ByAnyChar(" \n"), absl::SkipEmpty());
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  constexpr size_t kUser = 14 - 3, kSystem = 15 - 3, kStart = 22 - 3;
  ProcStat parsed;
  if (fields.size() <= kStart || !absl::SimpleAtoi(fields[kUser], &parsed.user_ticks) ||
      !absl::SimpleAtoi(fields[kSystem], &parsed.system_ticks) ||
      !absl::SimpleAtoi(fields[kStart], &parsed.start_ticks)) {
    return absl::InvalidArgumentError("/proc stat: missing or bad utime, stime or starttime");
  }
  return parsed;
}

absl::StatusOr<int64_t> ParseBootTime(absl::string_view proc_stat) {
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(line, &seconds)) return seconds;
    break;
  }
  return absl::InvalidArgumentError("/proc/stat: no btime line");
}

std::shared_ptr<prometheus::Collectable> MakeProcessMetrics() {
  return std::make_shared<ProcessMetrics>();
}

}  // namespace misc::observability

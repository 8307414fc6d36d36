#ifndef MISC_SRC_OBSERVABILITY_PROCESS_METRICS_H_
#define MISC_SRC_OBSERVABILITY_PROCESS_METRICS_H_

#include <prometheus/collectable.h>

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace misc::observability {

// The fields of /proc/<pid>/stat (proc(5)) the process metrics use, in clock ticks.
struct ProcStat {
  uint64_t user_ticks = 0;    // utime, field 14.
  uint64_t system_ticks = 0;  // stime, field 15.
  uint64_t start_ticks = 0;   // starttime, field 22: ticks after boot the process started.
};

// Parses the contents of /proc/<pid>/stat, whose command name (field 2) may hold spaces and
// parentheses. Returns INVALID_ARGUMENT when the text has too few fields or a bad number.
absl::StatusOr<ProcStat> ParseProcStat(absl::string_view stat);

// Returns the boot time in seconds since the epoch from the "btime" line of /proc/stat's
// contents, or INVALID_ARGUMENT when there is none.
absl::StatusOr<int64_t> ParseBootTime(absl::string_view proc_stat);

// Returns the standard process metrics, read from /proc at each scrape:
// process_cpu_seconds_total, process_open_fds, process_max_fds,
// process_resident_memory_bytes, process_virtual_memory_bytes and
// process_start_time_seconds (read once, now). A value that cannot be read is logged once and
// reported as NaN; the start time is left out when /proc cannot be read now.
std::shared_ptr<prometheus::Collectable> MakeProcessMetrics();

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_PROCESS_METRICS_H_

#ifndef MISC_BENCH_LOADGEN_REPORT_H_
#define MISC_BENCH_LOADGEN_REPORT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "bench/loadgen/deep_page.h"
#include "bench/loadgen/run_stats.h"

namespace misc::loadgen {

// Everything a run reports.
struct RunReport {
  std::string workload;  // the --workload name, or "mix:" and the --mix text
  std::string target;
  int concurrency = 0;
  int channels = 0;
  absl::Duration warmup;
  absl::Duration duration;  // the measured window
  // What one operation is: "call", or "page" for restaurant_page.
  std::string operation = "call";
  std::optional<DeepPage> deep_page;
  RunStats stats;
};

// Returns the report as JSON. These field names are read by scripts (bench/run.sh): keep
// them. Times are seconds (warmup, duration) and microseconds (latency_us); rates per second.
//   workload, target, concurrency, channels, warmup, duration, operation, ops, failed_ops,
//   calls, ops_per_s, calls_per_s, latency_us {p50, p90, p99, p999, max, mean},
//   errors {CODE: calls}, per_method {"package.Service/Method": calls},
//   deep_page {pages_walked, page_size, first_restaurant_id} (list_restaurants_deep only)
// Latency is of operations (a whole page for restaurant_page), failed ones included.
nlohmann::ordered_json ReportJson(const RunReport& report);

// Returns a few lines for people: rates, latency percentiles, errors and calls by method.
std::string ReportText(const RunReport& report);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_REPORT_H_

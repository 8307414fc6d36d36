#include "bench/loadgen/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace misc::loadgen {
namespace {

double PerSecond(int64_t n, absl::Duration window) {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds > 0 ? static_cast<double>(n) / seconds : 0;
}

double Micros(absl::Duration d) { return absl::ToDoubleMicroseconds(d); }

}  // namespace

nlohmann::ordered_json ReportJson(const RunReport& report) {
  const RunStats& stats = report.stats;
  const LatencyHistogram& latency = stats.latency;
  nlohmann::ordered_json json = {
      {"workload", report.workload},
      {"target", report.target},
      {"concurrency", report.concurrency},
      {"channels", report.channels},
      {"warmup", absl::ToDoubleSeconds(report.warmup)},
      {"duration", absl::ToDoubleSeconds(report.duration)},
      {"operation", report.operation},
      {"ops", stats.ops},
      {"failed_ops", stats.failed_ops},
      {"calls", stats.calls},
      {"ops_per_s", PerSecond(stats.ops, report.duration)},
      {"calls_per_s", PerSecond(stats.calls, report.duration)},
      {"latency_us",
       {{"p50", Micros(latency.Percentile(50))},
        {"p90", Micros(latency.Percentile(90))},
        {"p99", Micros(latency.Percentile(99))},
        {"p999", Micros(latency.Percentile(99.9))},
        {"max", Micros(latency.max())},
        {"mean", Micros(latency.mean())}}},
      {"errors", nlohmann::ordered_json::object()},
      {"per_method", nlohmann::ordered_json::object()},
  };
  for (const auto& [code, n] : stats.errors_by_code) json["errors"][code] = n;
  for (const auto& [method, n] : stats.calls_by_method) json["per_method"][method] = n;
  if (report.deep_page.has_value()) {
    json["deep_page"] = {{"pages_walked", report.deep_page->pages_walked},
                         {"page_size", report.deep_page->page_size},
                         {"first_restaurant_id", report.deep_page->first_restaurant_id}};
  }
  return json;
}

std::string ReportText(const RunReport& report) {
  const RunStats& stats = report.stats;
  const LatencyHistogram& latency = stats.latency;
  std::string text = absl::StrFormat(
      "%s against %s: concurrency %d over %d channel(s), %s measured after %s warm-up\n"
      "  %d %ss (%.1f/s, %d failed)",
      report.workload, report.target, report.concurrency, report.channels,
      absl::FormatDuration(report.duration), absl::FormatDuration(report.warmup), stats.ops,
      report.operation, PerSecond(stats.ops, report.duration), stats.failed_ops);
  if (report.operation != "call") {
    absl::StrAppendFormat(&text, ", %d calls (%.1f/s)", stats.calls,
                          PerSecond(stats.calls, report.duration));
  }
  absl::StrAppendFormat(
      &text, "\n  %s latency us: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  mean %.1f\n",
      report.operation, Micros(latency.Percentile(50)), Micros(latency.Percentile(90)),
      Micros(latency.Percentile(99)), Micros(latency.Percentile(99.9)), Micros(latency.max()),
      Micros(latency.mean()));
  for (const auto& [method, n] : stats.calls_by_method) {
    absl::StrAppendFormat(&text, "  calls %-55s %d\n", method, n);
  }
  for (const auto& [code, n] : stats.errors_by_code) {
    absl::StrAppendFormat(&text, "  errors %-20s %d\n", code, n);
  }
  if (report.deep_page.has_value()) {
    absl::StrAppendFormat(&text, "  deep page: after %d pages of %d, first restaurant %d\n",
                          report.deep_page->pages_walked, report.deep_page->page_size,
                          report.deep_page->first_restaurant_id);
  }
  return text;
}

}  // namespace misc::loadgen

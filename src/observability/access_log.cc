#include "src/observability/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "src/log/buffered_stderr_sink.h"
#include "src/observability/json_line.h"

namespace misc::observability {

namespace {

// `time` as RFC 3339 in UTC with microseconds, "2024-05-01T12:00:00.123456Z": what
// absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ") gives, at a fraction of its cost (it parses the
// format and goes through the time-zone library for every call's line).
std::string Rfc3339Micros(absl::Time time) {
  const absl::CivilSecond second = absl::ToCivilSecond(time, absl::UTCTimeZone());
  const int64_t micros =
      absl::ToInt64Microseconds(time - absl::FromCivil(second, absl::UTCTimeZone()));
  return absl::StrCat(
      absl::Dec(second.year(), absl::kZeroPad4), "-", absl::Dec(second.month(), absl::kZeroPad2),
      "-", absl::Dec(second.day(), absl::kZeroPad2), "T", absl::Dec(second.hour(), absl::kZeroPad2),
      ":", absl::Dec(second.minute(), absl::kZeroPad2), ":",
      absl::Dec(second.second(), absl::kZeroPad2), ".", absl::Dec(micros, absl::kZeroPad6), "Z");
}

}  // namespace

std::string FormatAccessLog(const AccessLogRecord& record) {
  return JsonLine()
      .AddString("time", Rfc3339Micros(record.time))
      .AddString("log", "access")
      .AddString("service", record.service)
      .AddString("method", record.method)
      .AddString("grpc_type", record.grpc_type)
      .AddString("code", record.code)
      .AddNumber("duration_ms", absl::ToDoubleMilliseconds(record.duration), 3)
      .AddString("peer", record.peer)
      .AddBool("logged_in", record.logged_in)
      .AddString("trace_id", record.trace_id)
      .Finish();
}

std::string FormatHttpAccessLog(const HttpAccessLogRecord& record) {
  return JsonLine()
      .AddString("time", Rfc3339Micros(record.time))
      .AddString("log", "http_access")
      .AddString("method", record.method)
      .AddString("route", record.route)
      .AddString("path", record.path)
      .AddNumber("status", record.status, 0)
      .AddString("code", record.code)
      .AddNumber("duration_ms", absl::ToDoubleMilliseconds(record.duration), 3)
      .AddString("peer", record.peer)
      .AddString("trace_id", record.trace_id)
      .Finish();
}

std::shared_ptr<spdlog::logger> MakeAccessLogger(absl::Duration flush_interval) {
  spdlog::sink_ptr sink;
  if (flush_interval == absl::ZeroDuration()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<log::BufferedStderrSink>(flush_interval);
  }
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  return logger;
}

}  // namespace misc::observability

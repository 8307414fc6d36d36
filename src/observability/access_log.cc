#include "src/observability/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "src/log/buffered_stderr_sink.h"
#include "src/log/logging.h"
#include "src/observability/json_line.h"

namespace misc::observability {

namespace {

// Room for "YYYY-MM-DDTHH:MM:SS.ffffffZ" with a year of up to 19 digits.
constexpr size_t kMaxTimeText = 48;

// "YYYY-MM-DDTHH:MM:SS" of the whole second `unix_seconds`, in UTC.
std::string SecondText(int64_t unix_seconds) {
  const absl::CivilSecond second =
      absl::ToCivilSecond(absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
  return absl::StrCat(
      absl::Dec(second.year(), absl::kZeroPad4), "-", absl::Dec(second.month(), absl::kZeroPad2),
      "-", absl::Dec(second.day(), absl::kZeroPad2), "T", absl::Dec(second.hour(), absl::kZeroPad2),
      ":", absl::Dec(second.minute(), absl::kZeroPad2), ":",
      absl::Dec(second.second(), absl::kZeroPad2));
}

// `time` as RFC 3339 in UTC with microseconds, "2024-05-01T12:00:00.123456Z", written into
// `buffer`: what absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ") gives, at a fraction of its cost
// (it parses the format and goes through the time-zone library for every call's line). Each
// thread keeps the text of the last whole second it wrote, so a busy server converts a civil
// time once a second per thread and writes only the microseconds for every other line.
absl::string_view Rfc3339Micros(absl::Time time, char (&buffer)[kMaxTimeText]) {
  constexpr int64_t kMicrosPerSecond = 1000000;
  const int64_t unix_micros = absl::ToUnixMicros(time);  // Rounds toward the past.
  int64_t unix_seconds = unix_micros / kMicrosPerSecond;
  int64_t micros = unix_micros % kMicrosPerSecond;
  if (micros < 0) {  // Before 1970: the second starts earlier, the fraction counts up from it.
    --unix_seconds;
    micros += kMicrosPerSecond;
  }
  thread_local int64_t cached_seconds = std::numeric_limits<int64_t>::min();
  thread_local std::string cached_text;
  if (unix_seconds != cached_seconds) {
    cached_text = SecondText(unix_seconds);
    cached_seconds = unix_seconds;
  }
  const absl::AlphaNum fraction(micros);
  constexpr size_t kFractionDigits = 6;
  const size_t size = cached_text.size() + 1 + kFractionDigits + 1;
  if (size > sizeof(buffer)) return "";  // Unreachable for any int64 year; never overflow.
  char* out = std::copy(cached_text.begin(), cached_text.end(), buffer);
  *out++ = '.';
  out = std::fill_n(out, kFractionDigits - fraction.size(), '0');
  out = std::copy(fraction.data(), fraction.data() + fraction.size(), out);
  *out = 'Z';
  return {buffer, size};
}

// `duration` in whole microseconds, rounded to the nearest: duration_ms with 3 decimals.
int64_t DurationMicros(absl::Duration duration) {
  return absl::ToInt64Microseconds(duration +
                                   absl::Nanoseconds(duration < absl::ZeroDuration() ? -500 : 500));
}

}  // namespace

// Written out by hand rather than with JsonLine: this line is formatted for every call, and
// escaping each key and the values misc itself chose (the log name, the call type, the code
// name) was most of its cost. The strings that come from outside misc or from the caller
// (service and method, which for an unknown method are the path the caller sent, the peer
// and the trace id) are escaped.
std::string FormatAccessLog(const AccessLogRecord& record) {
  char time_text[kMaxTimeText];
  std::string line;
  line.reserve(256);
  line += R"({"time":")";
  const absl::string_view time = Rfc3339Micros(record.time, time_text);
  line.append(time.data(), time.size());
  line += R"(","log":"access","service":")";
  log::AppendJsonEscaped(line, record.service);
  line += R"(","method":")";
  log::AppendJsonEscaped(line, record.method);
  line += R"(","grpc_type":")";
  line.append(record.grpc_type.data(), record.grpc_type.size());
  line += R"(","code":")";
  line.append(record.code.data(), record.code.size());
  line += R"(","duration_ms":)";
  AppendFixedPoint(line, DurationMicros(record.duration), 3);
  line += R"(,"peer":")";
  log::AppendJsonEscaped(line, record.peer);
  line += record.logged_in ? R"(","logged_in":true,"trace_id":")"
                           : R"(","logged_in":false,"trace_id":")";
  log::AppendJsonEscaped(line, record.trace_id);
  line += R"("})";
  return line;
}

std::string FormatHttpAccessLog(const HttpAccessLogRecord& record) {
  char time_text[kMaxTimeText];
  return JsonLine()
      .AddString("time", Rfc3339Micros(record.time, time_text))
      .AddString("log", "http_access")
      .AddString("method", record.method)
      .AddString("route", record.route)
      .AddString("path", record.path)
      .AddFixed("status", record.status, 0)
      .AddString("code", record.code)
      .AddFixed("duration_ms", DurationMicros(record.duration), 3)
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

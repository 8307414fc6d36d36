#include "src/observability/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <utility>

#include "src/log/buffered_stderr_sink.h"
#include "src/observability/json_line.h"

namespace misc::observability {

std::string FormatAccessLog(const AccessLogRecord& record) {
  return JsonLine()
      .AddString("time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.time, absl::UTCTimeZone()))
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

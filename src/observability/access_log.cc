#include "src/observability/access_log.h"

#include <spdlog/sinks/stdout_sinks.h>

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

std::shared_ptr<spdlog::logger> MakeAccessLogger() {
  auto logger =
      std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  return logger;
}

}  // namespace misc::observability

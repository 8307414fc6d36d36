#ifndef MISC_SRC_OBSERVABILITY_ACCESS_LOG_H_
#define MISC_SRC_OBSERVABILITY_ACCESS_LOG_H_

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::observability {

// What the access log says about one finished call. Deliberately nothing about the caller's
// identity, credentials, messages or query parameters.
struct AccessLogRecord {
  absl::Time time;              // When the call finished.
  absl::string_view service;    // "package.Service"
  absl::string_view method;     // "Method"
  absl::string_view grpc_type;  // "unary", "server_stream", ... (written as it is)
  absl::string_view code;       // StatusCodeName: "OK", "NOT_FOUND", ... (written as it is)
  absl::Duration duration;      // From the call's arrival to its status.
  absl::string_view peer;       // gRPC peer URI, "ipv4:127.0.0.1:53412".
  bool logged_in = false;       // Sent `authorization` and was not UNAUTHENTICATED.
  absl::string_view trace_id;   // 32 hex digits.
};

// Returns `record` as one line of JSON (no newline):
// {"time":"2024-05-01T12:00:00.123456Z","log":"access","service":"...","method":"...",
//  "grpc_type":"unary","code":"OK","duration_ms":1.234,"peer":"...","logged_in":false,
//  "trace_id":"..."}. service, method, peer and trace_id are escaped, so the line is valid JSON
// whatever they hold; grpc_type and code are misc's own names and are written as they are.
std::string FormatAccessLog(const AccessLogRecord& record);

// What the access log says about one HTTP request (misc-rest). Like AccessLogRecord, nothing
// about the caller's identity, credentials, body or query string.
struct HttpAccessLogRecord {
  absl::Time time;             // When the answer was handed to the connection.
  absl::string_view method;    // "GET", "POST", ...
  absl::string_view route;     // The matched route's template, "/v1/areas/{area_id}"; "" if none.
  absl::string_view path;      // The path asked for, without the query: "/v1/areas/1301".
  int status = 0;              // HTTP status code.
  absl::string_view code;      // The gRPC code behind it ("NOT_FOUND"), "" for none.
  absl::Duration duration;     // From the request's first byte to its answer.
  absl::string_view peer;      // "127.0.0.1:53412".
  absl::string_view trace_id;  // 32 hex digits; "" when the request reached no call.
};

// Returns `record` as one line of JSON (no newline):
// {"time":"...","log":"http_access","method":"GET","route":"/v1/areas/{area_id}",
//  "path":"/v1/areas/1301","status":200,"code":"OK","duration_ms":1.234,"peer":"...",
//  "trace_id":"..."}. The gRPC call it made logs its own "access" line with the same trace_id.
std::string FormatHttpAccessLog(const HttpAccessLogRecord& record);

// Returns the logger "access" writing each message verbatim as one line on stderr, at info,
// whatever --log_level says (access logging is switched by --access_log instead). Lines wait
// in memory for up to `flush_interval` and are written together (log::BufferedStderrSink);
// a zero interval writes each line as it comes.
std::shared_ptr<spdlog::logger> MakeAccessLogger(absl::Duration flush_interval);

}  // namespace misc::observability

#endif  // MISC_SRC_OBSERVABILITY_ACCESS_LOG_H_

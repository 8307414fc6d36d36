#include "src/rest/rest_main.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/config/env_flags.h"
#include "src/rest/rest_front.h"
#include "src/server/server_main.h"

ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "Address the HTTP/JSON server listens on, host:port (0.0.0.0:8080 for every interface).");
ABSL_FLAG(int, http_threads, 2,
          "Threads serving HTTP connections; none is held by a slow or idle client.");
ABSL_FLAG(int64_t, http_max_body_bytes, 64 << 10,
          "Largest request body accepted; a larger one is answered 413.");
ABSL_FLAG(int64_t, http_max_header_bytes, 32 << 10,
          "Largest request line and headers accepted, together; larger is answered 431.");
ABSL_FLAG(absl::Duration, http_request_timeout, absl::Seconds(10),
          "How long a request may take to arrive whole once its first byte has (a slow client is "
          "closed), and how long writing an answer may take.");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(60),
          "How long a kept-alive connection may wait for its next request.");
ABSL_FLAG(int, http_max_connections, 1024,
          "Most HTTP connections open at once; more are closed when accepted. Counted in the file "
          "descriptor budget.");

namespace misc::rest {

using http::HttpServerOptions;

absl::StatusOr<HttpServerOptions> HttpServerOptionsFromFlags() {
  HttpServerOptions options;
  options.listen = absl::GetFlag(FLAGS_http_listen);
  options.threads = absl::GetFlag(FLAGS_http_threads);
  const int64_t max_body = absl::GetFlag(FLAGS_http_max_body_bytes);
  const int64_t max_header = absl::GetFlag(FLAGS_http_max_header_bytes);
  options.request_timeout = absl::GetFlag(FLAGS_http_request_timeout);
  options.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  options.max_connections = absl::GetFlag(FLAGS_http_max_connections);

  std::vector<std::string> errors;
  const auto bad = [&errors](absl::string_view flag, absl::string_view why) {
    errors.push_back(
        absl::StrCat("--", flag, " (env ", config::EnvironmentVariableFor(flag), ") ", why));
  };
  const size_t colon = options.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    bad("http_listen", "must be host:port");
  }
  if (options.threads < 1 || options.threads > 64) bad("http_threads", "must be 1 to 64");
  if (max_body < 0 || max_body > (64 << 20)) bad("http_max_body_bytes", "must be 0 to 64 MiB");
  if (max_header < 1024 || max_header > (1 << 20)) {
    bad("http_max_header_bytes", "must be 1 KiB to 1 MiB");
  }
  if (options.request_timeout <= absl::ZeroDuration())
    bad("http_request_timeout", "must be positive");
  if (options.idle_timeout <= absl::ZeroDuration()) bad("http_idle_timeout", "must be positive");
  if (options.max_connections < 1) bad("http_max_connections", "must be positive");
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  options.max_body_bytes = static_cast<size_t>(max_body);
  options.max_header_bytes = static_cast<size_t>(max_header);
  return options;
}

int RestMain(int argc, char** argv, absl::string_view name,
             const std::vector<server::ServiceModule>& modules) {
  return server::ServerMain(
      argc, argv, name, modules,
      "Serves misc's services over HTTP/1.1 and JSON. Flags also read MISC_<FLAG>.",
      []() -> absl::StatusOr<std::unique_ptr<server::Front>> {
        absl::StatusOr<HttpServerOptions> options = HttpServerOptionsFromFlags();
        if (!options.ok()) return options.status();
        return std::make_unique<RestFront>(*std::move(options));
      });
}

}  // namespace misc::rest

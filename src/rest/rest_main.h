#ifndef MISC_SRC_REST_REST_MAIN_H_
#define MISC_SRC_REST_REST_MAIN_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/http/http_server.h"
#include "src/server/service_module.h"

namespace misc::rest {

// The whole main() of an HTTP/JSON binary, which only says what it hosts:
//
//   int main(int argc, char** argv) {
//     return misc::rest::RestMain(argc, argv, "misc-rest", {misc::area::Module(), ...});
//   }
//
// Like server::ServerMain (same flags, database pool, health, metrics, access log, SIGTERM
// sequence), but callers reach the services over HTTP/1.1 and JSON on --http_listen through a
// RestFront, and no gRPC port is opened.
int RestMain(int argc, char** argv, absl::string_view name,
             const std::vector<server::ServiceModule>& modules);

// Reads the --http_* flags (and their MISC_HTTP_* variables). INVALID_ARGUMENT naming each bad
// flag.
absl::StatusOr<http::HttpServerOptions> HttpServerOptionsFromFlags();

}  // namespace misc::rest

#endif  // MISC_SRC_REST_REST_MAIN_H_

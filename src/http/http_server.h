#ifndef MISC_SRC_HTTP_HTTP_SERVER_H_
#define MISC_SRC_HTTP_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace misc::http {

class TlsContextSource;  // src/http/tls_context.h
namespace http_internal {
struct HttpServerCore;
}  // namespace http_internal

// One HTTP/1.1 request, read whole.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // Path and query, as sent: "/v1/restaurants?area_id=1301".
  // Header names lowercased; a header sent more than once has its values joined with ", ".
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;
  std::string peer;  // "address:port" of the client.
  absl::Time start;  // When its first byte was read.

  // Returns the value of header `lowercase_name`, or "" when absent.
  absl::string_view Header(absl::string_view lowercase_name) const;
};

// The answer to one request.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the response of one request; call it once, from any thread.
using HttpResponder = absl::AnyInvocable<void(HttpResponse) &&>;

// What the server does with requests.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Answers `request` through `respond`, now or later, from any thread. Must not block: the
  // calling thread serves other connections.
  virtual void Handle(HttpRequest request, HttpResponder respond) = 0;
  // The answer to a request the server refuses before reading it whole: 400 (malformed request line
  // or headers), 413 (body over the limit) or 431 (headers over the limit). The connection closes
  // after it.
  virtual HttpResponse Refused(int status, absl::string_view reason, absl::string_view peer) = 0;
};

struct HttpServerOptions {
  // host:port: an IPv4 address, an IPv6 one in brackets ("[::]:8080") or a host name (its first
  // IPv4 address, else its first); port 0 picks a free one.
  std::string listen;
  int threads = 2;  // Threads serving every connection (none is held by one client).
  size_t max_body_bytes = 64 << 10;
  // The request line and headers together.
  size_t max_header_bytes = 16 << 10;
  // How long a request may take to arrive whole once its first byte has (headers and body; a
  // slow client is closed when it runs out), and how long writing a response may take.
  absl::Duration request_timeout = absl::Seconds(10);
  // How long a kept-alive connection may wait for its next request.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Connections open at once; more are closed as soon as they are accepted.
  int max_connections = 1024;
  // TLS: the context of each new connection (TlsContextSource rereads renewed files); a
  // connection must complete its handshake within request_timeout. nullptr: plaintext.
  std::shared_ptr<TlsContextSource> tls;
};

// An HTTP/1.1 server (Boost.Beast over Asio) with the limits a server facing the Internet
// needs: bounded headers, body, time to send a request, idle time and connections. Every
// connection is served asynchronously by a few threads, so a slow or idle client holds a socket,
// never a thread. Requests on one connection are answered in order, one at a time.
class HttpServer {
 public:
  // Listens on `options.listen` and serves with `handler`, which must outlive the server.
  // INVALID_ARGUMENT for a bad address (or a host name that does not resolve), UNAVAILABLE when
  // it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           HttpHandler& handler);

  // Drains (with no grace) if Drain was not called. Every responder handed out must have been
  // called or destroyed by then.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port it listens on.
  int port() const;

  // Connections open now.
  int open_connections() const;

  // Stops accepting and closes idle connections; a request in flight is answered (with
  // `Connection: close`), then its connection closes. At `deadline` every connection still open
  // is closed. Returns when none is left.
  void Drain(absl::Time deadline);

 private:
  explicit HttpServer(std::unique_ptr<http_internal::HttpServerCore> core);

  std::unique_ptr<http_internal::HttpServerCore> core_;
};

}  // namespace misc::http

#endif  // MISC_SRC_HTTP_HTTP_SERVER_H_

#include "src/http/http_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "src/http/tls_context.h"
#include "src/log/warning_limiter.h"

namespace misc::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// The most read at once while waiting for a request's first byte.
constexpr size_t kFirstRead = 4096;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::steady_clock::duration ToChrono(absl::Duration duration) {
  return absl::ToChronoNanoseconds(duration);
}

absl::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

// How long a refused request's connection keeps reading (and discarding) what the client still
// sends after the answer: closing with unread bytes would reset the connection, and the client
// could lose the answer.
constexpr absl::Duration kLingerTime = absl::Seconds(1);
// How long to wait before accepting again after accept() failed.
constexpr absl::Duration kAcceptBackoff = absl::Milliseconds(50);

// Returns the endpoint to bind for `listen`: "host:port" with an IPv4 address, an IPv6 one in
// brackets or a host name (its first IPv4 address, else its first address).
absl::StatusOr<tcp::endpoint> ListenEndpoint(const std::string& listen) {
  const auto bad = [&listen](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad listen address \"", listen, "\": ", why));
  };
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return bad("want host:port");
  }
  std::string host = listen.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("an IPv6 address goes in brackets, e.g. [::1]:9464");
  }
  beast::error_code error;
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (!error) return tcp::endpoint(address, static_cast<uint16_t>(port));
  if (bracketed) return bad(error.message());
  // A host name. No flags: AI_ADDRCONFIG would find nothing for "localhost" where loopback is
  // the only interface.
  asio::io_context io;
  tcp::resolver resolver(io);
  const tcp::resolver::results_type found =
      resolver.resolve(host, "", tcp::resolver::flags(), error);
  if (error || found.empty()) {
    return bad(absl::StrCat("cannot resolve ", host, error ? ": " + error.message() : ""));
  }
  tcp::endpoint endpoint = found.begin()->endpoint();
  for (const auto& entry : found) {
    if (entry.endpoint().address().is_v4()) {
      endpoint = entry.endpoint();
      break;
    }
  }
  endpoint.port(static_cast<uint16_t>(port));
  return endpoint;
}

}  // namespace

absl::string_view HttpRequest::Header(absl::string_view lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? absl::string_view() : absl::string_view(it->second);
}

namespace http_internal {

// What the server holds of a connection, whatever its transport (Session<Stream>).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Starts serving the connection.
  virtual void Start() = 0;
  // Closes the connection if it waits for a request (used when draining).
  virtual void CloseIfIdle() = 0;
  // Closes the connection whatever it is doing.
  virtual void CloseNow() = 0;
};

// Everything the connections share. Declared so that the io_context goes first on
// destruction: destroying it destroys the handlers still queued, and with them the sessions
// they hold, while the rest is still here.
struct HttpServerCore {
  HttpServerCore(const HttpServerOptions& server_options, HttpHandler& server_handler)
      : options(server_options),
        handler(server_handler),
        work(asio::make_work_guard(io)),
        acceptor(asio::make_strand(io)),
        accept_backoff(acceptor.get_executor()) {}

  // Accepts the next connection, forever (until the acceptor closes).
  void Accept();
  // Counts a connection closed.
  void Closed(SessionBase* session) ABSL_LOCKS_EXCLUDED(mu);
  // Whether every connection is closed (a Condition for the drain).
  bool NoSessions() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return sessions.empty(); }

  const HttpServerOptions options;
  HttpHandler& handler;
  int port = 0;

  mutable absl::Mutex mu;
  bool draining ABSL_GUARDED_BY(mu) = false;
  // Every open connection. Strong references: a session whose handler has not answered yet
  // has no asynchronous operation holding it.
  absl::flat_hash_map<SessionBase*, std::shared_ptr<SessionBase>> sessions ABSL_GUARDED_BY(mu);

  std::vector<std::thread> threads;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;
  // Waits before accepting again after accept() failed (EMFILE, ENOBUFS, ...): accepting at
  // once would fail at once, and spin a thread.
  asio::steady_timer accept_backoff;
  log::WarningLimiter warnings;
};

// The steps of a connection hand over to each other through Asio's completion handlers: each
// runs after the previous one has returned, which clang-tidy's misc-no-recursion takes for
// recursion.
// NOLINTBEGIN(misc-no-recursion)

// The streams a Session runs on: plain TCP, or TLS over it (HttpServerOptions::tls).
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One client connection: (with TLS, completes the handshake first) reads a request, hands it
// to the handler, writes the answer, and again while the client keeps the connection alive.
// Every step runs on the connection's strand.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(tcp::socket socket, HttpServerCore& core) requires std::is_same_v<Stream, PlainStream>
      : stream_(std::move(socket)), core_(core) {
    SetPeer();
  }

  // `tls` is the context of this connection; it is kept until the connection closes.
  Session(tcp::socket socket, HttpServerCore& core,
          std::shared_ptr<asio::ssl::context> tls) requires std::is_same_v<Stream, TlsStream>
      : tls_(std::move(tls)), stream_(std::move(socket), *tls_), core_(core) {
    SetPeer();
  }

  void Start() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, TlsStream>) {
        self->Handshake();
      } else {
        self->WaitForRequest();
      }
    });
  }

  // Closes the connection if it waits for a request (used when draining).
  void CloseIfIdle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->Close();
    });
  }

  // Closes the connection whatever it is doing.
  void CloseNow() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
  }

 private:
  // The TCP stream under the TLS one, or the stream itself: what the timers and the socket
  // are on.
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void SetPeer() {
    beast::error_code error;
    const tcp::endpoint remote = Lowest().socket().remote_endpoint(error);
    if (!error) peer_ = absl::StrCat(remote.address().to_string(), ":", remote.port());
  }

  // The TLS handshake gets the budget of a request: a client that stalls in it is closed.
  // A client without a certificate the context trusts (mutual TLS) fails here.
  void Handshake() {
    Lowest().expires_after(ToChrono(core_.options.request_timeout));
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code error) {
                              if (error) return self->Close();
                              self->WaitForRequest();
                            });
  }

  bool Draining() const {
    absl::MutexLock lock(&core_.mu);
    return core_.draining;
  }

  void WaitForRequest() {
    if (closed_) return;
    if (Draining()) return Close();
    if (buffer_.size() > 0) return ReadRequest();  // The client sent it along with the last.
    idle_ = true;
    Lowest().expires_after(ToChrono(core_.options.idle_timeout));
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code error, size_t n) {
                              self->buffer_.commit(n);
                              self->idle_ = false;
                              if (error || self->closed_) return self->Close();
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    idle_ = false;
    start_ = absl::Now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_.options.max_header_bytes));
    parser_->body_limit(core_.options.max_body_bytes);
    // One budget for the whole request: a client that trickles bytes runs out of it.
    Lowest().expires_after(ToChrono(core_.options.request_timeout));
    beast::http::async_read_header(stream_, buffer_, *parser_,
                                   [self = this->shared_from_this()](
                                       beast::error_code error, size_t) { self->OnHeader(error); });
  }

  void OnHeader(beast::error_code error) {
    if (error) return OnReadError(error);
    auto read_body = [self = this->shared_from_this()] {
      beast::http::async_read(
          self->stream_, self->buffer_, *self->parser_,
          [self](beast::error_code read_error, size_t) { self->OnRequest(read_error); });
    };
    if (!parser_->is_done() &&
        absl::EqualsIgnoreCase(View(parser_->get()[beast::http::field::expect]), "100-continue")) {
      asio::async_write(
          stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
          [self = this->shared_from_this(), read_body](beast::error_code write_error, size_t) {
            if (write_error) return self->Close();
            read_body();
          });
      return;
    }
    read_body();
  }

  void OnReadError(beast::error_code error) {
    if (error == beast::http::error::header_limit)
      return Refuse(431, "request header fields too large");
    if (error == beast::http::error::body_limit) return Refuse(413, "request body too large");
    if (error.category() ==
            beast::http::make_error_code(beast::http::error::bad_method).category() &&
        error != beast::http::error::end_of_stream &&
        error != beast::http::error::partial_message) {
      return Refuse(400, absl::StrCat("malformed HTTP request: ", error.message()));
    }
    // Timed out (a slow or silent client), closed or reset by the client.
    Close();
  }

  void OnRequest(beast::error_code error) {
    if (error) return OnReadError(error);
    beast::http::request<beast::http::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(View(message.method_string()));
    request.target = std::string(View(message.target()));
    for (const auto& field : message) {
      std::string name = absl::AsciiStrToLower(View(field.name_string()));
      const absl::string_view value = View(field.value());
      auto [it, inserted] = request.headers.try_emplace(std::move(name), value);
      if (!inserted) absl::StrAppend(&it->second, ", ", value);
    }
    request.body = std::move(message.body());
    request.peer = peer_;
    request.start = start_;
    // The handler's time is bounded by the call's deadline, not by this connection's timers.
    Lowest().expires_never();
    std::weak_ptr<Session> weak = this->shared_from_this();
    core_.handler.Handle(std::move(request), [weak](HttpResponse response) {
      // A connection closed meanwhile (drain deadline, client gone) drops the answer.
      if (std::shared_ptr<Session> self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->Write(std::move(response), /*refused=*/false);
        });
      }
    });
  }

  void Refuse(int status, absl::string_view reason) {
    Write(core_.handler.Refused(status, reason, peer_), /*refused=*/true);
  }

  // Writes `response`, then waits for the next request or closes the connection. A `refused`
  // request may not have been read whole, so its connection closes.
  void Write(HttpResponse response, bool refused) {
    if (closed_) return;
    const bool close = refused || !keep_alive_ || Draining();
    auto message = std::make_shared<beast::http::response<beast::http::string_body>>(
        static_cast<beast::http::status>(response.status), 11);
    message->set(beast::http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(!close);
    message->prepare_payload();
    Lowest().expires_after(ToChrono(core_.options.request_timeout));
    beast::http::async_write(stream_, *message,
                             [self = this->shared_from_this(), message, close, refused](
                                 beast::error_code error, size_t) {
                               if (error) return self->Close();
                               if (refused) return self->Linger();
                               if (close) return self->Close();
                               self->WaitForRequest();
                             });
  }

  // Half-closes the connection and discards what the client still sends, for at most
  // kLingerTime, before closing it.
  void Linger() {
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().expires_after(ToChrono(kLingerTime));
    Discard();
  }

  void Discard() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code error, size_t) {
                              if (error || self->closed_) return self->Close();
                              self->Discard();
                            });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
    core_.Closed(this);
  }

  std::shared_ptr<asio::ssl::context> tls_;  // Before stream_, which refers to it.
  Stream stream_;
  HttpServerCore& core_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::array<char, kFirstRead> discard_{};
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  absl::Time start_;
  bool keep_alive_ = false;
  bool idle_ = false;
  bool closed_ = false;
};

// NOLINTEND(misc-no-recursion)

void HttpServerCore::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!error) {
      std::shared_ptr<SessionBase> session;
      if (options.tls != nullptr) {
        session = std::make_shared<Session<TlsStream>>(std::move(socket), *this,
                                                       options.tls->Get(absl::Now()));
      } else {
        session = std::make_shared<Session<PlainStream>>(std::move(socket), *this);
      }
      bool refused = false;
      {
        absl::MutexLock lock(&mu);
        refused = draining || static_cast<int>(sessions.size()) >= options.max_connections;
        if (!refused) sessions.emplace(session.get(), session);
      }
      // A refused connection closes when `session` (its only owner) goes.
      if (!refused) session->Start();
      return Accept();
    }
    warnings.Warn("cannot accept HTTP connections", error.message());
    accept_backoff.expires_after(ToChrono(kAcceptBackoff));
    accept_backoff.async_wait([this](beast::error_code wait_error) {
      if (!wait_error) Accept();
    });
  });
}

void HttpServerCore::Closed(SessionBase* session) {
  std::shared_ptr<SessionBase> last;  // Released outside the lock.
  absl::MutexLock lock(&mu);
  auto it = sessions.find(session);
  if (it == sessions.end()) return;
  last = std::move(it->second);
  sessions.erase(it);
}

}  // namespace http_internal

using http_internal::HttpServerCore;
using http_internal::SessionBase;

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              HttpHandler& handler) {
  absl::StatusOr<tcp::endpoint> listen = ListenEndpoint(options.listen);
  if (!listen.ok()) return listen.status();
  beast::error_code error;
  auto core = std::make_unique<HttpServerCore>(options, handler);
  const tcp::endpoint& endpoint = *listen;
  core->acceptor.open(endpoint.protocol(), error);
  if (!error) core->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) core->acceptor.bind(endpoint, error);
  if (!error) core->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen, ": ", error.message()));
  }
  core->port = core->acceptor.local_endpoint().port();
  core->Accept();
  for (int i = 0; i < std::max(1, options.threads); ++i) {
    core->threads.emplace_back([io = &core->io] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(core)));
}

HttpServer::HttpServer(std::unique_ptr<HttpServerCore> core) : core_(std::move(core)) {}

HttpServer::~HttpServer() {
  if (!core_->threads.empty()) Drain(absl::Now());
}

int HttpServer::port() const { return core_->port; }

int HttpServer::open_connections() const {
  absl::MutexLock lock(&core_->mu);
  return static_cast<int>(core_->sessions.size());
}

void HttpServer::Drain(absl::Time deadline) {
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    absl::MutexLock lock(&core_->mu);
    core_->draining = true;
    for (const auto& [unused, session] : core_->sessions) open.push_back(session);
  }
  asio::post(core_->acceptor.get_executor(), [core = core_.get()] {
    beast::error_code ignored;
    core->acceptor.close(ignored);
    core->accept_backoff.cancel();
  });
  for (const std::shared_ptr<SessionBase>& session : open) session->CloseIfIdle();
  open.clear();
  const absl::Condition none_open(core_.get(), &HttpServerCore::NoSessions);
  {
    absl::MutexLock lock(&core_->mu);
    if (!core_->mu.AwaitWithDeadline(none_open, deadline)) {
      for (const auto& [unused, session] : core_->sessions) open.push_back(session);
    }
  }
  for (const std::shared_ptr<SessionBase>& session : open) session->CloseNow();
  open.clear();
  {
    absl::MutexLock lock(&core_->mu);
    core_->mu.Await(none_open);
  }
  core_->work.reset();
  core_->io.stop();
  for (std::thread& thread : core_->threads) thread.join();
  core_->threads.clear();
}

}  // namespace misc::http

#include "src/observability/metrics_server.h"

#include <httplib.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/log/absl_format.h"
#include "src/observability/flags.h"
#include "src/observability/text_format.h"

namespace misc::observability {
namespace {

// Scrapes are small and rare: two workers, one request per connection, short timeouts, so
// that Stop() never waits long for an idle or stalled connection.
constexpr size_t kWorkerThreads = 2;
constexpr time_t kTimeoutSeconds = 1;

struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> ParseListen(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  HostPort parsed;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &parsed.port) || parsed.port < 0 ||
      parsed.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics listen address \"", listen, "\" is not host:port"));
  }
  absl::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  parsed.host = std::string(host);
  return parsed;
}

// The listening thread (and the workers it starts, which inherit its signal mask) get EPIPE
// instead of a process-killing SIGPIPE when a scraper hangs up mid-response: the Debian
// build of cpp-httplib sends without MSG_NOSIGNAL.
void BlockSigpipeInThisThread() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

MetricsServer::MetricsServer(std::unique_ptr<httplib::Server> http, int port)
    : http_(std::move(http)), port_(port) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(absl::string_view listen,
                                                                    Registry& registry) {
  absl::StatusOr<HostPort> address = ParseListen(listen);
  if (!address.ok()) return address.status();

  auto http = std::make_unique<httplib::Server>();
  http->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  http->set_keep_alive_max_count(1);
  http->set_keep_alive_timeout(kTimeoutSeconds);
  http->set_read_timeout(kTimeoutSeconds, 0);
  http->set_write_timeout(kTimeoutSeconds, 0);
  // httplib's default sets SO_REUSEPORT, which would let a second process bind the same port
  // and silently take half the scrapes: only allow rebinding a port in TIME_WAIT.
  http->set_socket_options([](socket_t socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http->Get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.Render(), kTextFormatContentType);
  });

  int port = address->port;
  if (port == 0) {
    port = http->bind_to_any_port(address->host);
  } else if (!http->bind_to_port(address->host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, " for metrics"));
  }

  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(http), port));
  MetricsServer* raw = server.get();
  server->thread_ = std::thread([raw] {
    BlockSigpipeInThisThread();
    if (!raw->http_->listen_after_bind()) spdlog::error("metrics endpoint stopped on an error");
    raw->listen_returned_.store(true);
  });
  // httplib's stop() does nothing before the listening loop runs: wait for it, so that an
  // early Stop() cannot leave the thread listening forever.
  while (!raw->http_->is_running() && !raw->listen_returned_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool ipv6 = address->host.find(':') != std::string::npos;
  spdlog::info("serving Prometheus metrics on http://{}{}{}:{}/metrics", ipv6 ? "[" : "",
               address->host, ipv6 ? "]" : "", port);
  return server;
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> StartMetricsServerFromFlags(Registry& registry) {
  const std::string listen = absl::GetFlag(FLAGS_metrics_listen);
  if (listen.empty()) return std::unique_ptr<MetricsServer>();
  return MetricsServer::Start(listen, registry);
}

}  // namespace misc::observability

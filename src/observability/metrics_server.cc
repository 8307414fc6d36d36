#include "src/observability/metrics_server.h"

#include <netdb.h>
#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "src/log/absl_format.h"

namespace misc::observability {
namespace {

// Scrapes are small and rare.
constexpr char kWorkerThreads[] = "2";
// A stalled scraper holds a worker for at most this long.
constexpr char kRequestTimeoutMs[] = "1000";

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
  parsed.host = std::string(listen.substr(0, colon));
  // civetweb reads a list of ports ("a:1,b:2"): accept exactly one.
  if (parsed.host.find_first_of(", \t") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics listen address \"", listen, "\" is not host:port"));
  }
  if (parsed.host.find_first_of("[]:") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics listen address \"", listen, "\": IPv6 is not supported (civetweb without IPv6)"));
  }
  return parsed;
}

// Returns an IPv4 address that reaches a listener bound to `host`: 127.0.0.1 for the
// wildcard, else the host itself.
std::string WakeHost(const std::string& host) { return host == "0.0.0.0" ? "127.0.0.1" : host; }

// Opens and closes one TCP connection to `host`:`port`, ignoring errors.
void Knock(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    (void)connect(fd, found->ai_addr, found->ai_addrlen);
    close(fd);
  }
  freeaddrinfo(found);
}

}  // namespace

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, std::string wake_host,
                             int port,
                             std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : exposer_(std::move(exposer)),
      wake_host_(std::move(wake_host)),
      port_(port),
      collectables_(std::move(collectables)) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    absl::string_view listen, std::vector<std::shared_ptr<prometheus::Collectable>> collectables) {
  absl::StatusOr<HostPort> address = ParseListen(listen);
  if (!address.ok()) return address.status();

  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb's options; keep-alive stays off (its default), so no idle connection holds a
    // worker. The exposer reports a failed bind by throwing.
    exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", std::string(listen), "num_threads",
                                 kWorkerThreads, "request_timeout_ms", kRequestTimeoutMs});
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen, " for metrics: ", e.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, " for metrics"));
  }
  for (const std::shared_ptr<prometheus::Collectable>& collectable : collectables) {
    exposer->RegisterCollectable(collectable);
  }
  spdlog::info("serving Prometheus metrics on http://{}:{}/metrics", address->host, ports.front());
  return std::unique_ptr<MetricsServer>(new MetricsServer(
      std::move(exposer), WakeHost(address->host), ports.front(), std::move(collectables)));
}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (exposer_ == nullptr) return;
  // civetweb's listening thread polls its socket for up to 2 s before it sees that it must
  // stop: knock on the port until the exposer is gone, so stopping takes milliseconds.
  std::atomic<bool> stopped{false};
  std::thread knocker([this, &stopped] {
    while (!stopped.load()) {
      Knock(wake_host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  exposer_.reset();
  stopped.store(true);
  knocker.join();
}

}  // namespace misc::observability

#include "test/support/rest_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "test/support/misc_server.h"

namespace misc::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr int kStartAttempts = 3;

bool HasFlag(const std::vector<std::string>& flags, absl::string_view name) {
  for (const std::string& flag : flags) {
    if (absl::StartsWith(flag, absl::StrCat("--", name, "="))) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<RestProcess> RestProcess::Start(const std::string& database_url,
                                                const std::vector<std::string>& flags) {
  std::string last_output;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    const int port = FreeLoopbackPort();
    const int metrics_port = FreeLoopbackPort();
    std::vector<std::string> args = {absl::StrCat("--http_listen=127.0.0.1:", port),
                                     absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port),
                                     absl::StrCat("--database_url=", database_url)};
    if (!HasFlag(flags, "shutdown_delay")) args.push_back("--shutdown_delay=0s");
    args.insert(args.end(), flags.begin(), flags.end());
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(MISC_REST_BINARY, args);
    if (!process.ok()) {
      ADD_FAILURE() << "cannot start misc-rest: " << process.status();
      return nullptr;
    }
    std::unique_ptr<RestProcess> server(new RestProcess(*std::move(process), port, metrics_port));
    const absl::Time deadline = absl::Now() + kStartTimeout;
    while (absl::Now() < deadline && server->process_->Running()) {
      httplib::Client client("127.0.0.1", port);
      client.set_connection_timeout(0, 200'000);
      if (httplib::Result result = client.Get("/readyz"); result && result->status == 200) {
        return server;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    last_output = server->Output();
    if (server->process_->Running()) break;  // Up but never ready: a real failure.
    if (!absl::StrContains(last_output, "cannot")) break;
  }
  ADD_FAILURE() << "misc-rest did not become ready; its output:\n" << last_output;
  return nullptr;
}

std::unique_ptr<httplib::Client> RestProcess::Client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client->set_connection_timeout(5);
  client->set_read_timeout(20);
  client->set_write_timeout(20);
  return client;
}

std::string RestProcess::Metrics() const {
  httplib::Client client("127.0.0.1", metrics_port_);
  httplib::Result result = client.Get("/metrics");
  return result && result->status == 200 ? result->body : "";
}

int RestProcess::Terminate(absl::Duration timeout) {
  process_->Signal(SIGTERM);
  absl::StatusOr<int> code = process_->Wait(timeout);
  return code.ok() ? *code : -1;
}

int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ClosedByPeerWithin(int fd, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd entry{.fd = fd, .events = POLLIN, .revents = 0};
    const int ready = poll(&entry, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0) return false;
    if (ready == 0) continue;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return true;  // EOF or reset.
  }
}

}  // namespace misc::testing

#include "test/support/misc_server.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace misc::testing {
namespace {

using ::grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
// Another process may take the free port between FreeLoopbackPort and the bind.
constexpr int kStartAttempts = 3;

bool HasFlag(const std::vector<std::string>& flags, absl::string_view name) {
  return std::any_of(flags.begin(), flags.end(), [name](const std::string& flag) {
    return absl::StartsWith(flag, absl::StrCat("--", name, "="));
  });
}

}  // namespace

std::vector<std::string> ErrorLogLines(const std::string& output) {
  std::vector<std::string> errors;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StrContains(line, "\"level\":\"error\"") ||
        absl::StrContains(line, "\"level\":\"critical\"")) {
      errors.emplace_back(line);
    }
  }
  return errors;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

int ServerProcess::MetricsPort() const {
  static const std::regex kLine(R"(metrics on port (\d+))");
  const std::string output = Output();
  std::smatch match;
  return std::regex_search(output, match, kLine) ? std::stoi(match[1]) : 0;
}

std::shared_ptr<grpc::Channel> ServerProcess::channel() const { return channel(credentials_); }

std::shared_ptr<grpc::Channel> ServerProcess::channel(
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) const {
  grpc::ChannelArguments arguments;
  // A distinct channel argument gives each call site its own connection.
  static std::atomic<int> counter = 0;
  arguments.SetInt("misc.test.channel", ++counter);
  return grpc::CreateCustomChannel(address_, credentials, arguments);
}

HealthCheckResponse::ServingStatus ServerProcess::Health(const std::string& service) const {
  auto stub = grpc::health::v1::Health::NewStub(channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

int ServerProcess::Terminate(absl::Duration timeout) {
  process_->Signal(SIGTERM);
  absl::StatusOr<int> exit_code = process_->Wait(timeout);
  return exit_code.ok() ? *exit_code : -1;
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::string& database_url,
                                                    const std::vector<std::string>& flags,
                                                    const std::string& binary) {
  return Launch(database_url, flags, binary, /*wait_serving=*/true,
                grpc::InsecureChannelCredentials());
}

std::unique_ptr<ServerProcess> ServerProcess::StartSecure(
    const std::string& database_url, const std::vector<std::string>& flags,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  return Launch(database_url, flags, MISC_SERVER_BINARY, /*wait_serving=*/true, credentials);
}

std::unique_ptr<ServerProcess> ServerProcess::StartUnready(const std::string& database_url,
                                                           const std::vector<std::string>& flags,
                                                           const std::string& binary) {
  return Launch(database_url, flags, binary, /*wait_serving=*/false,
                grpc::InsecureChannelCredentials());
}

std::unique_ptr<ServerProcess> ServerProcess::Launch(
    const std::string& database_url, const std::vector<std::string>& flags,
    const std::string& binary, bool wait_serving,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
  std::string last_output;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    const std::string address = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
    std::vector<std::string> args = {absl::StrCat("--listen=", address),
                                     absl::StrCat("--database_url=", database_url)};
    if (!HasFlag(flags, "shutdown_delay")) args.push_back("--shutdown_delay=0s");
    // Tests run in parallel: never contend for the default metrics port.
    if (!HasFlag(flags, "metrics_listen")) args.push_back("--metrics_listen=127.0.0.1:0");
    args.insert(args.end(), flags.begin(), flags.end());
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(binary, args);
    if (!process.ok()) {
      ADD_FAILURE() << "cannot start " << binary << ": " << process.status();
      return nullptr;
    }
    std::unique_ptr<ServerProcess> server(
        new ServerProcess(*std::move(process), address, credentials));
    const absl::Time deadline = absl::Now() + kStartTimeout;
    while (absl::Now() < deadline && server->process_->Running()) {
      auto channel = server->channel();
      const bool connected = channel->WaitForConnected(std::chrono::system_clock::now() +
                                                       std::chrono::milliseconds(200));
      if (connected && (!wait_serving || server->Health() == HealthCheckResponse::SERVING)) {
        return server;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    last_output = server->Output();
    if (server->process_->Running()) break;  // Up but never ready: a real failure.
    if (!absl::StrContains(last_output, "cannot listen")) break;
  }
  ADD_FAILURE() << binary << " did not become " << (wait_serving ? "SERVING" : "reachable")
                << "; its output:\n"
                << last_output;
  return nullptr;
}

}  // namespace misc::testing

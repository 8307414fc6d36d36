#include "test/support/rest_server.h"

#include <gtest/gtest.h>
#include <signal.h>

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
    // With TLS the HTTP port takes no plaintext: ask the metrics port's /readyz, then wait for
    // the log line saying the HTTP port is up.
    const bool tls = HasFlag(flags, "tls_cert_file");
    while (absl::Now() < deadline && server->process_->Running()) {
      httplib::Client client("127.0.0.1", tls ? metrics_port : port);
      client.set_connection_timeout(0, 200'000);
      if (httplib::Result result = client.Get("/readyz"); result && result->status == 200) {
        if (!tls ||
            absl::StrContains(server->Output(), absl::StrCat(" on 127.0.0.1:", port, " "))) {
          return server;
        }
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

}  // namespace misc::testing

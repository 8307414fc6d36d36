#ifndef MISC_TEST_SUPPORT_REST_SERVER_H_
#define MISC_TEST_SUPPORT_REST_SERVER_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "test/support/loopback_socket.h"
#include "test/support/subprocess.h"

namespace misc::testing {

// The real misc-rest binary (MISC_REST_BINARY) started by a test on free loopback ports
// (--http_listen and --metrics_listen), talking to a test database. Stopped with SIGKILL when
// destroyed while still running.
class RestProcess {
 public:
  // Starts it with --database_url=`database_url`, --shutdown_delay=0s (unless `flags` sets it)
  // and `flags`, and waits until GET /readyz answers 200 (on the metrics port when `flags` turn
  // TLS on, then until the HTTP port is up). On failure reports a test failure
  // with its output and returns nullptr.
  static std::unique_ptr<RestProcess> Start(const std::string& database_url,
                                            const std::vector<std::string>& flags = {});

  // A new HTTP client of the server (a new connection), with 20 s timeouts.
  std::unique_ptr<httplib::Client> Client() const;

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }

  // Returns what GET /metrics on the metrics port answers, or "" when it does not.
  std::string Metrics() const;

  // Sends SIGTERM and waits up to `timeout` for the exit. Returns the exit code, or -1.
  int Terminate(absl::Duration timeout = absl::Seconds(60));

  Subprocess& process() { return *process_; }
  std::string Output() const { return process_->Output(); }

 private:
  RestProcess(std::unique_ptr<Subprocess> process, int port, int metrics_port)
      : process_(std::move(process)), port_(port), metrics_port_(metrics_port) {}

  std::unique_ptr<Subprocess> process_;
  int port_;
  int metrics_port_;
};

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_REST_SERVER_H_

#ifndef MISC_TEST_SUPPORT_MISC_SERVER_H_
#define MISC_TEST_SUPPORT_MISC_SERVER_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "test/support/postgres.h"
#include "test/support/subprocess.h"

namespace misc::testing {

// A real server binary (misc-server by default) started by a test on a free loopback port,
// talking to a test database. The binary is the one CMake built: MISC_SERVER_BINARY, or any
// other passed to Start. Stopped with SIGKILL when destroyed while still running.
class ServerProcess {
 public:
  // Starts `binary` with --listen on a free port, --database_url=`database_url`,
  // --shutdown_delay=0s and --metrics_listen=127.0.0.1:0 (unless `flags` sets them) and `flags`,
  // and waits until health reports SERVING for the whole server. On failure reports a test failure
  // with the server's output and returns nullptr.
  static std::unique_ptr<ServerProcess> Start(const std::string& database_url,
                                              const std::vector<std::string>& flags = {},
                                              const std::string& binary = MISC_SERVER_BINARY);

  // Starts the server like Start but returns as soon as it accepts connections, whatever its
  // health says (for tests of readiness itself). Returns nullptr on failure.
  static std::unique_ptr<ServerProcess> StartUnready(
      const std::string& database_url, const std::vector<std::string>& flags = {},
      const std::string& binary = MISC_SERVER_BINARY);

  // Starts like Start, but reaches the server with `credentials` (TLS, say) instead of
  // plaintext, for the start and for channel().
  static std::unique_ptr<ServerProcess> StartSecure(
      const std::string& database_url, const std::vector<std::string>& flags,
      const std::shared_ptr<grpc::ChannelCredentials>& credentials);

  // Returns "127.0.0.1:<port>".
  const std::string& address() const { return address_; }

  // Returns the port of its metrics listener (--metrics_listen, port 0 by default here), read
  // from its log ("metrics on port N"); 0 when it has logged none.
  int MetricsPort() const;

  // Returns a new channel to the server (a new connection each call), plaintext unless the
  // server was started with StartSecure.
  std::shared_ptr<grpc::Channel> channel() const;

  // Returns a new channel to the server with `credentials` (a new connection each call).
  std::shared_ptr<grpc::Channel> channel(
      const std::shared_ptr<grpc::ChannelCredentials>& credentials) const;

  // Returns the health status of `service` ("" for the whole server), or UNKNOWN when the
  // check itself fails (e.g. NOT_FOUND for a service the server does not host).
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const std::string& service = "") const;

  // Sends SIGTERM and waits up to `timeout` for the exit. Returns the exit code, or -1 when
  // it did not exit in time.
  int Terminate(absl::Duration timeout = absl::Seconds(60));

  // Returns the process, e.g. to send signals or read /proc/<pid>.
  Subprocess& process() { return *process_; }

  // Returns everything the server has logged so far.
  std::string Output() const { return process_->Output(); }

 private:
  ServerProcess(std::unique_ptr<Subprocess> process, std::string address,
                std::shared_ptr<grpc::ChannelCredentials> credentials)
      : process_(std::move(process)),
        address_(std::move(address)),
        credentials_(std::move(credentials)) {}

  static std::unique_ptr<ServerProcess> Launch(
      const std::string& database_url, const std::vector<std::string>& flags,
      const std::string& binary, bool wait_serving,
      const std::shared_ptr<grpc::ChannelCredentials>& credentials);

  std::unique_ptr<Subprocess> process_;
  std::string address_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
};

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

// Returns the lines of a server's JSON log `output` at level error or above.
std::vector<std::string> ErrorLogLines(const std::string& output);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_MISC_SERVER_H_

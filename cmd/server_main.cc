// main() of every server binary. Which services a binary hosts is decided by its
// misc_add_server(... SERVICES ...) line in cmd/<binary>/CMakeLists.txt, which generates
// HostedModules(); everything else is the shared runner in src/server.
#include <cstdio>

#include "absl/synchronization/mutex.h"
#include "src/config/env_flags.h"
#include "src/log/logging.h"
#include "src/server/runner.h"
#include "src/server/server_config.h"
#include "src/server/server_modules.h"
#include "src/server/signals.h"

int main(int argc, char** argv) {
  misc::server::BlockTerminationSignals();  // Before any thread starts.
#ifdef NDEBUG
  // Debian builds Abseil without NDEBUG, so every absl::Mutex acquisition (gRPC's locks are
  // absl::Mutex too) updates a lock-order graph: 4-6 % of a release server's CPU under load
  // (docs/benchmarks.md). Debug and sanitizer builds keep the check, where the tests run.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  misc::config::ParseFlags(argc, argv, "Serves misc's gRPC services. Flags also read MISC_<FLAG>.");
  absl::StatusOr<misc::server::ServerConfig> config = misc::server::ServerConfigFromFlags();
  if (!config.ok()) {
    std::fprintf(stderr, "%s: invalid configuration: %s\n", argv[0],
                 std::string(config.status().message()).c_str());
    return 2;
  }
  misc::log::Init(misc::server::ServerName(), config->log_level);
  return misc::server::RunServer(misc::server::ServerName(), *config,
                                 misc::server::HostedModules());
}

#include "src/server/server_main.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "src/config/env_flags.h"
#include "src/log/logging.h"
#include "src/server/runner.h"
#include "src/server/server_config.h"
#include "src/server/signals.h"

namespace misc::server {

int ServerMain(int argc, char** argv, absl::string_view name,
               const std::vector<ServiceModule>& modules) {
  return ServerMain(argc, argv, name, modules,
                    "Serves misc's gRPC services. Flags also read MISC_<FLAG>.", nullptr);
}

int ServerMain(int argc, char** argv, absl::string_view name,
               const std::vector<ServiceModule>& modules, absl::string_view usage,
               const FrontFromFlags& front_from_flags) {
  BlockTerminationSignals();  // Before any thread starts.
#ifdef NDEBUG
  // Debian builds Abseil without NDEBUG, so every absl::Mutex acquisition (gRPC's locks are
  // absl::Mutex too) updates a lock-order graph: 4-6 % of a release server's CPU under load
  // (docs/benchmarks.md). Debug and sanitizer builds keep the check, where the tests run.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  config::ParseFlags(argc, argv, usage);
  absl::StatusOr<ServerConfig> config = ServerConfigFromFlags();
  absl::StatusOr<std::unique_ptr<Front>> front = std::unique_ptr<Front>();
  if (front_from_flags != nullptr) front = front_from_flags();
  for (const absl::Status& status : {config.status(), front.status()}) {
    if (!status.ok()) {
      std::fprintf(stderr, "%s: invalid configuration: %s\n", argv[0],
                   std::string(status.message()).c_str());
      return 2;
    }
  }
  log::Init(name, config->log_level);
  return RunServer(name, *config, modules, front->get());
}

}  // namespace misc::server

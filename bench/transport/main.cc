// misc-transport-ceiling: what a plain gRPC server on this machine answers per second for the
// calls misc-server serves from memory (docs/benchmarks.md, "The transport ceiling").
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/transport/answers.h"
#include "bench/transport/ceiling_server.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "src/log/absl_format.h"
#include "src/server/signals.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "Address to serve on, host:port (port 0: any).");
ABSL_FLAG(std::string, api, "callback",
          "gRPC server API: callback (CallbackService, as misc-server) or async (completion "
          "queues, one thread each).");
ABSL_FLAG(int, threads, 2,
          "With --api=async: completion queues, each drained by its own thread (one per core is "
          "the usual choice). The callback API runs on gRPC's own threads and ignores it.");

ABSL_FLAG(absl::Duration, max_connection_age, absl::ZeroDuration(),
          "gRPC's max connection age (GRPC_ARG_MAX_CONNECTION_AGE_MS), as misc-server sets it "
          "(5m by default there); 0 leaves it unset: the bare transport. Set, it adds gRPC's "
          "max-age filter to every call's path, to measure what that setting costs.");

namespace {

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  misc::server::BlockTerminationSignals();  // Before any thread starts.
  // As misc-server does in release builds (src/server/server_main.cc): Debian's Abseil checks
  // lock order on every absl::Mutex, gRPC's included, which would cost the ceiling a few %.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "misc-transport-ceiling [--listen=HOST:PORT] [--api=callback|async] [--threads=N] "
      "[--max_connection_age=5m] serves "
      "misc's memory-served methods with fixed answers on a plain gRPC server, until SIGTERM "
      "or SIGINT.");
  absl::ParseCommandLine(argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("misc-transport-ceiling"));
  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string api = absl::GetFlag(FLAGS_api);
  const int threads = absl::GetFlag(FLAGS_threads);
  if (api != "callback" && api != "async") {
    spdlog::error("--api={}: want callback or async", api);
    return kExitUsage;
  }
  if (threads < 1) {
    spdlog::error("--threads={}: want at least 1", threads);
    return kExitUsage;
  }

  const misc::transport::TransportSettings settings{.max_connection_age =
                                                        absl::GetFlag(FLAGS_max_connection_age)};
  const misc::transport::Answers answers;
  absl::StatusOr<std::unique_ptr<misc::transport::CeilingServer>> server =
      api == "async" ? misc::transport::StartAsyncServer(listen, threads, answers, settings)
                     : misc::transport::StartCallbackServer(listen, answers, settings);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  if (api == "async") {
    spdlog::info("async API, {} queue threads, port {}", threads, (*server)->port());
  } else {
    spdlog::info("callback API, port {}", (*server)->port());
  }
  const int signal_number = misc::server::WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down", signal_number);
  (*server)->Shutdown();
  return 0;
}

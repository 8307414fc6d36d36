#include "services/rollout/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/rollout/rollout_service.h"
#include "services/rollout/rollout_store.h"
#include "src/refresh/kept_fresh.h"

ABSL_FLAG(absl::Duration, rollout_refresh_interval, absl::Seconds(10),
          "How often RolloutService checks the database for a new rollout target set.");

namespace misc::rollout {
namespace {

// How long one reload may wait for a connection and read the set.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {
      .name = "rollout",
      .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
        absl::StatusOr<std::shared_ptr<refresh::Snapshot<RolloutCatalog>>> catalog =
            refresh::KeepFresh<RolloutCatalog>(env.refresher, "rollout", "rollout_refresh_interval",
                                               absl::GetFlag(FLAGS_rollout_refresh_interval),
                                               [store = std::make_shared<RolloutStore>(env.pool)](
                                                   std::shared_ptr<const RolloutCatalog> current) {
                                                 // Reads only the version while it stays the same.
                                                 return store->Load(std::move(current),
                                                                    absl::Now() + kReloadTimeout);
                                               });
        if (!catalog.ok()) return catalog.status();
        return server::HostedService{
            .full_name = v1::RolloutService::service_full_name(),
            .service = std::make_unique<RolloutService>(
                *std::move(catalog), env.calls.ForService(v1::RolloutService::service_full_name())),
            .serves_from_memory = true};
      }};
}

}  // namespace misc::rollout

#include "services/rollout/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/rollout/rollout_service.h"
#include "services/rollout/rollout_store.h"
#include "src/refresh/snapshot.h"

ABSL_FLAG(absl::Duration, rollout_refresh_interval, absl::Seconds(10),
          "How often RolloutService checks the database for a new rollout target set.");

namespace misc::rollout {
namespace {

// How long one reload may wait for a connection and read the set.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {.name = "rollout",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            const absl::Duration interval = absl::GetFlag(FLAGS_rollout_refresh_interval);
            if (interval <= absl::ZeroDuration()) {
              return absl::InvalidArgumentError("--rollout_refresh_interval must be positive");
            }
            // The reload and the service share the live snapshot; the reload owns the store.
            auto catalog = std::make_shared<refresh::Snapshot<RolloutCatalog>>();
            env.refresher.Add(
                "rollout", interval,
                [catalog, store = std::make_shared<RolloutStore>(env.pool)]() -> absl::Status {
                  // Reads only the version while it stays the same.
                  absl::StatusOr<std::shared_ptr<const RolloutCatalog>> loaded =
                      store->Load(catalog->Get(), absl::Now() + kReloadTimeout);
                  if (!loaded.ok()) return loaded.status();
                  catalog->Set(*std::move(loaded));
                  return absl::OkStatus();
                });
            return server::HostedService{
                .full_name = v1::RolloutService::service_full_name(),
                .service = std::make_unique<RolloutService>(catalog, env.calls),
                .serves_from_memory = true};
          }};
}

}  // namespace misc::rollout

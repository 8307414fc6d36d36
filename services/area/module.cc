#include "services/area/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/area/area_service.h"
#include "services/area/area_store.h"
#include "src/refresh/snapshot.h"

ABSL_FLAG(absl::Duration, area_refresh_interval, absl::Seconds(10),
          "How often AreaService reloads prefectures and areas from the database.");

namespace misc::area {
namespace {

// How long one reload may wait for a connection and read both tables.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {.name = "area",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            const absl::Duration interval = absl::GetFlag(FLAGS_area_refresh_interval);
            if (interval <= absl::ZeroDuration()) {
              return absl::InvalidArgumentError("--area_refresh_interval must be positive");
            }
            // The reload and the service share the live snapshot; the reload owns the store.
            auto catalog = std::make_shared<refresh::Snapshot<AreaCatalog>>();
            env.refresher.Add(
                "area", interval,
                [catalog, store = std::make_shared<AreaStore>(env.pool)]() -> absl::Status {
                  absl::StatusOr<AreaCatalog> loaded = store->Load(absl::Now() + kReloadTimeout);
                  if (!loaded.ok()) return loaded.status();
                  catalog->Set(std::make_shared<const AreaCatalog>(*std::move(loaded)));
                  return absl::OkStatus();
                });
            return server::HostedService{
                .full_name = v1::AreaService::service_full_name(),
                .service = std::make_unique<AreaService>(catalog, env.calls),
                .serves_from_memory = true};
          }};
}

}  // namespace misc::area

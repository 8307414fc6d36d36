#include "services/area/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/area/area_service.h"
#include "services/area/area_store.h"
#include "src/refresh/kept_fresh.h"

ABSL_FLAG(absl::Duration, area_refresh_interval, absl::Seconds(10),
          "How often AreaService reloads prefectures and areas from the database.");

namespace misc::area {
namespace {

// How long one reload may wait for a connection and read both tables.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {
      .name = "area",
      .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
        absl::StatusOr<std::shared_ptr<refresh::Snapshot<AreaCatalog>>> catalog =
            refresh::KeepFresh<AreaCatalog>(
                env.refresher, "area", "area_refresh_interval",
                absl::GetFlag(FLAGS_area_refresh_interval),
                [store = std::make_shared<AreaStore>(env.pool)](const auto& /*current*/) {
                  return store->Load(absl::Now() + kReloadTimeout);
                });
        if (!catalog.ok()) return catalog.status();
        return server::HostedService{
            .full_name = v1::AreaService::service_full_name(),
            .service = std::make_unique<AreaService>(
                *std::move(catalog), env.calls.ForService(v1::AreaService::service_full_name())),
            .serves_from_memory = true};
      }};
}

}  // namespace misc::area

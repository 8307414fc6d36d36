#include "services/genre/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/genre/genre_service.h"
#include "services/genre/genre_store.h"
#include "src/refresh/kept_fresh.h"

ABSL_FLAG(absl::Duration, genre_refresh_interval, absl::Seconds(10),
          "How often GenreService reloads the genre tree from the database.");

namespace misc::genre {
namespace {

// How long one reload may wait for a connection and read the table.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {
      .name = "genre",
      .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
        absl::StatusOr<std::shared_ptr<refresh::Snapshot<GenreCatalog>>> catalog =
            refresh::KeepFresh<GenreCatalog>(
                env.refresher, "genre", "genre_refresh_interval",
                absl::GetFlag(FLAGS_genre_refresh_interval),
                [store = std::make_shared<GenreStore>(env.pool)](const auto& /*current*/) {
                  return store->Load(absl::Now() + kReloadTimeout);
                });
        if (!catalog.ok()) return catalog.status();
        return server::HostedService{
            .full_name = v1::GenreService::service_full_name(),
            .service = std::make_unique<GenreService>(
                *std::move(catalog), env.calls.ForService(v1::GenreService::service_full_name())),
            .serves_from_memory = true};
      }};
}

}  // namespace misc::genre

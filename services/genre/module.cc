#include "services/genre/module.h"

#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/genre/genre_service.h"
#include "services/genre/genre_store.h"
#include "src/refresh/snapshot.h"

ABSL_FLAG(absl::Duration, genre_refresh_interval, absl::Seconds(10),
          "How often GenreService reloads the genre tree from the database.");

namespace misc::genre {
namespace {

// How long one reload may wait for a connection and read the table.
constexpr absl::Duration kReloadTimeout = absl::Seconds(5);

}  // namespace

server::ServiceModule Module() {
  return {.name = "genre",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            const absl::Duration interval = absl::GetFlag(FLAGS_genre_refresh_interval);
            if (interval <= absl::ZeroDuration()) {
              return absl::InvalidArgumentError("--genre_refresh_interval must be positive");
            }
            // The reload and the service share the live snapshot; the reload owns the store.
            auto catalog = std::make_shared<refresh::Snapshot<GenreCatalog>>();
            env.refresher.Add(
                "genre", interval,
                [catalog, store = std::make_shared<GenreStore>(env.pool)]() -> absl::Status {
                  absl::StatusOr<GenreCatalog> loaded = store->Load(absl::Now() + kReloadTimeout);
                  if (!loaded.ok()) return loaded.status();
                  catalog->Set(std::make_shared<const GenreCatalog>(*std::move(loaded)));
                  return absl::OkStatus();
                });
            return server::HostedService{
                .full_name = v1::GenreService::service_full_name(),
                .service = std::make_unique<GenreService>(catalog, env.calls),
                .serves_from_memory = true};
          }};
}

}  // namespace misc::genre

#ifndef MISC_SERVICES_GENRE_GENRE_SERVICE_H_
#define MISC_SERVICES_GENRE_GENRE_SERVICE_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "services/genre/genre_store.h"
#include "src/refresh/snapshot.h"
#include "src/server/call_runner.h"

namespace misc::genre {

// gRPC handlers of misc.genre.v1.GenreService: validate the request and answer from the
// in-memory catalog, on the callback thread (API.md). Never touches the database.
// ListGenres is a raw method: it answers with the catalog's bytes, serialized once per load.
class GenreService final
    : public v1::GenreService::WithRawCallbackMethod_ListGenres<v1::GenreService::CallbackService> {
 public:
  // Serves whatever `catalog` holds at each call; the refresher replaces it in the background.
  GenreService(std::shared_ptr<const refresh::Snapshot<GenreCatalog>> catalog,
               server::CallRunner calls)
      : catalog_(std::move(catalog)), calls_(std::move(calls)) {}

  // The RPCs of the same name (proto/misc/genre/v1/genre.proto). Each answers at once from
  // the current snapshot: UNAVAILABLE before the first load, otherwise what API.md says.
  // ListGenres takes and gives the wire bytes of ListGenresRequest and ListGenresResponse.
  grpc::ServerUnaryReactor* ListGenres(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetGenre(grpc::CallbackServerContext* context,
                                     const v1::GetGenreRequest* request,
                                     v1::GetGenreResponse* response) override;

 private:
  // Returns the current catalog, or UNAVAILABLE when none has loaded yet.
  absl::StatusOr<std::shared_ptr<const GenreCatalog>> Catalog() const;

  const std::shared_ptr<const refresh::Snapshot<GenreCatalog>> catalog_;
  server::CallRunner calls_;
};

}  // namespace misc::genre

#endif  // MISC_SERVICES_GENRE_GENRE_SERVICE_H_

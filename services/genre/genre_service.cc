#include "services/genre/genre_service.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "absl/strings/str_cat.h"
#include "src/server/call_runner.h"
#include "src/status/errors.h"

namespace misc::genre {

absl::StatusOr<std::shared_ptr<const GenreCatalog>> GenreService::Catalog() const {
  std::shared_ptr<const GenreCatalog> catalog = catalog_->Get();
  if (catalog == nullptr) return absl::UnavailableError("genre not loaded yet");
  return catalog;
}

grpc::ServerUnaryReactor* GenreService::ListGenres(grpc::CallbackServerContext* context,
                                                   const grpc::ByteBuffer* request,
                                                   grpc::ByteBuffer* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    // The request has no fields, but it must still be a ListGenresRequest.
    grpc::ByteBuffer request_bytes(*request);  // Deserialize consumes its buffer.
    v1::ListGenresRequest parsed;
    if (!grpc::SerializationTraits<v1::ListGenresRequest>::Deserialize(&request_bytes, &parsed)
             .ok()) {
      return absl::InvalidArgumentError("the request is not a ListGenresRequest");
    }
    absl::StatusOr<std::shared_ptr<const GenreCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    grpc::Slice wire = (*catalog)->genres_wire;  // Another reference, not a copy.
    *response = grpc::ByteBuffer(&wire, 1);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* GenreService::GetGenre(grpc::CallbackServerContext* context,
                                                 const v1::GetGenreRequest* request,
                                                 v1::GetGenreResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    if (request->genre_id() <= 0) {
      return status::InvalidField("genre_id", "must be positive");
    }
    absl::StatusOr<std::shared_ptr<const GenreCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    const auto found = (*catalog)->genres_by_id.find(request->genre_id());
    if (found == (*catalog)->genres_by_id.end()) {
      return status::NotFound("genre", absl::StrCat(request->genre_id()));
    }
    *response->mutable_genre() = found->second;
    return absl::OkStatus();
  });
}

}  // namespace misc::genre

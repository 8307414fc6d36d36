#include "services/area/area_service.h"

#include "absl/strings/str_cat.h"
#include "src/server/call_runner.h"
#include "src/status/errors.h"

namespace misc::area {

absl::StatusOr<std::shared_ptr<const AreaCatalog>> AreaService::Catalog() const {
  std::shared_ptr<const AreaCatalog> catalog = catalog_->Get();
  if (catalog == nullptr) return absl::UnavailableError("area not loaded yet");
  return catalog;
}

grpc::ServerUnaryReactor* AreaService::ListPrefectures(
    grpc::CallbackServerContext* context, const v1::ListPrefecturesRequest* /*request*/,
    v1::ListPrefecturesResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    absl::StatusOr<std::shared_ptr<const AreaCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    response->CopyFrom((*catalog)->prefectures);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AreaService::ListAreas(grpc::CallbackServerContext* context,
                                                 const v1::ListAreasRequest* request,
                                                 v1::ListAreasResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    if (request->prefecture_id() <= 0) {
      return status::InvalidField("prefecture_id", "must be positive");
    }
    absl::StatusOr<std::shared_ptr<const AreaCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    const auto found = (*catalog)->areas_by_prefecture.find(request->prefecture_id());
    if (found == (*catalog)->areas_by_prefecture.end()) {
      return status::NotFound("prefecture", absl::StrCat(request->prefecture_id()));
    }
    response->CopyFrom(found->second);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AreaService::GetArea(grpc::CallbackServerContext* context,
                                               const v1::GetAreaRequest* request,
                                               v1::GetAreaResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    if (request->area_id() <= 0) {
      return status::InvalidField("area_id", "must be positive");
    }
    absl::StatusOr<std::shared_ptr<const AreaCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    const auto found = (*catalog)->areas_by_id.find(request->area_id());
    if (found == (*catalog)->areas_by_id.end()) {
      return status::NotFound("area", absl::StrCat(request->area_id()));
    }
    *response->mutable_area() = found->second;
    return absl::OkStatus();
  });
}

}  // namespace misc::area

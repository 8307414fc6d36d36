#ifndef MISC_SERVICES_AREA_AREA_SERVICE_H_
#define MISC_SERVICES_AREA_AREA_SERVICE_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "misc/area/v1/area.grpc.pb.h"
#include "services/area/area_store.h"
#include "src/refresh/snapshot.h"
#include "src/server/call_runner.h"

namespace misc::area {

// gRPC handlers of misc.area.v1.AreaService: validate the request and answer from the
// in-memory catalog, on the callback thread (API.md). Never touches the database.
class AreaService final : public v1::AreaService::CallbackService {
 public:
  // Serves whatever `catalog` holds at each call; the refresher replaces it in the background.
  AreaService(std::shared_ptr<const refresh::Snapshot<AreaCatalog>> catalog,
              server::CallRunner calls)
      : catalog_(std::move(catalog)), calls_(std::move(calls)) {}

  // The RPCs of the same name (proto/misc/area/v1/area.proto). Each answers at once from
  // the current snapshot: UNAVAILABLE before the first load, otherwise what API.md says.
  grpc::ServerUnaryReactor* ListPrefectures(grpc::CallbackServerContext* context,
                                            const v1::ListPrefecturesRequest* request,
                                            v1::ListPrefecturesResponse* response) override;
  grpc::ServerUnaryReactor* ListAreas(grpc::CallbackServerContext* context,
                                      const v1::ListAreasRequest* request,
                                      v1::ListAreasResponse* response) override;
  grpc::ServerUnaryReactor* GetArea(grpc::CallbackServerContext* context,
                                    const v1::GetAreaRequest* request,
                                    v1::GetAreaResponse* response) override;

 private:
  // Returns the current catalog, or UNAVAILABLE when none has loaded yet.
  absl::StatusOr<std::shared_ptr<const AreaCatalog>> Catalog() const;

  const std::shared_ptr<const refresh::Snapshot<AreaCatalog>> catalog_;
  server::CallRunner calls_;
};

}  // namespace misc::area

#endif  // MISC_SERVICES_AREA_AREA_SERVICE_H_

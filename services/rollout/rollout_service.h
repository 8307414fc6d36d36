#ifndef MISC_SERVICES_ROLLOUT_ROLLOUT_SERVICE_H_
#define MISC_SERVICES_ROLLOUT_ROLLOUT_SERVICE_H_

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "misc/rollout/v1/rollout.grpc.pb.h"
#include "services/rollout/rollout_store.h"
#include "src/refresh/snapshot.h"
#include "src/server/call_runner.h"

namespace misc::rollout {

// gRPC handlers of misc.rollout.v1.RolloutService: validate the request and answer from the
// in-memory target set, on the callback thread (API.md). Never touches the database.
class RolloutService final : public v1::RolloutService::CallbackService {
 public:
  // Serves whatever `catalog` holds at each call; the refresher replaces it in the background.
  RolloutService(std::shared_ptr<const refresh::Snapshot<RolloutCatalog>> catalog,
                 server::CallRunner calls)
      : catalog_(std::move(catalog)), calls_(std::move(calls)) {}

  // The RPCs of the same name (proto/misc/rollout/v1/rollout.proto). Each answers at once from
  // the current snapshot: UNAVAILABLE before the first load, otherwise what API.md says.
  grpc::ServerUnaryReactor* GetRolloutTargets(grpc::CallbackServerContext* context,
                                              const v1::GetRolloutTargetsRequest* request,
                                              v1::GetRolloutTargetsResponse* response) override;
  grpc::ServerUnaryReactor* CheckRolloutTarget(grpc::CallbackServerContext* context,
                                               const v1::CheckRolloutTargetRequest* request,
                                               v1::CheckRolloutTargetResponse* response) override;

 private:
  // Returns the current target set, or UNAVAILABLE when none has loaded yet.
  absl::StatusOr<std::shared_ptr<const RolloutCatalog>> Catalog() const;

  const std::shared_ptr<const refresh::Snapshot<RolloutCatalog>> catalog_;
  server::CallRunner calls_;
};

}  // namespace misc::rollout

#endif  // MISC_SERVICES_ROLLOUT_ROLLOUT_SERVICE_H_

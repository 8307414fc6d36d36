#include "services/rollout/rollout_service.h"

#include "src/server/call_runner.h"
#include "src/status/errors.h"

namespace misc::rollout {

absl::StatusOr<std::shared_ptr<const RolloutCatalog>> RolloutService::Catalog() const {
  std::shared_ptr<const RolloutCatalog> catalog = catalog_->Get();
  if (catalog == nullptr) return absl::UnavailableError("rollout not loaded yet");
  return catalog;
}

grpc::ServerUnaryReactor* RolloutService::GetRolloutTargets(
    grpc::CallbackServerContext* context, const v1::GetRolloutTargetsRequest* request,
    v1::GetRolloutTargetsResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    if (request->known_version() < 0) {
      return status::InvalidField("known_version", "must be 0 (none) or positive");
    }
    absl::StatusOr<std::shared_ptr<const RolloutCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    const v1::GetRolloutTargetsResponse& current = (*catalog)->targets;
    if (request->known_version() == current.version()) {
      // The caller is up to date: skip the list, the expensive part.
      response->set_version(current.version());
      response->set_unchanged(true);
      *response->mutable_update_time() = current.update_time();
    } else {
      response->CopyFrom(current);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RolloutService::CheckRolloutTarget(
    grpc::CallbackServerContext* context, const v1::CheckRolloutTargetRequest* request,
    v1::CheckRolloutTargetResponse* response) {
  return calls_.Serve(context, [&](const server::CallContext& /*call*/) -> absl::Status {
    if (request->restaurant_id() <= 0) {
      return status::InvalidField("restaurant_id", "must be positive");
    }
    absl::StatusOr<std::shared_ptr<const RolloutCatalog>> catalog = Catalog();
    if (!catalog.ok()) return catalog.status();
    response->set_target((*catalog)->target_ids.contains(request->restaurant_id()));
    response->set_version((*catalog)->targets.version());
    return absl::OkStatus();
  });
}

}  // namespace misc::rollout

#include "services/review/module.h"

#include <memory>

#include "services/review/review_service.h"

namespace misc::review {

server::ServiceModule Module() {
  return {.name = "review",
          .create = [](server::ServiceEnv& env) -> absl::StatusOr<server::HostedService> {
            return server::HostedService{
                .full_name = v1::ReviewService::service_full_name(),
                .service = std::make_unique<ReviewService>(
                    env.pool, env.calls.ForService(v1::ReviewService::service_full_name()),
                    env.page_tokens)};
          }};
}

}  // namespace misc::review

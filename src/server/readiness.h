#ifndef MISC_SRC_SERVER_READINESS_H_
#define MISC_SRC_SERVER_READINESS_H_

#include <grpcpp/health_check_service_interface.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/db/pool.h"
#include "src/refresh/refresher.h"

namespace misc::server {

// Keeps the readiness health statuses (the empty name and every hosted service) in step with
// what the process can serve. NOT_SERVING while PostgreSQL is unreachable, while its schema is
// older than the one this binary was built for, while any in-memory snapshot has never
// loaded, and once draining began; SERVING otherwise. A newer schema is accepted with a
// warning (migrations only add). Checks run on a thread of their own; the liveness name is
// not touched.
class Readiness {
 public:
  Readiness(grpc::HealthCheckServiceInterface& health, std::vector<std::string> names,
            db::Pool& pool, refresh::Refresher& refresher, int64_t expected_schema_version);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Runs one check now, then one every `interval` on a background thread.
  void Start(absl::Duration interval);

  // Reports NOT_SERVING from now on and stops checking.
  void BeginDrain();

 private:
  // Returns "" when ready, otherwise why not.
  std::string Check();
  void Publish(const std::string& reason);

  grpc::HealthCheckServiceInterface& health_;
  const std::vector<std::string> names_;
  db::Pool& pool_;
  refresh::Refresher& refresher_;
  const int64_t expected_schema_version_;

  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_reason_ ABSL_GUARDED_BY(mu_);
  bool warned_newer_schema_ = false;  // Only touched by the checking thread.
  bool database_down_ = false;        // Likewise.
  std::thread thread_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_READINESS_H_

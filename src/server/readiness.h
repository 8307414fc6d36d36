#ifndef MISC_SRC_SERVER_READINESS_H_
#define MISC_SRC_SERVER_READINESS_H_

#include <grpcpp/health_check_service_interface.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/db/pool.h"
#include "src/refresh/refresher.h"

namespace misc::server {

// A health name readiness keeps up to date: a hosted service.
struct ReadinessTarget {
  // The service's full name, e.g. "misc.area.v1.AreaService".
  std::string name;
  // False for a service that answers from memory only (see HostedService).
  bool needs_database = true;
};

// Keeps the readiness health statuses in step with what the process can serve, per service
// (docs/operations.md, "Health names"):
// - a service that needs the database is SERVING while PostgreSQL answers, its schema is at
//   least the one this binary was built for, and every in-memory snapshot has loaded once;
// - a service served from memory is SERVING once every snapshot has loaded (and the schema was
//   not found too old), and stays SERVING while the database is away: its snapshot is still
//   good;
// - "" is SERVING while any hosted service is, so an outage of the shared database does not
//   pull every replica out of the load balancer while memory-served calls still work;
// - everything is NOT_SERVING once draining began. The liveness name is not touched.
// A newer schema is accepted with a warning (migrations only add). Checks run on a thread of
// their own; each waits at most kProbeTimeout for the database.
class Readiness {
 public:
  // How long one check waits for the database before it counts as silent.
  static constexpr absl::Duration kProbeTimeout = absl::Milliseconds(500);

  // Called with each status readiness gives "" (true: SERVING), right after gRPC's health has
  // it: for the other ways the same verdict is asked (the metrics listener's /readyz). It runs
  // under readiness's lock, so it must not block.
  using OverallStatusObserver = absl::AnyInvocable<void(bool serving)>;

  Readiness(grpc::HealthCheckServiceInterface& health, std::vector<ReadinessTarget> targets,
            db::Pool& pool, refresh::Refresher& refresher, int64_t expected_schema_version,
            OverallStatusObserver on_overall_status = nullptr);
  ~Readiness();
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Runs one check now, then one every `interval` on a background thread.
  void Start(absl::Duration interval);

  // Reports NOT_SERVING from now on and stops checking.
  void BeginDrain();

 private:
  // Asks the database for its schema version and updates database_problem_ and
  // schema_problem_.
  void CheckDatabase();
  // Publishes what the last check found.
  void Publish();

  grpc::HealthCheckServiceInterface& health_;
  const std::vector<ReadinessTarget> targets_;
  db::Pool& pool_;
  refresh::Refresher& refresher_;
  const int64_t expected_schema_version_;
  OverallStatusObserver on_overall_status_;

  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  std::string last_summary_ ABSL_GUARDED_BY(mu_);
  // Only touched by the checking thread (and Start, before it runs).
  bool warned_newer_schema_ = false;
  // Why the database cannot serve ("" when it answers), and why the schema is not usable
  // ("" when it is, or when the database has not answered yet).
  std::string database_problem_ = "database not checked yet";
  std::string schema_problem_;
  std::thread thread_;
};

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_READINESS_H_

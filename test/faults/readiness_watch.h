#ifndef MISC_TEST_FAULTS_READINESS_WATCH_H_
#define MISC_TEST_FAULTS_READINESS_WATCH_H_

// A record of what a server's health service says over time, for every name, so that a test
// can tell when each one changed.

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"

namespace misc::faults {

using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

// One answer of grpc.health.v1.Health/Check.
struct HealthObservation {
  std::string name;
  absl::Time time;  // When the answer arrived.
  // UNKNOWN when the check itself failed (no answer within its 500 ms deadline, or an error).
  ServingStatus status;
};

// Checks each of `names` on the server at `address` every `every`, on a thread of its own,
// from construction until Stop (or destruction).
class ReadinessWatch {
 public:
  ReadinessWatch(const std::string& address, std::vector<std::string> names,
                 absl::Duration every = absl::Milliseconds(50));
  ~ReadinessWatch() { Stop(); }
  ReadinessWatch(const ReadinessWatch&) = delete;
  ReadinessWatch& operator=(const ReadinessWatch&) = delete;

  void Stop();

  // Returns the time of the first answer `status` for `name` at or after `from`; nullopt
  // when there was none.
  std::optional<absl::Time> FirstSeen(const std::string& name, ServingStatus status,
                                      absl::Time from) const;

  // Returns the first answer for `name` in [from, to] that was not `status`; nullopt when
  // every answer in that time was `status`.
  std::optional<HealthObservation> FirstOther(const std::string& name, ServingStatus status,
                                              absl::Time from, absl::Time to) const;

  // Returns the time from which every answer for `name` was `status` up to the last one, if
  // that began at or after `from` (`from` itself when all answers since were `status`); nullopt
  // when the last answer was not `status` or there was none.
  std::optional<absl::Time> SettledAt(const std::string& name, ServingStatus status,
                                      absl::Time from) const;

 private:
  void Watch(const std::string& address);

  const std::vector<std::string> names_;
  const absl::Duration every_;
  absl::Notification stop_;
  mutable absl::Mutex mu_;
  std::vector<HealthObservation> observations_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_READINESS_WATCH_H_

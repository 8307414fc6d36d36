#include "test/faults/readiness_watch.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace misc::faults {
namespace {

constexpr absl::Duration kCheckDeadline = absl::Milliseconds(500);

}  // namespace

ReadinessWatch::ReadinessWatch(const std::string& address, std::vector<std::string> names,
                               absl::Duration every)
    : names_(std::move(names)), every_(every), thread_([this, address] { Watch(address); }) {}

void ReadinessWatch::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void ReadinessWatch::Watch(const std::string& address) {
  // A connection of its own, like a kubelet's probe.
  grpc::ChannelArguments arguments;
  arguments.SetString("misc.faults.purpose", "readiness");
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
  do {
    for (const std::string& name : names_) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + kCheckDeadline));
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(name);
      grpc::health::v1::HealthCheckResponse response;
      const grpc::Status status = stub->Check(&context, request, &response);
      HealthObservation observation = {
          .name = name,
          .time = absl::Now(),
          .status =
              status.ok() ? response.status() : grpc::health::v1::HealthCheckResponse::UNKNOWN};
      absl::MutexLock lock(&mu_);
      observations_.push_back(std::move(observation));
    }
  } while (!stop_.WaitForNotificationWithTimeout(every_));
}

std::optional<absl::Time> ReadinessWatch::FirstSeen(const std::string& name, ServingStatus status,
                                                    absl::Time from) const {
  absl::MutexLock lock(&mu_);
  for (const HealthObservation& o : observations_) {
    if (o.name == name && o.time >= from && o.status == status) return o.time;
  }
  return std::nullopt;
}

std::optional<HealthObservation> ReadinessWatch::FirstOther(const std::string& name,
                                                            ServingStatus status, absl::Time from,
                                                            absl::Time to) const {
  absl::MutexLock lock(&mu_);
  for (const HealthObservation& o : observations_) {
    if (o.name == name && o.time >= from && o.time <= to && o.status != status) return o;
  }
  return std::nullopt;
}

std::optional<absl::Time> ReadinessWatch::SettledAt(const std::string& name, ServingStatus status,
                                                    absl::Time from) const {
  absl::MutexLock lock(&mu_);
  std::optional<absl::Time> settled = from;
  bool answered = false;
  for (const HealthObservation& o : observations_) {
    if (o.name != name || o.time < from) continue;
    answered = true;
    if (o.status != status) {
      settled = std::nullopt;
    } else if (!settled.has_value()) {
      settled = o.time;
    }
  }
  return answered ? settled : std::nullopt;
}

}  // namespace misc::faults

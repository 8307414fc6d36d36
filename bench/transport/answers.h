#ifndef MISC_BENCH_TRANSPORT_ANSWERS_H_
#define MISC_BENCH_TRANSPORT_ANSWERS_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "grpc/health/v1/health.pb.h"
#include "misc/area/v1/area.pb.h"
#include "misc/rollout/v1/rollout.pb.h"

namespace misc::transport {

// The answers the ceiling server gives, fixed and in memory, shaped like misc's answers for
// the seeded data so that both servers send the same bytes per call. Built once at start;
// both APIs share one instance, read-only.
class Answers {
 public:
  Answers();

  // grpc.health.v1.Health/Check: SERVING, whatever service is asked about.
  const grpc::health::v1::HealthCheckResponse& Health() const { return health_; }

  // misc.genre.v1.GenreService/ListGenres: the seeded genre tree (54 genres, parents first),
  // serialized once. misc serves the same bytes the same way (a reference-counted slice), so
  // the comparison is not about protobuf serialization. Returns a new reference, not a copy.
  grpc::ByteBuffer GenresWire() const;

  // misc.rollout.v1.RolloutService/CheckRolloutTarget: about one id in ten is a target, as in
  // the seeded data, at version 1.
  static rollout::v1::CheckRolloutTargetResponse Rollout(
      const rollout::v1::CheckRolloutTargetRequest& request);

  // misc.area.v1.AreaService/GetArea: one seeded area (渋谷, Tokyo) under the id asked for.
  static area::v1::GetAreaResponse Area(const area::v1::GetAreaRequest& request);

 private:
  grpc::health::v1::HealthCheckResponse health_;
  grpc::Slice genres_wire_;
};

}  // namespace misc::transport

#endif  // MISC_BENCH_TRANSPORT_ANSWERS_H_

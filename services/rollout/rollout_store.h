#ifndef MISC_SERVICES_ROLLOUT_ROLLOUT_STORE_H_
#define MISC_SERVICES_ROLLOUT_ROLLOUT_STORE_H_

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "misc/rollout/v1/rollout.pb.h"
#include "src/db/pool.h"

namespace misc::rollout {

// Everything RolloutService answers from: one consistent version of the rollout target set.
// Immutable once built, so readers share it freely.
struct RolloutCatalog {
  // The whole answer to a GetRolloutTargets call that does not already know this version:
  // version, every target restaurant_id ascending, update_time; unchanged is false.
  v1::GetRolloutTargetsResponse targets;
  // The same restaurant ids, for CheckRolloutTarget.
  absl::flat_hash_set<int64_t> target_ids;
};

// Reads rollout_targets and rollout_state from PostgreSQL.
class RolloutStore {
 public:
  explicit RolloutStore(db::Pool& pool) : pool_(pool) {}

  // Returns the current target set, read with its version from one database snapshot, in
  // one read transaction bounded by `deadline`. When `current` (may be null) already has
  // the database's version and update_time, returns `current` itself without reading the
  // targets. Returns the pool's statuses (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL) on
  // database errors, and FAILED_PRECONDITION when rollout_state has no row.
  absl::StatusOr<std::shared_ptr<const RolloutCatalog>> Load(
      std::shared_ptr<const RolloutCatalog> current, absl::Time deadline);

 private:
  db::Pool& pool_;
};

}  // namespace misc::rollout

#endif  // MISC_SERVICES_ROLLOUT_ROLLOUT_STORE_H_

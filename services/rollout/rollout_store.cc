#include "services/rollout/rollout_store.h"

#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>
#include <utility>

#include "src/db/session.h"

namespace misc::rollout {
namespace {

using ::google::protobuf::util::TimeUtil;

constexpr db::Statement kSelectVersion{
    "rollout.version",
    "SELECT version, (extract(epoch FROM update_time) * 1000000)::bigint FROM rollout_state"};

// One statement, so the ids and the version come from one snapshot even under READ
// COMMITTED. Every row repeats the version; with no targets there is one row whose
// restaurant_id is NULL.
constexpr db::Statement kSelectTargets{
    "rollout.targets",
    "SELECT s.version, (extract(epoch FROM s.update_time) * 1000000)::bigint, t.restaurant_id"
    " FROM rollout_state s LEFT JOIN rollout_targets t ON true ORDER BY t.restaurant_id"};

absl::Status NoState() {
  return absl::FailedPreconditionError("rollout_state has no row: the schema is not migrated");
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RolloutCatalog>> RolloutStore::Load(
    std::shared_ptr<const RolloutCatalog> current, absl::Time deadline) {
  std::shared_ptr<RolloutCatalog> loaded;
  absl::Status read = pool_.Read(deadline, [&](db::Session& session) -> absl::Status {
    loaded = nullptr;  // The pool may retry the work on a fresh connection.
    if (current != nullptr) {
      const pqxx::result state = session.Exec(kSelectVersion);
      if (state.empty()) return NoState();
      if (state[0][0].as<int64_t>() == current->targets.version() &&
          state[0][1].as<int64_t>() ==
              TimeUtil::TimestampToMicroseconds(current->targets.update_time())) {
        return absl::OkStatus();
      }
    }
    const pqxx::result rows = session.Exec(kSelectTargets);
    if (rows.empty()) return NoState();
    loaded = std::make_shared<RolloutCatalog>();
    loaded->targets.set_version(rows[0][0].as<int64_t>());
    *loaded->targets.mutable_update_time() =
        TimeUtil::MicrosecondsToTimestamp(rows[0][1].as<int64_t>());
    if (rows[0][2].is_null()) return absl::OkStatus();  // No targets.
    auto* ids = loaded->targets.mutable_restaurant_ids();
    ids->Reserve(static_cast<int>(rows.size()));
    loaded->target_ids.reserve(rows.size());
    for (const pqxx::row& row : rows) {
      const int64_t id = row[2].as<int64_t>();
      ids->Add(id);
      loaded->target_ids.insert(id);
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (loaded == nullptr) return current;
  return loaded;
}

}  // namespace misc::rollout

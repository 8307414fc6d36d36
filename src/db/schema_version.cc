#include "src/db/schema_version.h"

#include <pqxx/pqxx>

namespace misc::db {
namespace {

constexpr Statement kSelectSchemaVersion{"db.schema_version",
                                         "SELECT coalesce(max(version), 0) FROM schema_migrations"};

}  // namespace

absl::StatusOr<int64_t> ReadSchemaVersion(Pool& pool, absl::Time deadline) {
  int64_t version = 0;
  absl::Status status = pool.Read(deadline, [&](Session& session) -> absl::Status {
    version = session.Exec(kSelectSchemaVersion)[0][0].as<int64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return version;
}

}  // namespace misc::db

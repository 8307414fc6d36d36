#ifndef MISC_SRC_DB_SCHEMA_VERSION_H_
#define MISC_SRC_DB_SCHEMA_VERSION_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/db/pool.h"

namespace misc::db {

// Reads the schema version misc-migrate recorded (the highest applied migration, 0 for
// none) through `pool`, waiting at most until `deadline`. Returns the pool's statuses;
// INTERNAL when there is no schema_migrations table (never migrated).
absl::StatusOr<int64_t> ReadSchemaVersion(Pool& pool, absl::Time deadline);

}  // namespace misc::db

#endif  // MISC_SRC_DB_SCHEMA_VERSION_H_

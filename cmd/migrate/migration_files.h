#ifndef MISC_CMD_MIGRATE_MIGRATION_FILES_H_
#define MISC_CMD_MIGRATE_MIGRATION_FILES_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace misc::migrate {

// One migration file `NNNN_name.sql`, read into memory.
struct MigrationFile {
  // The integer prefix of the file name (e.g. 1 for `0001_initial_schema.sql`).
  int64_t version = 0;
  // The file name without directory, e.g. `0001_initial_schema.sql`.
  std::string file_name;
  // The file's bytes, executed as one script.
  std::string sql;
  // Lower-case hex SHA-256 of `sql`.
  std::string checksum;
};

// Returns the migrations in `dir`, ordered by version. Only regular files named
// `<digits>_<name>.sql` count; anything else is ignored. Returns NOT_FOUND when `dir` does
// not exist, INVALID_ARGUMENT when two files share a version or a version is 0 or overflows,
// and INTERNAL when a file cannot be read.
absl::StatusOr<std::vector<MigrationFile>> DiscoverMigrations(const std::filesystem::path& dir);

// Returns the lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_MIGRATION_FILES_H_

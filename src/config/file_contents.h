#ifndef MISC_SRC_CONFIG_FILE_CONTENTS_H_
#define MISC_SRC_CONFIG_FILE_CONTENTS_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace misc::config {

// Returns the contents of the configuration file at `path` (a key, certificate or key set the
// server reads at start and on every reload): NOT_FOUND when it cannot be opened,
// INVALID_ARGUMENT when it holds more than `max_bytes` (never more than max_bytes + 1 bytes is
// read, so a wrong path such as /dev/zero cannot exhaust memory), UNAVAILABLE on a read error.
// Messages name the path, never the contents.
absl::StatusOr<std::string> ReadConfigFile(const std::string& path, size_t max_bytes);

}  // namespace misc::config

#endif  // MISC_SRC_CONFIG_FILE_CONTENTS_H_

#ifndef MISC_SRC_CONFIG_ENV_FLAGS_H_
#define MISC_SRC_CONFIG_ENV_FLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace misc::config {

// Returns the environment variable that sets flag `flag_name`: `MISC_<FLAG_NAME>` in upper
// case, except the conventional `DATABASE_URL` for `database_url`, and the plural
// `MISC_DATABASE_REPLICA_URLS` for `database_replica_url` (a list).
std::string EnvironmentVariableFor(absl::string_view flag_name);

// Parses the command line of a misc command. Every registered Abseil flag may also be set by
// its environment variable (see EnvironmentVariableFor); the command line wins over the
// environment. Returns the positional arguments (argv[0] first). Exits with a message naming
// the variable when an environment value does not parse, as absl::ParseCommandLine does for
// a bad flag. A list flag that may be repeated (--database_replica_url) collects every
// occurrence on the command line, which then replaces its environment value.
std::vector<char*> ParseFlags(int argc, char** argv, absl::string_view usage);

}  // namespace misc::config

#endif  // MISC_SRC_CONFIG_ENV_FLAGS_H_

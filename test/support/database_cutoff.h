#ifndef MISC_TEST_SUPPORT_DATABASE_CUTOFF_H_
#define MISC_TEST_SUPPORT_DATABASE_CUTOFF_H_

// Makes a test database unreachable and reachable again under a running server: the database
// outage of the field, without stopping the cluster other tests share.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace misc::testing {

// Returns the database name of `url` (the path of a postgresql:// URL, as made by
// CreateFreshDatabase and its siblings in postgres.h).
std::string DatabaseNameOf(std::string_view url);

// Makes the test cluster refuse every new connection to the database of `url`
// (ALTER DATABASE ... ALLOW_CONNECTIONS false) and terminates the ones already open: to a
// server using it, the database is down. Returns the first SQL error.
absl::Status CutOffDatabase(std::string_view url);

// Lets connections to the database of `url` in again. Safe to call when it was never cut
// off (e.g. from TearDown).
absl::Status RestoreDatabase(std::string_view url);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_DATABASE_CUTOFF_H_

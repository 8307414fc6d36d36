#ifndef MISC_TEST_PGBOUNCER_PGBOUNCER_SUPPORT_H_
#define MISC_TEST_PGBOUNCER_PGBOUNCER_SUPPORT_H_

// The throwaway PgBouncer of fixture `pgbouncer` (scripts/pgbouncer.sh, transaction pooling,
// at most 8 server connections per database) in front of the test cluster of fixture `pg`.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace misc::testing {

// The size of the fixture's PgBouncer pool: server connections per database.
inline constexpr int kPgBouncerPoolSize = 8;

// Returns the URL of the fixture's PgBouncer ($MISC_TEST_PGBOUNCER_DIR/url). When it is not
// there it reports a test failure and aborts the test binary: a pooler test never skips.
std::string PgBouncerUrl();

// Returns the name of the database `url` names.
std::string DatabaseName(std::string_view url);

// Returns the URL that reaches the database of `direct_url` through the fixture's PgBouncer.
std::string ThroughPgBouncer(std::string_view direct_url);

// One line of PgBouncer's SHOW POOLS: the pool of one database.
struct PgBouncerPool {
  int clients = 0;          // Logged-in client connections (cl_active + cl_waiting).
  int waiting_clients = 0;  // Clients with a query waiting for a server (cl_waiting).
  int servers = 0;          // Server connections, in any state (sv_*).
  int active_servers = 0;   // Server connections linked to a client (sv_active).
};

// Returns the pool of `database` from PgBouncer's admin console (all zero when PgBouncer has no
// pool for it yet), or the error of the console.
absl::StatusOr<PgBouncerPool> ShowPool(std::string_view database);

}  // namespace misc::testing

#endif  // MISC_TEST_PGBOUNCER_PGBOUNCER_SUPPORT_H_

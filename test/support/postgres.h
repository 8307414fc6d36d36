#ifndef MISC_TEST_SUPPORT_POSTGRES_H_
#define MISC_TEST_SUPPORT_POSTGRES_H_

// Helpers for tests that need a real PostgreSQL: the throwaway cluster started by the ctest
// fixture `pg` (scripts/pg.sh), and fresh databases inside it.
//
// Note: inside `namespace misc`, `testing::` means this namespace; name GoogleTest's as
// `::testing::`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace misc::testing {

// Returns the superuser URL of the test cluster: $MISC_TEST_PG_URL when set, otherwise the
// contents of $MISC_TEST_PG_DIR/url (written by scripts/pg.sh). When neither is available it
// reports a test failure and aborts the test binary ("no test PostgreSQL: run scripts/test.sh
// or ctest (fixture pg)"): a database test never silently skips.
std::string AdminDatabaseUrl();

// Returns `url` with its database name replaced by `database` (keeps user, host, port and
// query parameters).
std::string WithDatabase(std::string_view url, std::string_view database);

// Creates a new, empty database named `<prefix>_<pid>_<counter>` (lower-cased, other
// characters than [a-z0-9_] replaced by '_') in the test cluster and returns its URL. On
// failure it reports a test failure and returns an empty string.
std::string CreateFreshDatabase(std::string_view prefix);

// Like CreateFreshDatabase, then applies the repository's migrations/ (as `misc-migrate up`
// does). On failure it reports a test failure and returns an empty string.
std::string CreateMigratedDatabase(std::string_view prefix);

// Returns the URL of a database of this test process that has the schema and the sample data
// of `misc-migrate seed --restaurants=300 --reviews_per_restaurant=10`, created on the first
// call. Tests may add rows of their own but must not change the seeded ones. On failure it
// reports a test failure (at every call) and returns an empty string.
std::string SeededDatabaseUrl();

// Runs `sql` (one or more statements, autocommit) on a new connection to `url`. Returns the
// PostgreSQL error as INTERNAL (UNAVAILABLE when it cannot connect).
absl::Status ExecuteSql(std::string_view url, std::string_view sql);

// Returns `sql` prefixed so that it runs without firing triggers (session_replication_role =
// replica): a change the migrations' change notifications, and so misc's caches, never hear
// of.
std::string WithoutChangeNotifications(std::string_view sql);

// Runs query `sql` on a new connection to `url` and returns its rows, every field as text
// ("NULL" for a null). Errors as for ExecuteSql.
absl::StatusOr<std::vector<std::vector<std::string>>> QueryRows(std::string_view url,
                                                                std::string_view sql);

// Returns the first field of the first row of query `sql` on `url` as text; NOT_FOUND when it
// returns no rows. Errors as for ExecuteSql.
absl::StatusOr<std::string> QueryValue(std::string_view url, std::string_view sql);

// Returns the first field of the first row of `sql` as text. Reports a test failure (naming
// the query) and returns "" on any error or when there is no row.
std::string QueryString(std::string_view url, std::string_view sql);

// Returns the first field of the first row of `sql` as an integer. Reports a test failure and
// returns -1 on any error, no row, or a value that is not an integer.
int64_t QueryInt64(std::string_view url, std::string_view sql);

// Returns the first field of every row of `sql` as integers. Reports a test failure and
// returns what it has read on any error or a value that is not an integer.
std::vector<int64_t> QueryInt64Column(std::string_view url, std::string_view sql);

// Ends misc-server's change feed session on `url`'s database with pg_terminate_backend: the
// session whose last statement was LISTEN or its heartbeat (an empty query). Changes made
// before the feed listens again are notifications it never hears. A pooled connection whose
// last statement was an empty query ends too (the pool opens another). Returns how many
// sessions it ended: while the cache is on the feed is connected, so a test asserts at least 1
// (none ended: no notification was missed, and the test would prove nothing).
absl::StatusOr<int> KillChangeFeedSession(std::string_view url);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_POSTGRES_H_

#include "test/pgbouncer/pgbouncer_support.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "test/support/postgres.h"

namespace misc::testing {

std::string PgBouncerUrl() {
  const char* dir = std::getenv("MISC_TEST_PGBOUNCER_DIR");
  std::string url;
  if (dir != nullptr) {
    std::ifstream file(absl::StrCat(dir, "/url"));
    std::getline(file, url);
  }
  url = std::string(absl::StripAsciiWhitespace(url));
  if (url.empty()) {
    ADD_FAILURE() << "no test PgBouncer: run ctest (fixture pgbouncer) or "
                     "scripts/pgbouncer.sh start DIR URL with MISC_TEST_PGBOUNCER_DIR=DIR";
    std::abort();
  }
  return url;
}

std::string DatabaseName(std::string_view url) {
  const size_t slash = url.rfind('/');
  if (slash == std::string_view::npos) return "";
  const std::string_view rest = url.substr(slash + 1);
  return std::string(rest.substr(0, rest.find('?')));
}

std::string ThroughPgBouncer(std::string_view direct_url) {
  return WithDatabase(PgBouncerUrl(), DatabaseName(direct_url));
}

absl::StatusOr<PgBouncerPool> ShowPool(std::string_view database) {
  // libpq, not libpqxx: libpqxx refuses the console, whose server_version is not PostgreSQL's.
  // The console speaks only the simple query protocol.
  const std::string url = WithDatabase(PgBouncerUrl(), "pgbouncer");
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("PgBouncer's console: ", PQerrorMessage(connection.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection.get(), "SHOW POOLS"),
                                                       &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return absl::InternalError(absl::StrCat("SHOW POOLS: ", PQresultErrorMessage(result.get())));
  }
  const auto count = [&result](int row, const char* column) {
    const int field = PQfnumber(result.get(), column);
    int value = 0;
    if (field < 0 || !absl::SimpleAtoi(PQgetvalue(result.get(), row, field), &value)) {
      ADD_FAILURE() << "SHOW POOLS has no integer column " << column;
    }
    return value;
  };
  PgBouncerPool pool;
  const int database_field = PQfnumber(result.get(), "database");
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    if (database_field < 0 || PQgetvalue(result.get(), row, database_field) != database) continue;
    pool.clients += count(row, "cl_active") + count(row, "cl_waiting");
    pool.waiting_clients += count(row, "cl_waiting");
    pool.servers += count(row, "sv_active") + count(row, "sv_idle") + count(row, "sv_used") +
                    count(row, "sv_tested") + count(row, "sv_login") +
                    count(row, "sv_active_cancel") + count(row, "sv_being_canceled");
    pool.active_servers += count(row, "sv_active");
  }
  return pool;
}

}  // namespace misc::testing

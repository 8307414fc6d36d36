#include "test/support/postgres.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cmd/migrate/cancellation.h"
#include "cmd/migrate/migration_files.h"
#include "cmd/migrate/migrator.h"
#include "cmd/migrate/seed.h"
#include "cmd/migrate/session.h"
#include "gtest/gtest.h"

namespace misc::testing {
namespace {

constexpr char kNoPostgres[] =
    "no test PostgreSQL: run scripts/test.sh or ctest (fixture pg); or set MISC_TEST_PG_URL to "
    "a superuser URL";

absl::Status ToStatus(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(e.what());
  }
  return absl::InternalError(e.what());
}

// Applies the repository's migrations to `url`, then loads sample data when `seed` is set.
absl::Status Migrate(const std::string& url, const migrate::SeedOptions* seed) {
  migrate::Cancellation cancellation;
  absl::StatusOr<std::unique_ptr<migrate::Session>> session =
      migrate::Session::Connect({.database_url = url}, &cancellation);
  if (!session.ok()) return session.status();
  absl::StatusOr<std::vector<migrate::MigrationFile>> files =
      migrate::DiscoverMigrations(MISC_MIGRATIONS_DIR);
  if (!files.ok()) return files.status();
  migrate::Migrator migrator(**session, *std::move(files), MISC_MIGRATIONS_DIR);
  if (absl::StatusOr<std::vector<std::string>> applied =
          migrator.Up(absl::Seconds(60), migrate::LockRetryPolicy());
      !applied.ok()) {
    return applied.status();
  }
  if (seed == nullptr) return absl::OkStatus();
  return migrate::Seed(**session, migrator, *seed).status();
}

}  // namespace

std::string AdminDatabaseUrl() {
  if (const char* url = std::getenv("MISC_TEST_PG_URL"); url != nullptr && *url != '\0') {
    return url;
  }
  if (const char* dir = std::getenv("MISC_TEST_PG_DIR"); dir != nullptr && *dir != '\0') {
    std::ifstream in(absl::StrCat(dir, "/url"));
    std::string url;
    if (std::getline(in, url) && !absl::StripAsciiWhitespace(url).empty()) {
      return std::string(absl::StripAsciiWhitespace(url));
    }
    ADD_FAILURE() << kNoPostgres << " (MISC_TEST_PG_DIR=" << dir << " has no url file)";
  } else {
    ADD_FAILURE() << kNoPostgres;
  }
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", kNoPostgres);
  std::abort();
}

std::string WithDatabase(std::string_view url, std::string_view database) {
  const size_t scheme = url.find("://");
  const size_t authority_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t path = url.find('/', authority_start);
  const size_t query = url.find('?', authority_start);
  const std::string_view head = url.substr(0, std::min(path, query));
  const std::string_view tail = query == std::string_view::npos ? "" : url.substr(query);
  return absl::StrCat(absl::string_view(head.data(), head.size()), "/",
                      absl::string_view(database.data(), database.size()),
                      absl::string_view(tail.data(), tail.size()));
}

std::string CreateFreshDatabase(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::string name =
      absl::StrCat(absl::string_view(prefix.data(), prefix.size()), "_", getpid(), "_", counter++);
  for (char& c : name) {
    c = absl::ascii_tolower(static_cast<unsigned char>(c));
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  if (name.size() > 63) name = name.substr(name.size() - 63);  // Keep the unique suffix.
  const std::string admin = AdminDatabaseUrl();
  try {
    pqxx::connection connection(admin);
    pqxx::nontransaction tx(connection);
    tx.exec0(absl::StrCat("CREATE DATABASE ", tx.quote_name(name)));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot create database " << name << ": " << e.what();
    return "";
  }
  return WithDatabase(admin, name);
}

std::string CreateMigratedDatabase(std::string_view prefix) {
  std::string url = CreateFreshDatabase(prefix);
  if (url.empty()) return "";
  if (absl::Status migrated = Migrate(url, nullptr); !migrated.ok()) {
    ADD_FAILURE() << "cannot migrate " << url << ": " << migrated;
    return "";
  }
  return url;
}

std::string SeededDatabaseUrl() {
  // Thread-safe, once per process; an empty string remembers a failure.
  static const std::string* const url = [] {
    auto* seeded = new std::string(CreateFreshDatabase("seeded"));
    const migrate::SeedOptions options = {.restaurants = 300, .reviews_per_restaurant = 10};
    if (absl::Status status =
            seeded->empty() ? absl::InternalError("no database") : Migrate(*seeded, &options);
        !status.ok()) {
      std::fprintf(stderr, "cannot create the seeded database: %s\n", status.ToString().c_str());
      seeded->clear();
    }
    return seeded;
  }();
  if (url->empty()) ADD_FAILURE() << "no seeded test database (see the first failure)";
  return *url;
}

std::string WithoutChangeNotifications(std::string_view sql) {
  return std::string("SET session_replication_role = replica; ").append(sql);
}

absl::Status ExecuteSql(std::string_view url, std::string_view sql) {
  try {
    pqxx::connection connection{std::string(url)};
    pqxx::nontransaction tx(connection);
    tx.exec(std::string(sql));
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return ToStatus(e);
  }
}

absl::StatusOr<std::vector<std::vector<std::string>>> QueryRows(std::string_view url,
                                                                std::string_view sql) {
  try {
    pqxx::connection connection{std::string(url)};
    pqxx::nontransaction tx(connection);
    std::vector<std::vector<std::string>> rows;
    for (const pqxx::row& row : tx.exec(std::string(sql))) {
      std::vector<std::string>& fields = rows.emplace_back();
      for (const pqxx::field& field : row) {
        fields.push_back(field.is_null() ? "NULL" : field.as<std::string>());
      }
    }
    return rows;
  } catch (const std::exception& e) {
    return ToStatus(e);
  }
}

absl::StatusOr<std::string> QueryValue(std::string_view url, std::string_view sql) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows = QueryRows(url, sql);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().empty()) {
    return absl::NotFoundError(absl::StrCat("no rows from: ", std::string(sql)));
  }
  return rows->front().front();
}

std::string QueryString(std::string_view url, std::string_view sql) {
  absl::StatusOr<std::string> value = QueryValue(url, sql);
  if (!value.ok()) {
    ADD_FAILURE() << value.status() << "\nquery: " << sql;
    return "";
  }
  return *value;
}

int64_t QueryInt64(std::string_view url, std::string_view sql) {
  absl::StatusOr<std::string> value = QueryValue(url, sql);
  int64_t number = -1;
  if (!value.ok()) {
    ADD_FAILURE() << value.status() << "\nquery: " << sql;
  } else if (!absl::SimpleAtoi(*value, &number)) {
    ADD_FAILURE() << "not an integer: " << *value << "\nquery: " << sql;
    number = -1;
  }
  return number;
}

std::vector<int64_t> QueryInt64Column(std::string_view url, std::string_view sql) {
  std::vector<int64_t> numbers;
  absl::StatusOr<std::vector<std::vector<std::string>>> rows = QueryRows(url, sql);
  if (!rows.ok()) {
    ADD_FAILURE() << rows.status() << "\nquery: " << sql;
    return numbers;
  }
  for (const std::vector<std::string>& row : *rows) {
    int64_t number = 0;
    if (row.empty() || !absl::SimpleAtoi(row.front(), &number)) {
      ADD_FAILURE() << "not an integer: " << (row.empty() ? "(no field)" : row.front())
                    << "\nquery: " << sql;
      return numbers;
    }
    numbers.push_back(number);
  }
  return numbers;
}

absl::StatusOr<int> KillChangeFeedSession(std::string_view url) {
  absl::StatusOr<std::string> database = QueryValue(url, "SELECT current_database()");
  if (!database.ok()) return database.status();
  absl::StatusOr<std::vector<std::vector<std::string>>> ended = QueryRows(
      AdminDatabaseUrl(),
      absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '",
                   *database, "' AND (query LIKE 'LISTEN%' OR query = '')"));
  if (!ended.ok()) return ended.status();
  int count = 0;
  for (const std::vector<std::string>& row : *ended) count += row.at(0) == "t" ? 1 : 0;
  return count;
}

}  // namespace misc::testing

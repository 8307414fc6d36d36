#include "test/support/database_cutoff.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "test/support/postgres.h"

namespace misc::testing {
namespace {

// Debian's Abseil has its own string_view, which does not convert from std::string_view.
absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }

// Returns `name` as an SQL identifier.
std::string QuoteName(std::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(ToAbsl(name), {{"\"", "\"\""}}), "\"");
}

// Returns `text` as an SQL string literal.
std::string QuoteLiteral(std::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(ToAbsl(text), {{"'", "''"}}), "'");
}

}  // namespace

std::string DatabaseNameOf(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t authority = scheme == std::string_view::npos ? 0 : scheme + 3;
  const size_t path = url.find('/', authority);
  if (path == std::string_view::npos) return "";
  const size_t query = url.find('?', path);
  return std::string(url.substr(
      path + 1, query == std::string_view::npos ? std::string_view::npos : query - path - 1));
}

absl::Status CutOffDatabase(std::string_view url) {
  const std::string name = DatabaseNameOf(url);
  const std::string admin = AdminDatabaseUrl();
  if (absl::Status refused = ExecuteSql(
          admin, absl::StrCat("ALTER DATABASE ", QuoteName(name), " WITH ALLOW_CONNECTIONS false"));
      !refused.ok()) {
    return refused;
  }
  return ExecuteSql(admin, absl::StrCat("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = ",
                                        QuoteLiteral(name), " AND pid <> pg_backend_pid()"));
}

absl::Status RestoreDatabase(std::string_view url) {
  return ExecuteSql(AdminDatabaseUrl(),
                    absl::StrCat("ALTER DATABASE ", QuoteName(DatabaseNameOf(url)),
                                 " WITH ALLOW_CONNECTIONS true"));
}

}  // namespace misc::testing

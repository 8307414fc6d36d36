#ifndef MISC_CMD_MIGRATE_DATABASE_URL_H_
#define MISC_CMD_MIGRATE_DATABASE_URL_H_

#include <string>
#include <string_view>

namespace misc::migrate {

// Returns `text` with every occurrence of the password held by `database_url` (a libpq URL
// `postgresql://user:password@host/db?password=...` or a `key=value` connection string)
// replaced by `****`, both as written and percent-decoded. Returns `text` unchanged when the
// URL holds no password. Use it on every message that may quote the URL or a libpq error.
std::string HidePassword(std::string_view text, std::string_view database_url);

}  // namespace misc::migrate

#endif  // MISC_CMD_MIGRATE_DATABASE_URL_H_

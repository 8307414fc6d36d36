#include "cmd/migrate/migration_files.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace misc::migrate {
namespace {

// Returns the version of a file named `<digits>_<name>.sql`, or nothing for any other name.
// A version that is 0 or does not fit in int64 yields -1 so the caller can refuse it.
std::optional<int64_t> VersionOf(absl::string_view file_name) {
  constexpr absl::string_view kSuffix = ".sql";
  if (!absl::EndsWith(file_name, kSuffix)) return std::nullopt;
  const absl::string_view stem = file_name.substr(0, file_name.size() - kSuffix.size());
  const size_t digits =
      std::find_if_not(stem.begin(), stem.end(), absl::ascii_isdigit) - stem.begin();
  // At least one digit, then '_', then a non-empty name.
  if (digits == 0 || digits + 1 >= stem.size() || stem[digits] != '_') return std::nullopt;
  int64_t version = 0;
  if (!absl::SimpleAtoi(stem.substr(0, digits), &version) || version <= 0) return -1;
  return version;
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad() || !in.is_open()) {
    return absl::InternalError(absl::StrCat("cannot read ", path.string()));
  }
  return bytes;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * size_t{length});
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

absl::StatusOr<std::vector<MigrationFile>> DiscoverMigrations(const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(
        absl::StrCat("migrations directory ", dir.string(), " does not exist"));
  }
  // version -> file name; ordered, so the result comes out sorted.
  std::map<int64_t, std::string> names;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code type_error;  // An unreadable entry is simply not a migration.
    if (!it->is_regular_file(type_error)) continue;
    const std::string name = it->path().filename().string();
    const std::optional<int64_t> version = VersionOf(name);
    if (!version.has_value()) continue;
    if (*version < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", name, ": the version must be between 1 and 2^63-1"));
    }
    const auto [existing, inserted] = names.emplace(*version, name);
    if (!inserted) {
      const auto& [first, second] = std::minmax(existing->second, name);
      return absl::InvalidArgumentError(
          absl::StrCat("migrations ", first, " and ", second, " have the same version ", *version));
    }
  }
  if (error) {
    return absl::InternalError(absl::StrCat("cannot list ", dir.string(), ": ", error.message()));
  }

  std::vector<MigrationFile> files;
  files.reserve(names.size());
  for (const auto& [version, name] : names) {
    absl::StatusOr<std::string> sql = ReadFile(dir / name);
    if (!sql.ok()) return sql.status();
    std::string checksum = Sha256Hex(*sql);
    files.push_back({.version = version,
                     .file_name = name,
                     .sql = *std::move(sql),
                     .checksum = std::move(checksum)});
  }
  return files;
}

}  // namespace misc::migrate

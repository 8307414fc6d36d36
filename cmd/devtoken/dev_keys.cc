#include "cmd/devtoken/dev_keys.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "src/auth/signing_key.h"

namespace misc::devtoken {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Writes `content` to `path` through a temporary file and a rename, so a reader (a server
// reloading its JWKS) never sees half a file. The file gets mode `mode`.
absl::Status WriteFileAtomically(const fs::path& path, const std::string& content, fs::perms mode) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", temporary.string()));
    std::error_code error;
    fs::permissions(temporary, mode, error);
    if (error)
      return absl::PermissionDeniedError(absl::StrCat("cannot chmod ", temporary.string()));
    out << content;
    out.close();
    if (!out) return absl::DataLossError(absl::StrCat("cannot write ", temporary.string()));
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("cannot replace ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::Status GenerateDevJwks(const std::string& dir, const std::string& kid) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) return absl::PermissionDeniedError(absl::StrCat("cannot create ", dir));
  const fs::path key_path = fs::path(dir) / kDevKeyFile;
  absl::StatusOr<auth::SigningKey> key;
  if (fs::exists(key_path)) {
    absl::StatusOr<std::string> pem = ReadFile(key_path);
    if (!pem.ok()) return pem.status();
    key = auth::SigningKeyFromPem(*pem, kid);
  } else {
    key = auth::GenerateSigningKey(auth::JwtAlgorithm::kEs256, kid);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> pem = auth::PrivateKeyPem(*key);
    if (!pem.ok()) return pem.status();
    absl::Status written =
        WriteFileAtomically(key_path, *pem, fs::perms::owner_read | fs::perms::owner_write);
    if (!written.ok()) return written;
  }
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> jwks = auth::JwksJson({*key});
  if (!jwks.ok()) return jwks.status();
  return WriteFileAtomically(fs::path(dir) / kJwksFile, *jwks,
                             fs::perms::owner_read | fs::perms::owner_write |
                                 fs::perms::group_read | fs::perms::others_read);
}

absl::StatusOr<std::string> IssueToken(const std::string& key_file, const std::string& kid,
                                       const auth::UserTokenClaims& claims) {
  absl::StatusOr<std::string> pem = ReadFile(key_file);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<auth::SigningKey> key = auth::SigningKeyFromPem(*pem, kid);
  if (!key.ok()) return key.status();
  return auth::SignUserToken(*key, claims);
}

}  // namespace misc::devtoken

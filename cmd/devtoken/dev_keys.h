#ifndef MISC_CMD_DEVTOKEN_DEV_KEYS_H_
#define MISC_CMD_DEVTOKEN_DEV_KEYS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/auth/jwt_signer.h"

namespace misc::devtoken {

// The file names GenerateDevJwks writes in its directory.
inline constexpr char kDevKeyFile[] = "dev.key.pem";
inline constexpr char kJwksFile[] = "jwks.json";

// Makes `dir` hold a development EC P-256 key pair: `dev.key.pem` (private, mode 0600; made
// only when missing, so running again keeps the key) and `jwks.json` with its public JWK
// under `kid` (rewritten atomically from the key). Returns the error of the first file
// operation or key step that fails.
absl::Status GenerateDevJwks(const std::string& dir, const std::string& kid);

// Reads the PEM private key in `key_file` and signs a user token with `claims` under `kid`
// (RS256 or ES256, or EdDSA, from the key's type). Returns NOT_FOUND for an unreadable file and
// the signer's errors otherwise.
absl::StatusOr<std::string> IssueToken(const std::string& key_file, const std::string& kid,
                                       const auth::UserTokenClaims& claims);

}  // namespace misc::devtoken

#endif  // MISC_CMD_DEVTOKEN_DEV_KEYS_H_

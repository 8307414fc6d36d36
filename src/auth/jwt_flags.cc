#include "src/auth/jwt_flags.h"

#include <spdlog/spdlog.h>

#include "absl/flags/flag.h"
#include "src/auth/jwt_verifier.h"

ABSL_FLAG(std::string, jwks_file, "",
          "JWKS file with the public keys user tokens are signed with. Empty: no keys, every "
          "call with a token is UNAUTHENTICATED (anonymous calls still work).");
ABSL_FLAG(absl::Duration, jwks_refresh_interval, absl::Seconds(60),
          "How often the JWKS file is reread (also reread on an unknown kid, at most every 5s).");
ABSL_FLAG(std::string, jwt_issuer, "",
          "The iss user tokens must carry. Required with --jwks_file.");
ABSL_FLAG(std::string, jwt_audience, "",
          "The audience user tokens' aud must contain. Required with --jwks_file.");
ABSL_FLAG(absl::Duration, jwt_clock_skew, absl::Seconds(60),
          "Tolerated clock difference when checking exp, nbf and iat of user tokens.");
ABSL_FLAG(int, jwt_cache_size, 4096,
          "How many verified user tokens to remember, so that a token sent again skips its "
          "signature check (its claims are checked on every call). 0: verify every call.");

namespace misc::auth {

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::CreateReloaded(
    JwtVerifierOptions options, absl::Duration reload_interval, refresh::Refresher& refresher) {
  if (options.jwks_file.empty()) {
    spdlog::warn("--jwks_file is empty: calls carrying a user token will be UNAUTHENTICATED");
  }
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier = Create(std::move(options));
  if (!verifier.ok() || (*verifier)->keys_ == nullptr) return verifier;
  // The reload holds the key source, not the verifier, so it stays safe whichever goes first.
  refresher.Add("jwks", reload_interval, [keys = (*verifier)->keys_] { return keys->Reload(); });
  return verifier;
}

}  // namespace misc::auth

#ifndef MISC_SRC_AUTH_JWT_FLAGS_H_
#define MISC_SRC_AUTH_JWT_FLAGS_H_

// The command-line flags of JWT verification, read with every other server flag by
// server::ServerConfigFromFlags. Each may also be set by its environment variable
// (MISC_JWKS_FILE, MISC_JWT_ISSUER, ...).

#include <string>

#include "absl/flags/declare.h"
#include "absl/time/time.h"

// JWKS file of the token signing keys; empty: every presented token is rejected.
ABSL_DECLARE_FLAG(std::string, jwks_file);
// How often the JWKS file is reread.
ABSL_DECLARE_FLAG(absl::Duration, jwks_refresh_interval);
// The iss every token must carry; required with --jwks_file.
ABSL_DECLARE_FLAG(std::string, jwt_issuer);
// The audience every token's aud must contain; required with --jwks_file.
ABSL_DECLARE_FLAG(std::string, jwt_audience);
// Tolerated clock difference for exp, nbf and iat.
ABSL_DECLARE_FLAG(absl::Duration, jwt_clock_skew);
// Verified tokens remembered so that a token sent again skips its signature check.
ABSL_DECLARE_FLAG(int, jwt_cache_size);

#endif  // MISC_SRC_AUTH_JWT_FLAGS_H_

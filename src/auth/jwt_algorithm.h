#ifndef MISC_SRC_AUTH_JWT_ALGORITHM_H_
#define MISC_SRC_AUTH_JWT_ALGORITHM_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace misc::auth {

// The JWS algorithms misc accepts: asymmetric signatures only, each bound to one key type.
enum class JwtAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256; JWK kty "RSA", alg "RS256".
  kEs256,  // ECDSA P-256 with SHA-256, raw 64-byte R||S; JWK kty "EC", crv "P-256".
  kEdDsa,  // Ed25519; JWK kty "OKP", crv "Ed25519".
};

// Returns the algorithm whose JOSE name is exactly `name` ("RS256", "ES256", "EdDSA"), or
// std::nullopt for anything else ("none" in any spelling, HS256, PS256, ...).
std::optional<JwtAlgorithm> JwtAlgorithmFromName(absl::string_view name);

// Returns the JOSE name of `algorithm`, e.g. "RS256".
absl::string_view JwtAlgorithmName(JwtAlgorithm algorithm);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWT_ALGORITHM_H_

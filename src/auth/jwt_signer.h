#ifndef MISC_SRC_AUTH_JWT_SIGNER_H_
#define MISC_SRC_AUTH_JWT_SIGNER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/signing_key.h"

// Signs tokens the way the BFF does: for misc-devtoken, tests and benchmarks only (part of
// misc_jwt_signer, which no server links).

namespace misc::auth {

// How an ES256 signature is encoded: the JWS form (raw R||S), or DER as OpenSSL makes it
// (invalid in a JWS; tests use it to prove the verifier rejects it).
enum class EcdsaEncoding { kRaw, kDer };

// Returns the signature of `input` with `key` in the JWS form of its algorithm (ES256 in
// `encoding`). Returns INTERNAL when OpenSSL fails.
absl::StatusOr<std::string> SignBytes(const SigningKey& key, absl::string_view input,
                                      EcdsaEncoding encoding = EcdsaEncoding::kRaw);

// Returns the compact JWS base64url(header_json).base64url(claims_json).signature, signing
// the JSON texts exactly as given (tests use this for malformed headers and claims).
absl::StatusOr<std::string> SignJwt(const SigningKey& key, absl::string_view header_json,
                                    absl::string_view claims_json,
                                    EcdsaEncoding encoding = EcdsaEncoding::kRaw);

// The claims of a user token.
struct UserTokenClaims {
  std::string subject;  // The user id, in decimal.
  std::string issuer;
  std::string audience;
  absl::Time issued_at;  // iat; exp is issued_at + ttl.
  absl::Duration ttl = absl::Hours(1);
  std::optional<absl::Time> not_before;  // nbf, when set.
};

// Returns a user token signed with `key`: header {"alg", "typ": "JWT", "kid"} and claims iss,
// sub, aud, iat, exp (and nbf when set), times in whole seconds. Returns INTERNAL when
// signing fails.
absl::StatusOr<std::string> SignUserToken(const SigningKey& key, const UserTokenClaims& claims);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWT_SIGNER_H_

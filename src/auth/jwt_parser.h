#ifndef MISC_SRC_AUTH_JWT_PARSER_H_
#define MISC_SRC_AUTH_JWT_PARSER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/jwt_algorithm.h"
#include "src/auth/verify_reason.h"

namespace misc::auth {

// The longest token accepted, in bytes; longer ones are rejected before any decoding.
inline constexpr size_t kMaxTokenBytes = size_t{8} * 1024;

// The JOSE header parameters misc uses.
struct JwtHeader {
  JwtAlgorithm algorithm = JwtAlgorithm::kRs256;
  std::optional<std::string> kid;
};

// The registered claims misc uses, typed; presence and type are checked, values are not.
struct JwtClaims {
  absl::Time expires_at;                 // exp: required.
  std::optional<absl::Time> not_before;  // nbf
  std::optional<absl::Time> issued_at;   // iat
  std::string issuer;                    // iss: required.
  std::vector<std::string> audiences;    // aud: required, a string or an array of strings.
  std::optional<std::string> subject;    // sub
};

// A structurally valid compact JWS whose signature is not verified yet.
struct ParsedJwt {
  JwtHeader header;
  JwtClaims claims;
  // "<header>.<payload>" as it appeared in the token: what the signature covers. Points
  // into the parsed token, which must outlive it.
  absl::string_view signing_input;
  std::string signature;  // Decoded signature bytes.
};

// Parses compact JWS `token` with every cheap check and no cryptography: size, exactly three
// non-empty strict base64url parts, header and claims that are JSON objects without
// duplicate members, an accepted alg ("none", HS* and others are rejected), no crit, typ JWT
// if present, and the types of exp (required), nbf, iat, iss (required), aud (required) and
// sub. Returns VerifyReason::kOk and fills `*out`, or the reason for rejection (`*out` is
// then unspecified).
VerifyReason ParseJwt(absl::string_view token, ParsedJwt* out);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWT_PARSER_H_

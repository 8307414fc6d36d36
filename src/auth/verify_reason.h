#ifndef MISC_SRC_AUTH_VERIFY_REASON_H_
#define MISC_SRC_AUTH_VERIFY_REASON_H_

#include "absl/strings/string_view.h"

namespace misc::auth {

// The outcome of verifying one token: kOk or why it was rejected. Each has a label for the
// metric and the debug log; callers only ever see kInvalidTokenMessage, whatever the reason.
enum class VerifyReason {
  kOk,
  kNoKeys,                // No JWKS is configured: no token can be valid.
  kTooLarge,              // Over kMaxTokenBytes.
  kMalformed,             // Not three base64url parts of JSON objects, duplicate members, ...
  kUnsupportedAlgorithm,  // alg is none, HS256 or anything but RS256, ES256 and EdDSA.
  kUnsupportedHeader,     // A crit header, a typ other than JWT, a kid that is not a string.
  kInvalidClaims,         // A missing exp, iss or aud, or a claim of the wrong JSON type.
  kExpired,               // exp is past, beyond the clock skew.
  kNotYetValid,           // nbf or iat is in the future, beyond the clock skew.
  kWrongIssuer,
  kWrongAudience,
  kInvalidSubject,     // sub is missing or not a positive decimal int64.
  kUnknownKey,         // No key with the token's kid (or no kid and several keys).
  kAlgorithmMismatch,  // The token's alg is not the algorithm of the key it names.
  kBadSignature,
};

// The number of VerifyReason values, for arrays indexed by reason.
inline constexpr int kVerifyReasonCount = static_cast<int>(VerifyReason::kBadSignature) + 1;

// The message of every UNAUTHENTICATED answer to a bad token. One message for every reason, so
// that a caller without a valid token learns nothing about the expected iss, aud or kids.
inline constexpr absl::string_view kInvalidTokenMessage = "invalid token";

// Returns the metrics label of `reason`, e.g. "expired" or "ok".
absl::string_view VerifyReasonLabel(VerifyReason reason);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_VERIFY_REASON_H_

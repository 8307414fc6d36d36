#ifndef MISC_SRC_AUTH_CLAIMS_CHECK_H_
#define MISC_SRC_AUTH_CLAIMS_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/verify_reason.h"

namespace misc::auth {

// What the claims of a token must say to be accepted.
struct ClaimPolicy {
  std::string issuer;    // iss must equal this.
  std::string audience;  // aud must contain this.
  // Tolerated difference between our clock and the issuer's, for exp, nbf and iat.
  absl::Duration clock_skew = absl::Seconds(60);
};

// Checks the values of `claims` at time `now`: exp after now - skew, nbf (if present) at or
// before now + skew, iat (if present) at or before now + skew, iss, aud and sub. Returns
// VerifyReason::kOk and sets `*user_id` from sub, or the first reason for rejection.
VerifyReason CheckClaims(const JwtClaims& claims, const ClaimPolicy& policy, absl::Time now,
                         int64_t* user_id);

// Parses `subject` as a user id: a positive decimal int64 written canonically (digits only,
// no sign, no leading zero, no spaces). Returns std::nullopt for anything else.
std::optional<int64_t> ParseUserId(absl::string_view subject);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_CLAIMS_CHECK_H_

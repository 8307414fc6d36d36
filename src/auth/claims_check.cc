#include "src/auth/claims_check.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace misc::auth {

VerifyReason CheckClaims(const JwtClaims& claims, const ClaimPolicy& policy, absl::Time now,
                         int64_t* user_id) {
  // RFC 7519 section 4.1.4: the token must not be accepted on or after exp.
  if (now >= claims.expires_at + policy.clock_skew) return VerifyReason::kExpired;
  if (claims.not_before.has_value() && now + policy.clock_skew < *claims.not_before) {
    return VerifyReason::kNotYetValid;
  }
  if (claims.issued_at.has_value() && now + policy.clock_skew < *claims.issued_at) {
    return VerifyReason::kNotYetValid;
  }
  if (claims.issuer != policy.issuer) return VerifyReason::kWrongIssuer;
  if (std::find(claims.audiences.begin(), claims.audiences.end(), policy.audience) ==
      claims.audiences.end()) {
    return VerifyReason::kWrongAudience;
  }
  if (!claims.subject.has_value()) return VerifyReason::kInvalidSubject;
  const std::optional<int64_t> id = ParseUserId(*claims.subject);
  if (!id.has_value()) return VerifyReason::kInvalidSubject;
  *user_id = *id;
  return VerifyReason::kOk;
}

std::optional<int64_t> ParseUserId(absl::string_view subject) {
  // At most 19 digits, the first not 0; SimpleAtoi then catches values over INT64_MAX.
  if (subject.empty() || subject.size() > 19 || subject[0] == '0') return std::nullopt;
  if (!std::all_of(subject.begin(), subject.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return std::nullopt;
  }
  int64_t id = 0;
  if (!absl::SimpleAtoi(subject, &id) || id <= 0) return std::nullopt;
  return id;
}

}  // namespace misc::auth

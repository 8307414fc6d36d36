#include "src/auth/verify_reason.h"

namespace misc::auth {

absl::string_view VerifyReasonLabel(VerifyReason reason) {
  switch (reason) {
    case VerifyReason::kOk:
      return "ok";
    case VerifyReason::kNoKeys:
      return "no_keys";
    case VerifyReason::kTooLarge:
      return "too_large";
    case VerifyReason::kMalformed:
      return "malformed";
    case VerifyReason::kUnsupportedAlgorithm:
      return "unsupported_algorithm";
    case VerifyReason::kUnsupportedHeader:
      return "unsupported_header";
    case VerifyReason::kInvalidClaims:
      return "invalid_claims";
    case VerifyReason::kExpired:
      return "expired";
    case VerifyReason::kNotYetValid:
      return "not_yet_valid";
    case VerifyReason::kWrongIssuer:
      return "wrong_issuer";
    case VerifyReason::kWrongAudience:
      return "wrong_audience";
    case VerifyReason::kInvalidSubject:
      return "invalid_subject";
    case VerifyReason::kUnknownKey:
      return "unknown_key";
    case VerifyReason::kAlgorithmMismatch:
      return "algorithm_mismatch";
    case VerifyReason::kBadSignature:
      return "bad_signature";
  }
  return "unknown";
}

}  // namespace misc::auth

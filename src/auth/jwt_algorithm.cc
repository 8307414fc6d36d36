#include "src/auth/jwt_algorithm.h"

namespace misc::auth {

std::optional<JwtAlgorithm> JwtAlgorithmFromName(absl::string_view name) {
  // Exact, case-sensitive names (RFC 7515 section 4.1.1): "none", "None", "rs256" all fail.
  if (name == "RS256") return JwtAlgorithm::kRs256;
  if (name == "ES256") return JwtAlgorithm::kEs256;
  if (name == "EdDSA") return JwtAlgorithm::kEdDsa;
  return std::nullopt;
}

absl::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kRs256:
      return "RS256";
    case JwtAlgorithm::kEs256:
      return "ES256";
    case JwtAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "unknown";
}

}  // namespace misc::auth

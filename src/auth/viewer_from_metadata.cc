#include "src/auth/viewer_from_metadata.h"

#include <spdlog/spdlog.h>

#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "src/log/absl_format.h"

namespace misc::auth {
namespace {

constexpr absl::string_view kBearer = "bearer";

}  // namespace

absl::StatusOr<Viewer> ViewerFromMetadata(
    const JwtVerifier* verifier,
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata, absl::Time now) {
  // gRPC lower-cases metadata keys, so this finds every spelling of the header.
  const auto [first, last] = client_metadata.equal_range("authorization");
  if (first == last) return Viewer::Anonymous();
  // Malformed credentials get the one message every bad token gets (kInvalidTokenMessage).
  if (std::next(first) != last) {
    spdlog::debug("token rejected: several authorization headers");
    return absl::UnauthenticatedError(kInvalidTokenMessage);
  }
  const absl::string_view value(first->second.data(), first->second.size());
  // RFC 7235 credentials: the scheme (case-insensitive), one or more spaces, the token.
  if (value.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer) ||
      value[kBearer.size()] != ' ') {
    spdlog::debug("token rejected: authorization is not a Bearer token");
    return absl::UnauthenticatedError(kInvalidTokenMessage);
  }
  absl::string_view token = value.substr(kBearer.size());
  while (absl::ConsumePrefix(&token, " ")) {
  }
  if (verifier == nullptr) {
    spdlog::debug("token rejected: {}", VerifyReasonLabel(VerifyReason::kNoKeys));
    return absl::UnauthenticatedError(kInvalidTokenMessage);
  }
  return verifier->Verify(token, now);
}

}  // namespace misc::auth

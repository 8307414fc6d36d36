#ifndef MISC_SRC_AUTH_VIEWER_FROM_METADATA_H_
#define MISC_SRC_AUTH_VIEWER_FROM_METADATA_H_

#include <grpcpp/support/string_ref.h>

#include <map>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "src/auth/jwt_verifier.h"
#include "src/auth/viewer.h"

namespace misc::auth {

// Returns who is calling, from a call's `client_metadata` (grpc::ServerContextBase::
// client_metadata()): anonymous without an `authorization` entry, otherwise the user of its
// `Bearer <jwt>` value (scheme case-insensitive) as verified by `verifier` at `now`. Returns
// UNAUTHENTICATED with kInvalidTokenMessage for several authorization entries, another
// scheme, an invalid token, or any token when `verifier` is nullptr; a bad token is never
// served as anonymous.
absl::StatusOr<Viewer> ViewerFromMetadata(
    const JwtVerifier* verifier,
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata, absl::Time now);

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_VIEWER_FROM_METADATA_H_

#ifndef MISC_SRC_SERVER_METADATA_LIMIT_H_
#define MISC_SRC_SERVER_METADATA_LIMIT_H_

#include <grpcpp/support/string_ref.h>

#include <cstddef>
#include <map>

#include "absl/status/status.h"

namespace misc::server {

// Largest request metadata a server accepts, and the SETTINGS_MAX_HEADER_LIST_SIZE it
// advertises: room for a 16 KiB bearer token (twice the verifier's 8 KiB limit) and the usual
// headers, so an oversized token still reaches the verifier and is answered UNAUTHENTICATED
// rather than failing in the client or the transport. Beyond it the
// call is refused: by the transport, or by CheckHeaderListSize where the transport misses it.
inline constexpr int kMaxMetadataBytes = 32 << 10;

// A call's request metadata, as gRPC hands it to the application.
using RequestMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// Returns the size of `metadata` as HTTP/2 counts a header list (RFC 7541, section 4.1: name
// + value + 32 for each field).
size_t HeaderListBytes(const RequestMetadata& metadata);

// Returns OK, or RESOURCE_EXHAUSTED when `metadata` is past kMaxMetadataBytes, the header list
// limit the server advertises.
//
// Why misc checks what the transport should: gRPC 1.51.1 compares the limit with each HEADERS
// or CONTINUATION frame on its own, not with their sum, so a header block of many small fields
// spread over several frames is served far past the limit (1 MiB measured at 32 KiB;
// docs/security.md). A single field past the limit is still refused by the transport.
absl::Status CheckHeaderListSize(const RequestMetadata& metadata);

}  // namespace misc::server

#endif  // MISC_SRC_SERVER_METADATA_LIMIT_H_

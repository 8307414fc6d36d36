#include "src/server/metadata_limit.h"

namespace misc::server {
namespace {

// RFC 7541, section 4.1: what each field costs beyond its name and value.
constexpr size_t kFieldOverheadBytes = 32;

}  // namespace

size_t HeaderListBytes(const RequestMetadata& metadata) {
  size_t bytes = 0;
  for (const auto& [name, value] : metadata) {
    bytes += name.size() + value.size() + kFieldOverheadBytes;
  }
  return bytes;
}

absl::Status CheckHeaderListSize(const RequestMetadata& metadata) {
  if (HeaderListBytes(metadata) > static_cast<size_t>(kMaxMetadataBytes)) {
    return absl::ResourceExhaustedError("request metadata past the header list limit");
  }
  return absl::OkStatus();
}

}  // namespace misc::server

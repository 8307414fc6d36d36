#ifndef MISC_SRC_STATUS_TYPE_URLS_H_
#define MISC_SRC_STATUS_TYPE_URLS_H_

#include "absl/strings/string_view.h"

namespace misc::status {

// absl::Status payload keys. They are the google.protobuf.Any type URLs of the details, so
// ToGrpcStatus can copy any payload into google.rpc.Status.details unchanged.
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kResourceInfoTypeUrl =
    "type.googleapis.com/google.rpc.ResourceInfo";

}  // namespace misc::status

#endif  // MISC_SRC_STATUS_TYPE_URLS_H_

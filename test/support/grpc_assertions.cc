#include "test/support/grpc_assertions.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace misc::testing {

std::vector<std::string> FieldViolations(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

std::string MissingResourceName(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ResourceInfo info;
    if (any.UnpackTo(&info)) return info.resource_name();
  }
  return "";
}

}  // namespace misc::testing

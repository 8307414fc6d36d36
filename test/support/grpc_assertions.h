#ifndef MISC_TEST_SUPPORT_GRPC_ASSERTIONS_H_
#define MISC_TEST_SUPPORT_GRPC_ASSERTIONS_H_

#include <grpcpp/support/status.h>

#include <string>
#include <vector>

namespace misc::testing {

// Returns the field names of the google.rpc.BadRequest detail carried by `status`, in order;
// empty when it carries none (or the details do not parse).
std::vector<std::string> FieldViolations(const grpc::Status& status);

// Returns the resource_name of the google.rpc.ResourceInfo detail carried by `status`, or ""
// when it carries none.
std::string MissingResourceName(const grpc::Status& status);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_GRPC_ASSERTIONS_H_

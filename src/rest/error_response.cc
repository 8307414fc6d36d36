#include "src/rest/error_response.h"

#include <google/protobuf/util/json_util.h>

#include "google/rpc/status.pb.h"

namespace misc::rest {

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
    default:
      return 500;
  }
}

std::string StatusJson(const grpc::Status& status) {
  google::rpc::Status proto;
  // The details travel as a serialized google.rpc.Status whose code and message are the
  // call's own; without details, build it from the code and message alone.
  if (status.error_details().empty() || !proto.ParseFromString(status.error_details())) {
    proto.Clear();
    proto.set_code(static_cast<int>(status.error_code()));
    proto.set_message(status.error_message());
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  if (!google::protobuf::util::MessageToJsonString(proto, &json, options).ok()) {
    // A detail of a type this binary does not know: answer without the details.
    proto.clear_details();
    json.clear();
    (void)google::protobuf::util::MessageToJsonString(proto, &json, options);
  }
  return json;
}

}  // namespace misc::rest

#include "src/status/grpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"

namespace misc::status {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    message = "internal error";
  }
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(message);
  status.ForEachPayload([&proto](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = proto.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  if (proto.details_size() == 0) return grpc::Status(code, message);
  return grpc::Status(code, message, proto.SerializeAsString());
}

}  // namespace misc::status

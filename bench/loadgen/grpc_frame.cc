#include "bench/loadgen/grpc_frame.h"

#include <cstdint>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace misc::loadgen {

std::string GrpcFrame(const google::protobuf::Message& message) {
  const std::string body = message.SerializeAsString();
  const auto length = static_cast<uint32_t>(body.size());
  std::string frame;
  frame.reserve(5 + body.size());
  frame.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  frame += body;
  return frame;
}

absl::Status WriteGrpcFrame(const std::string& path, const google::protobuf::Message& message) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string frame = GrpcFrame(message);
  out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace misc::loadgen

#include "bench/loadgen/grpc_frame.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "misc/restaurant/v1/restaurant.pb.h"

namespace misc::loadgen {
namespace {

TEST(GrpcFrameTest, IsAnUncompressedFlagABigEndianLengthAndTheMessage) {
  restaurant::v1::BatchGetRestaurantsRequest request;
  for (int i = 1; i <= 100; ++i) request.add_restaurant_ids(int64_t{i} * 1000);
  const std::string body = request.SerializeAsString();
  ASSERT_GT(body.size(), 255u);  // so the length needs two bytes

  const std::string frame = GrpcFrame(request);
  ASSERT_EQ(frame.size(), 5 + body.size());
  EXPECT_EQ(frame[0], '\0');
  EXPECT_EQ(static_cast<uint8_t>(frame[1]), 0);
  EXPECT_EQ(static_cast<uint8_t>(frame[2]), 0);
  EXPECT_EQ(static_cast<uint8_t>(frame[3]), (body.size() >> 8) & 0xff);
  EXPECT_EQ(static_cast<uint8_t>(frame[4]), body.size() & 0xff);
  EXPECT_EQ(frame.substr(5), body);
}

TEST(GrpcFrameTest, AnEmptyMessageIsAHeaderAlone) {
  EXPECT_EQ(GrpcFrame(restaurant::v1::ListRestaurantsRequest()), std::string(5, '\0'));
}

TEST(GrpcFrameTest, WritesTheFrameToAFile) {
  restaurant::v1::GetRestaurantRequest request;
  request.set_restaurant_id(7);
  const std::string path = ::testing::TempDir() + "/frame.bin";
  ASSERT_TRUE(WriteGrpcFrame(path, request).ok());
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_EQ(contents.str(), GrpcFrame(request));
}

TEST(GrpcFrameTest, ReportsAPathItCannotWrite) {
  const absl::Status status =
      WriteGrpcFrame("/nonexistent-dir/frame.bin", restaurant::v1::GetRestaurantRequest());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("/nonexistent-dir/frame.bin"), std::string::npos);
}

}  // namespace
}  // namespace misc::loadgen

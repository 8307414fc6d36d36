#include "src/rest/error_response.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "src/status/errors.h"
#include "src/status/grpc_status.h"

namespace misc::rest {
namespace {

TEST(HttpStatusOfTest, FollowsGrpcGateway) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::CANCELLED), 499);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNKNOWN), 500);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
}

TEST(StatusJsonTest, CarriesTheFieldViolations) {
  const grpc::Status status =
      status::ToGrpcStatus(status::InvalidField("page_size", "must not be negative"));
  const std::string json = StatusJson(status);
  google::rpc::Status parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
  EXPECT_EQ(parsed.code(), 3);
  EXPECT_EQ(parsed.message(), status.error_message());
  ASSERT_EQ(parsed.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(parsed.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "page_size");
  EXPECT_NE(json.find("\"fieldViolations\""), std::string::npos) << "lowerCamelCase: " << json;
}

TEST(StatusJsonTest, WithoutDetailsHasCodeAndMessage) {
  const std::string json = StatusJson(grpc::Status(grpc::StatusCode::UNAVAILABLE, "database 渋谷"));
  google::rpc::Status parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok()) << json;
  EXPECT_EQ(parsed.code(), 14);
  EXPECT_EQ(parsed.message(), "database 渋谷");
  EXPECT_EQ(parsed.details_size(), 0);
}

}  // namespace
}  // namespace misc::rest

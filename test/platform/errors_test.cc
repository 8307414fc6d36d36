#include "src/status/errors.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "src/status/grpc_status.h"

namespace misc::status {
namespace {

TEST(FieldErrorsTest, NoViolationsIsOk) { EXPECT_TRUE(FieldErrors().ToStatus().ok()); }

TEST(FieldErrorsTest, ReportsEveryViolationInMessageAndDetail) {
  FieldErrors errors;
  errors.Add("page_size", "must not be negative");
  errors.Add("area_id", "must be positive");
  const absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("page_size"), absl::string_view::npos);
  EXPECT_NE(status.message().find("area_id"), absl::string_view::npos);
  const std::vector<FieldViolation> violations = FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].field, "page_size");
  EXPECT_EQ(violations[1].field, "area_id");
}

TEST(GrpcStatusTest, CarriesBadRequestAsGoogleRpcStatusDetail) {
  const grpc::Status status = ToGrpcStatus(InvalidField("restaurant_id", "must be positive"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status proto;
  ASSERT_TRUE(proto.ParseFromString(status.error_details()));
  EXPECT_EQ(proto.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(proto.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(proto.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "restaurant_id");
}

TEST(GrpcStatusTest, NotFoundNamesTheResource) {
  const grpc::Status status = ToGrpcStatus(NotFound("restaurant", "12, 34"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "restaurant 12, 34 not found");
  google::rpc::Status proto;
  ASSERT_TRUE(proto.ParseFromString(status.error_details()));
  google::rpc::ResourceInfo info;
  ASSERT_TRUE(proto.details(0).UnpackTo(&info));
  EXPECT_EQ(info.resource_name(), "12, 34");
}

TEST(GrpcStatusTest, HidesInternalMessages) {
  const grpc::Status status =
      ToGrpcStatus(absl::InternalError("relation \"restaurants\" does not exist: SELECT ..."));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "internal error");
}

TEST(GrpcStatusTest, KeepsCodeAndMessageOfPlainErrors) {
  const grpc::Status status = ToGrpcStatus(absl::UnavailableError("database unavailable"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "database unavailable");
  EXPECT_TRUE(status.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace misc::status

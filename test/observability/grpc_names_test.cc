#include "src/observability/grpc_names.h"

#include <gtest/gtest.h>

namespace misc::observability {
namespace {

using Type = grpc::experimental::ServerRpcInfo::Type;

TEST(GrpcNamesTest, StatusCodesHaveTheirCanonicalNames) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::CANCELLED), "CANCELLED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAVAILABLE), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(17)), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(-1)), "UNKNOWN");
}

TEST(GrpcNamesTest, PrometheusCodeNamesAreGoGrpcPrometheusLabelValues) {
  EXPECT_EQ(PrometheusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(PrometheusCodeName(grpc::StatusCode::CANCELLED), "Canceled");
  EXPECT_EQ(PrometheusCodeName(grpc::StatusCode::NOT_FOUND), "NotFound");
  EXPECT_EQ(PrometheusCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DeadlineExceeded");
  EXPECT_EQ(PrometheusCodeName(grpc::StatusCode::UNAUTHENTICATED), "Unauthenticated");
  EXPECT_EQ(PrometheusCodeName(static_cast<grpc::StatusCode>(17)), "Unknown");
}

TEST(GrpcNamesTest, RpcTypesAreNamedAsGoGrpcPrometheusDoes) {
  EXPECT_EQ(RpcTypeName(Type::UNARY), "unary");
  EXPECT_EQ(RpcTypeName(Type::CLIENT_STREAMING), "client_stream");
  EXPECT_EQ(RpcTypeName(Type::SERVER_STREAMING), "server_stream");
  EXPECT_EQ(RpcTypeName(Type::BIDI_STREAMING), "bidi_stream");
}

TEST(GrpcNamesTest, SplitsFullMethodNames) {
  MethodName name = SplitMethodName("/grpc.health.v1.Health/Check");
  EXPECT_EQ(name.service, "grpc.health.v1.Health");
  EXPECT_EQ(name.method, "Check");
  name = SplitMethodName("pkg.S/M");
  EXPECT_EQ(name.service, "pkg.S");
  EXPECT_EQ(name.method, "M");
  for (const char* odd : {"/nomethod", "/a/b/c", "/", "", "/svc/", "//m"}) {
    EXPECT_EQ(SplitMethodName(odd).service, "unknown") << odd;
  }
}

}  // namespace
}  // namespace misc::observability

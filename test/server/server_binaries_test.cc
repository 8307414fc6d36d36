// Every server binary serves exactly its own services plus health and reflection, reports
// each as SERVING, knows nothing of the services it does not host, and stops cleanly.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "test/support/misc_server.h"

namespace misc::server {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::misc::testing::ServerProcess;

constexpr char kHealth[] = "grpc.health.v1.Health";
constexpr char kReflection[] = "grpc.reflection.v1alpha.ServerReflection";
constexpr char kRestaurant[] = "misc.restaurant.v1.RestaurantService";
constexpr char kReview[] = "misc.review.v1.ReviewService";
constexpr char kArea[] = "misc.area.v1.AreaService";
constexpr char kGenre[] = "misc.genre.v1.GenreService";
constexpr char kRollout[] = "misc.rollout.v1.RolloutService";

// Lists the services `channel`'s server reports through reflection.
std::set<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  EXPECT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  std::set<std::string> names;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.insert(service.name());
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  return names;
}

// Asks reflection for the file defining `symbol`; true when the server can describe it.
bool ReflectionDescribes(const std::shared_ptr<grpc::Channel>& channel, const std::string& symbol) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  stream->Write(request);
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  bool described = false;
  while (stream->Read(&response)) {
    described = described || response.file_descriptor_response().file_descriptor_proto_size() > 0;
  }
  stream->Finish();
  return described;
}

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& name,
                         HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(name);
  return stub->Check(&context, request, response);
}

struct BinaryCase {
  std::string binary;
  std::set<std::string> hosted;
  std::set<std::string> absent;
};

class ServerBinaryTest : public ::testing::TestWithParam<BinaryCase> {};

TEST_P(ServerBinaryTest, ServesExactlyItsServicesWithHealthAndReflection) {
  const BinaryCase& binary = GetParam();
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(misc::testing::SeededDatabaseUrl(), {}, binary.binary);
  ASSERT_NE(server, nullptr);
  const auto channel = server->channel();

  std::set<std::string> expected = binary.hosted;
  expected.insert(kHealth);
  expected.insert(kReflection);
  EXPECT_EQ(ReflectedServices(channel), expected);
  for (const std::string& name : expected) {
    EXPECT_TRUE(ReflectionDescribes(channel, name)) << name;
  }

  for (const std::string& name : {std::string(""), std::string("liveness")}) {
    HealthCheckResponse response;
    ASSERT_TRUE(CheckHealth(channel, name, &response).ok()) << name;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << name;
  }
  for (const std::string& name : binary.hosted) {
    HealthCheckResponse response;
    ASSERT_TRUE(CheckHealth(channel, name, &response).ok()) << name;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << name;
  }
  for (const std::string& name : binary.absent) {
    HealthCheckResponse response;
    EXPECT_EQ(CheckHealth(channel, name, &response).error_code(), grpc::StatusCode::NOT_FOUND)
        << name;
  }
  EXPECT_EQ(server->Terminate(), 0) << server->Output();
}

INSTANTIATE_TEST_SUITE_P(
    Binaries, ServerBinaryTest,
    ::testing::Values(
        BinaryCase{MISC_SERVER_BINARY, {kRestaurant, kReview, kArea, kGenre, kRollout}, {}},
        BinaryCase{MISC_RESTAURANT_BINARY, {kRestaurant}, {kReview, kArea, kGenre, kRollout}}),
    [](const ::testing::TestParamInfo<BinaryCase>& param_info) {
      return param_info.param.hosted.size() == 1 ? std::string("misc_restaurant")
                                                 : std::string("misc_server");
    });

TEST(SplitBinaryTest, ServiceItDoesNotHostIsUnimplemented) {
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(misc::testing::SeededDatabaseUrl(), {}, MISC_RESTAURANT_BINARY);
  ASSERT_NE(server, nullptr);
  auto reviews = misc::review::v1::ReviewService::NewStub(server->channel());
  grpc::ClientContext context;
  misc::review::v1::GetReviewRequest request;
  request.set_review_id(1);
  misc::review::v1::GetReviewResponse response;
  EXPECT_EQ(reviews->GetReview(&context, request, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  // The service it does host answers.
  auto restaurants = misc::restaurant::v1::RestaurantService::NewStub(server->channel());
  grpc::ClientContext restaurant_context;
  misc::restaurant::v1::GetRestaurantRequest restaurant_request;
  restaurant_request.set_restaurant_id(1);
  misc::restaurant::v1::GetRestaurantResponse restaurant_response;
  EXPECT_TRUE(
      restaurants->GetRestaurant(&restaurant_context, restaurant_request, &restaurant_response)
          .ok());
}

TEST(ServerShutdownTest, SigtermDrainsAndExitsZero) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(misc::testing::SeededDatabaseUrl());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Terminate(), 0) << server->Output();
  EXPECT_NE(server->Output().find("stopped"), std::string::npos) << server->Output();
}

}  // namespace
}  // namespace misc::server

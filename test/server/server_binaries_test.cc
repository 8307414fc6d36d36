// Every server binary (each line of build/<preset>/servers.tsv) serves exactly its own
// services plus health and reflection, reports each as SERVING and answers their calls, knows
// nothing of the services it does not host (health NOT_FOUND, calls UNIMPLEMENTED), and stops
// cleanly.
#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "test/support/misc_server.h"

namespace misc::server {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::misc::testing::ServerProcess;

constexpr char kHealth[] = "grpc.health.v1.Health";
constexpr char kReflection[] = "grpc.reflection.v1alpha.ServerReflection";

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

// One server binary, as build/<preset>/servers.tsv lists it (cmake/MiscServer.cmake).
struct BinaryCase {
  std::string name;
  std::string path;
  std::set<std::string> hosted;  // Full gRPC names.
  std::set<std::string> absent;  // Every service of services/ it does not host.
};

void PrintTo(const BinaryCase& binary, std::ostream* out) { *out << binary.path; }

// Reads servers.tsv: every binary misc_add_server made, whatever its name, so a split binary
// is tested here without an edit to this file.
std::vector<BinaryCase> ServerBinaries() {
  std::ifstream in(MISC_SERVER_MANIFEST);
  std::vector<BinaryCase> cases;
  std::set<std::string> all_services;
  std::string line;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 3) continue;
    const std::vector<std::string> names = absl::StrSplit(fields[2], ',', absl::SkipEmpty());
    if (fields[0] == "#services") {
      all_services.insert(names.begin(), names.end());
      continue;
    }
    cases.push_back(BinaryCase{
        fields[0], absl::StrCat(MISC_BUILD_DIR, "/", fields[1]), {names.begin(), names.end()}, {}});
  }
  for (BinaryCase& binary : cases) {
    for (const std::string& name : all_services) {
      if (!binary.hosted.contains(name)) binary.absent.insert(name);
    }
  }
  return cases;
}

// Calls the first method of gRPC service `service` (its descriptor is linked into this test)
// with an empty request, as bytes; returns the status code the server answered with.
grpc::StatusCode CallFirstMethod(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& service) {
  const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  EXPECT_NE(descriptor, nullptr) << service << " is not linked into this test";
  if (descriptor == nullptr || descriptor->method_count() == 0) return grpc::StatusCode::UNKNOWN;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  // An empty message: zero bytes, yet a buffer (a default ByteBuffer is no message at all).
  const grpc::Slice no_bytes("", 0);
  const grpc::ByteBuffer request(&no_bytes, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::StrCat("/", service, "/", descriptor->method(0)->name()), {},
                 &request, &response,
                 [&done](const grpc::Status& status) { done.set_value(status); });
  return done.get_future().get().error_code();
}

class ServerBinaryTest : public ::testing::TestWithParam<BinaryCase> {};

TEST(ServerBinaryListTest, ListsTheWholeServerAndTheSplitExample) {
  std::set<std::string> names;
  for (const BinaryCase& binary : ServerBinaries()) names.insert(binary.name);
  EXPECT_TRUE(names.contains("misc-server")) << MISC_SERVER_MANIFEST;
  EXPECT_TRUE(names.contains("misc-restaurant")) << MISC_SERVER_MANIFEST;
}

TEST_P(ServerBinaryTest, ServesExactlyItsServicesWithHealthAndReflection) {
  const BinaryCase& binary = GetParam();
  ASSERT_FALSE(binary.hosted.empty()) << binary.name;
  std::unique_ptr<ServerProcess> server =
      ServerProcess::Start(misc::testing::SeededDatabaseUrl(), {}, binary.path);
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
    // Its handlers answer (an empty request may be invalid or not found, but it is handled).
    EXPECT_NE(CallFirstMethod(channel, name), grpc::StatusCode::UNIMPLEMENTED) << name;
  }
  for (const std::string& name : binary.absent) {
    HealthCheckResponse response;
    EXPECT_EQ(CheckHealth(channel, name, &response).error_code(), grpc::StatusCode::NOT_FOUND)
        << name;
    EXPECT_FALSE(ReflectionDescribes(channel, name)) << name;
    EXPECT_EQ(CallFirstMethod(channel, name), grpc::StatusCode::UNIMPLEMENTED) << name;
  }
  EXPECT_EQ(server->Terminate(), 0) << server->Output();
}

INSTANTIATE_TEST_SUITE_P(Binaries, ServerBinaryTest, ::testing::ValuesIn(ServerBinaries()),
                         [](const ::testing::TestParamInfo<BinaryCase>& param_info) {
                           return absl::StrReplaceAll(param_info.param.name, {{"-", "_"}});
                         });

TEST(ServerShutdownTest, SigtermDrainsAndExitsZero) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(misc::testing::SeededDatabaseUrl());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Terminate(), 0) << server->Output();
  EXPECT_NE(server->Output().find("stopped"), std::string::npos) << server->Output();
}

}  // namespace
}  // namespace misc::server

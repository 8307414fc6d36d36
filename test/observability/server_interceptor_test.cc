// The interceptors on a real in-process gRPC server: a callback Health service (unary and
// server-streaming calls, every status the test asks for) and gRPC's own reflection service
// (a synchronous bidi stream), scraped over HTTP from a MetricsServer (with the process metrics).
#include "src/observability/server_interceptor.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <prometheus/registry.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "src/observability/access_log.h"
#include "src/observability/metrics.h"
#include "src/observability/metrics_server.h"
#include "src/observability/process_metrics.h"
#include "src/observability/trace_context.h"
#include "test/observability/promtool.h"

namespace misc::observability {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kToken[] = "Bearer s3cr3t.t0ken.value";
constexpr char kIncomingTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kIncomingSpanId[] = "00f067aa0ba902b7";
constexpr char kHealthLabels[] =
    "grpc_method=\"Check\",grpc_service=\"grpc.health.v1.Health\",grpc_type=\"unary\"";

// Check answers by the service asked about: "missing" is NOT_FOUND, "locked" UNAUTHENTICATED,
// anything else SERVING. Watch sends two SERVING answers and finishes.
class TestHealthService final : public Health::CallbackService {
 public:
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const HealthCheckRequest* request,
                                  HealthCheckResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->service() == "missing") {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
    } else if (request->service() == "locked") {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad token"));
    } else {
      response->set_status(HealthCheckResponse::SERVING);
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  grpc::ServerWriteReactor<HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* /*context*/, const HealthCheckRequest* /*request*/) override {
    class Writer final : public grpc::ServerWriteReactor<HealthCheckResponse> {
     public:
      Writer() {
        response_.set_status(HealthCheckResponse::SERVING);
        Next();
      }
      void OnWriteDone(bool ok) override {
        if (ok) {
          Next();
        } else {
          Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
        }
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (left_-- > 0) {
          StartWrite(&response_);
        } else {
          Finish(grpc::Status::OK);
        }
      }
      HealthCheckResponse response_;
      int left_ = 2;
    };
    return new Writer();
  }
};

struct CallResult {
  grpc::Status status;
  std::optional<TraceParent> trace;  // From the trailing metadata.
  int traceparents = 0;              // How many traceparent trailers came back.
};

class ServerInterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    auto logger = std::make_shared<spdlog::logger>("access", sink);
    logger->set_pattern("%v");

    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&health_);
    builder.experimental().SetInterceptorCreators(
        MakeServerInterceptors(std::make_shared<CallSinks>(*registry_, logger)));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = Health::NewStub(channel_);

    absl::StatusOr<std::unique_ptr<MetricsServer>> metrics =
        MetricsServer::Start("127.0.0.1:0", {registry_, MakeProcessMetrics()});
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_ = *std::move(metrics);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    if (metrics_ != nullptr) metrics_->Stop();
  }

  // Calls Check for `service` with the given metadata.
  CallResult Check(const std::string& service,
                   const std::multimap<std::string, std::string>& metadata = {}) {
    grpc::ClientContext context;
    for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    CallResult result;
    result.status = stub_->Check(&context, request, &response);
    ReadTrailers(context, result);
    return result;
  }

  // Calls Watch and reads the stream to its end.
  CallResult Watch() {
    grpc::ClientContext context;
    HealthCheckRequest request;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader =
        stub_->Watch(&context, request);
    HealthCheckResponse response;
    int answers = 0;
    while (reader->Read(&response)) ++answers;
    CallResult result;
    result.status = reader->Finish();
    EXPECT_EQ(answers, 2);
    ReadTrailers(context, result);
    return result;
  }

  // Lists services over gRPC's reflection service, a bidi stream: one request, one answer.
  CallResult ListServicesByReflection() {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    grpc::CompletionQueue queue;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
        &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
    // The completion-queue tag of step i is &steps[i].
    char steps[5] = {};
    const auto await = [&queue, &steps](int step) {
      void* tag = nullptr;
      bool ok = false;
      EXPECT_TRUE(queue.Next(&tag, &ok));
      EXPECT_EQ(tag, &steps[step]);
      return ok;
    };
    call->StartCall(&steps[0]);
    EXPECT_TRUE(await(0));
    // ServerReflectionRequest{list_services: "*"}: field 7, length-delimited, 1 byte.
    static constexpr char kListServices[] = "\x3a\x01*";
    grpc::Slice slice(kListServices, sizeof(kListServices) - 1);
    grpc::ByteBuffer request(&slice, 1);
    call->Write(request, &steps[1]);
    EXPECT_TRUE(await(1));
    call->WritesDone(&steps[2]);
    EXPECT_TRUE(await(2));
    grpc::ByteBuffer reply;
    call->Read(&reply, &steps[3]);
    EXPECT_TRUE(await(3));
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(reply.Dump(&slices).ok());
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_NE(bytes.find("grpc.health.v1.Health"), std::string::npos);
    CallResult result;
    call->Finish(&result.status, &steps[4]);
    EXPECT_TRUE(await(4));
    queue.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue.Next(&tag, &ok)) {
    }
    ReadTrailers(context, result);
    return result;
  }

  // Calls a method by name with an empty message.
  grpc::Status CallUnknownMethod(const std::string& method) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    grpc::CompletionQueue queue;
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub.PrepareUnaryCall(&context, method, grpc::ByteBuffer(), &queue);
    call->StartCall();
    grpc::ByteBuffer reply;
    grpc::Status status;
    call->Finish(&reply, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&tag, &ok));
    queue.Shutdown();
    while (queue.Next(&tag, &ok)) {
    }
    return status;
  }

  static void ReadTrailers(const grpc::ClientContext& context, CallResult& result) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto [begin, end] = trailers.equal_range(kTraceParentKey);
    for (auto it = begin; it != end; ++it) {
      ++result.traceparents;
      result.trace = ParseTraceParent(absl::string_view(it->second.data(), it->second.size()));
    }
  }

  std::string Scrape() {
    httplib::Client client("127.0.0.1", metrics_->port());
    httplib::Result result = client.Get("/metrics");
    EXPECT_TRUE(result);
    if (!result) return "";
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; charset=utf-8");
    return result->body;
  }

  // The access log so far, one parsed object per line; a line that is not JSON fails.
  std::vector<nlohmann::json> AccessLog() {
    std::vector<nlohmann::json> lines;
    for (absl::string_view line : absl::StrSplit(log_.str(), '\n', absl::SkipEmpty())) {
      EXPECT_TRUE(nlohmann::json::accept(line)) << line;
      lines.push_back(nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false));
    }
    return lines;
  }

  std::ostringstream log_;
  const std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  TestHealthService health_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Health::Stub> stub_;
  std::unique_ptr<MetricsServer> metrics_;
};

// Returns the value of the sample line "`series` <value>" in `text`, or -1 when missing.
double Sample(const std::string& text, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    return absl::SimpleAtod(line, &value) ? value : -1;
  }
  return -1;
}

TEST_F(ServerInterceptorTest, CountsCallsByTypeServiceMethodAndCode) {
  EXPECT_TRUE(Check("").status.ok());
  EXPECT_TRUE(Check("").status.ok());
  EXPECT_EQ(Check("missing").status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Check("locked").status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Watch().status.ok());
  EXPECT_TRUE(ListServicesByReflection().status.ok());

  const std::string text = Scrape();
  const std::string health(kHealthLabels);
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + health + "}"), 4) << text;
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + health + "}"), 2);
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"NotFound\"," + health + "}"), 1);
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"Unauthenticated\"," + health + "}"),
            1);
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_count{" + health + "}"), 4);
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_bucket{" + health + ",le=\"+Inf\"}"), 4);
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_bucket{" + health + ",le=\"10\"}"), 4);
  EXPECT_GT(Sample(text, "grpc_server_handling_seconds_sum{" + health + "}"), 0);

  const std::string watch =
      "grpc_method=\"Watch\",grpc_service=\"grpc.health.v1.Health\",grpc_type=\"server_stream\"";
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + watch + "}"), 1);
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + watch + "}"), 1);
  EXPECT_EQ(Sample(text, "grpc_server_handling_seconds_count{" + watch + "}"), 1);

  const std::string reflection =
      "grpc_method=\"ServerReflectionInfo\","
      "grpc_service=\"grpc.reflection.v1alpha.ServerReflection\",grpc_type=\"bidi_stream\"";
  EXPECT_EQ(Sample(text, "grpc_server_started_total{" + reflection + "}"), 1);
  EXPECT_EQ(Sample(text, "grpc_server_handled_total{grpc_code=\"OK\"," + reflection + "}"), 1);

  EXPECT_GT(Sample(text, "process_open_fds"), 0);
  EXPECT_GT(Sample(text, "process_resident_memory_bytes"), 0);
}

TEST_F(ServerInterceptorTest, ScrapedTextPassesPromtool) {
  Check("");
  Check("missing");
  Watch();
  ListServicesByReflection();
  EXPECT_TRUE(PromtoolAccepts(Scrape()));
}

TEST_F(ServerInterceptorTest, StartsATraceWhenTheCallerSentNoneOrAMalformedOne) {
  const CallResult none = Check("");
  ASSERT_EQ(none.traceparents, 1);
  ASSERT_TRUE(none.trace.has_value());
  EXPECT_EQ(none.trace->flags, 0x01);

  const CallResult other = Check("missing");  // Errors carry it too.
  ASSERT_TRUE(other.trace.has_value());
  EXPECT_NE(other.trace->trace_id, none.trace->trace_id);

  const std::string uppercase = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
  const CallResult malformed = Check("", {{"traceparent", uppercase}});
  ASSERT_TRUE(malformed.trace.has_value());
  EXPECT_NE(malformed.trace->trace_id, kIncomingTraceId);

  const CallResult stream = Watch();
  ASSERT_TRUE(stream.trace.has_value());
  EXPECT_TRUE(ListServicesByReflection().trace.has_value());
}

TEST_F(ServerInterceptorTest, KeepsTheTraceIdOfAValidTraceparent) {
  const std::string incoming =
      std::string("00-") + kIncomingTraceId + "-" + kIncomingSpanId + "-00";
  const CallResult result = Check("", {{"traceparent", incoming}});
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(result.traceparents, 1);
  ASSERT_TRUE(result.trace.has_value());
  EXPECT_EQ(result.trace->trace_id, kIncomingTraceId);
  EXPECT_NE(result.trace->span_id, kIncomingSpanId);  // The server's own span.
  EXPECT_EQ(result.trace->flags, 0x00);               // The caller's sampling decision.

  // Two traceparent values are ambiguous: a new trace.
  const std::string second = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const CallResult repeated = Check("", {{"traceparent", incoming}, {"traceparent", second}});
  ASSERT_TRUE(repeated.trace.has_value());
  EXPECT_NE(repeated.trace->trace_id, kIncomingTraceId);
  EXPECT_NE(repeated.trace->trace_id, "0af7651916cd43dd8448eb211c80319c");
}

TEST_F(ServerInterceptorTest, WritesOneJsonAccessLinePerCallWithoutTheToken) {
  const std::string incoming =
      std::string("00-") + kIncomingTraceId + "-" + kIncomingSpanId + "-01";
  Check("", {{"traceparent", incoming}});
  const CallResult signed_in = Check("", {{"authorization", kToken}});
  Check("locked", {{"authorization", kToken}});
  const CallResult missing = Check("missing");
  const CallResult stream = Watch();

  const std::vector<nlohmann::json> lines = AccessLog();
  ASSERT_EQ(lines.size(), 5u) << log_.str();
  EXPECT_EQ(log_.str().find("s3cr3t"), std::string::npos) << log_.str();
  EXPECT_EQ(log_.str().find("authorization"), std::string::npos) << log_.str();

  for (const nlohmann::json& line : lines) {
    for (const char* key : {"time", "service", "method", "code", "peer", "trace_id"}) {
      EXPECT_TRUE(line.contains(key) && line[key].is_string()) << key << " in " << line;
    }
    EXPECT_TRUE(line["duration_ms"].is_number()) << line;
    EXPECT_GE(line["duration_ms"].get<double>(), 0) << line;
    EXPECT_TRUE(line["logged_in"].is_boolean()) << line;
    EXPECT_EQ(line["service"], "grpc.health.v1.Health");
    EXPECT_EQ(line["peer"].get<std::string>().rfind("ipv4:127.0.0.1:", 0), 0u) << line;
    EXPECT_EQ(line["time"].get<std::string>().size(), 27u) << line;  // ...T12:00:00.123456Z
  }
  EXPECT_EQ(lines[0]["method"], "Check");
  EXPECT_EQ(lines[0]["code"], "OK");
  EXPECT_EQ(lines[0]["logged_in"], false);
  EXPECT_EQ(lines[0]["trace_id"], kIncomingTraceId);
  EXPECT_EQ(lines[1]["logged_in"], true);
  EXPECT_EQ(lines[1]["trace_id"], signed_in.trace->trace_id);
  EXPECT_EQ(lines[2]["code"], "UNAUTHENTICATED");
  EXPECT_EQ(lines[2]["logged_in"], false);
  EXPECT_EQ(lines[3]["code"], "NOT_FOUND");
  EXPECT_EQ(lines[3]["trace_id"], missing.trace->trace_id);
  EXPECT_EQ(lines[4]["method"], "Watch");
  EXPECT_EQ(lines[4]["grpc_type"], "server_stream");
  EXPECT_EQ(lines[4]["trace_id"], stream.trace->trace_id);
}

TEST_F(ServerInterceptorTest, CountsMethodsTheServerDoesNotHaveUnderOneSeries) {
  EXPECT_EQ(CallUnknownMethod("/no.Such/Method").error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(CallUnknownMethod("/other.Made.Up/Name").error_code(), grpc::StatusCode::UNIMPLEMENTED);

  const std::string text = Scrape();
  EXPECT_EQ(Sample(text,
                   "grpc_server_handled_total{grpc_code=\"Unimplemented\",grpc_method=\"unknown\","
                   "grpc_service=\"unknown\",grpc_type=\"bidi_stream\"}"),
            2)
      << text;
  EXPECT_EQ(text.find("no.Such"), std::string::npos) << text;
  EXPECT_EQ(text.find("Made.Up"), std::string::npos) << text;

  // The access log still says what was called.
  const std::vector<nlohmann::json> lines = AccessLog();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["service"], "no.Such");
  EXPECT_EQ(lines[0]["method"], "Method");
  EXPECT_EQ(lines[0]["code"], "UNIMPLEMENTED");
}

// Serves Check with the interceptors `factories` until destroyed.
class BareServer {
 public:
  explicit BareServer(
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
          factories) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&health_);
    builder.experimental().SetInterceptorCreators(std::move(factories));
    server_ = builder.BuildAndStart();
  }
  ~BareServer() {
    if (server_ != nullptr) server_->Shutdown();
  }

  grpc::Status Check() {
    auto stub = Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                    grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    HealthCheckResponse response;
    return stub->Check(&context, HealthCheckRequest(), &response);
  }

 private:
  int port_ = 0;
  TestHealthService health_;
  std::unique_ptr<grpc::Server> server_;
};

TEST(AccessLogOptionTest, WritesJsonLinesToStderrUnlessSwitchedOff) {
  prometheus::Registry registry;
  {
    BareServer server(MakeServerInterceptors(
        std::make_shared<CallSinks>(registry, MakeAccessLogger(absl::ZeroDuration()))));
    testing::internal::CaptureStderr();
    EXPECT_TRUE(server.Check().ok());
    const std::string logged = testing::internal::GetCapturedStderr();
    ASSERT_EQ(std::count(logged.begin(), logged.end(), '\n'), 1) << logged;
    EXPECT_TRUE(nlohmann::json::accept(logged)) << logged;
    EXPECT_EQ(nlohmann::json::parse(logged)["code"], "OK");
  }
  {
    // Buffered (the server's default): the line waits in memory, and is written when the
    // logger goes with the server, not lost.
    testing::internal::CaptureStderr();
    {
      BareServer server(MakeServerInterceptors(
          std::make_shared<CallSinks>(registry, MakeAccessLogger(absl::Hours(1)))));
      EXPECT_TRUE(server.Check().ok());
    }
    const std::string logged = testing::internal::GetCapturedStderr();
    ASSERT_EQ(std::count(logged.begin(), logged.end(), '\n'), 1) << logged;
    EXPECT_EQ(nlohmann::json::parse(logged)["code"], "OK");
  }
  {
    BareServer server(MakeServerInterceptors(std::make_shared<CallSinks>(registry, nullptr)));
    testing::internal::CaptureStderr();
    EXPECT_TRUE(server.Check().ok());
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  }
  // Metrics are recorded either way.
  EXPECT_NE(RenderText(registry).find(std::string("grpc_server_handled_total{grpc_code=\"OK\",") +
                                      kHealthLabels + "} 3\n"),
            std::string::npos)
      << RenderText(registry);
}

// The services whose handlers record their own calls (server::CallRunner) get no interceptor:
// nothing is counted or logged for them here, so no call is recorded twice.
TEST(AccessLogOptionTest, LeavesOutTheServicesTheirHandlersRecord) {
  prometheus::Registry registry;
  {
    BareServer server(MakeServerInterceptors(
        std::make_shared<CallSinks>(registry, MakeAccessLogger(absl::ZeroDuration())),
        {"grpc.health.v1.Health"}));
    testing::internal::CaptureStderr();
    EXPECT_TRUE(server.Check().ok());
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  }
  EXPECT_EQ(RenderText(registry).find("grpc_method=\"Check\""), std::string::npos)
      << RenderText(registry);
}

}  // namespace
}  // namespace misc::observability

#include "src/rest/rest_front.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "src/http/tls_context.h"
#include "src/observability/access_log.h"
#include "src/observability/grpc_names.h"
#include "src/observability/trace_context.h"
#include "src/rest/error_response.h"
#include "src/rest/grpc_timeout.h"
#include "src/rest/path_template.h"
#include "src/rest/request_binding.h"
#include "src/status/errors.h"
#include "src/status/grpc_status.h"

namespace misc::rest {

using http::HttpRequest;
using http::HttpResponder;
using http::HttpResponse;
using http::HttpServer;

namespace {

using google::protobuf::Message;
using Serializer = grpc::SerializationTraits<Message>;

constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kTypeUrlPrefix[] = "type.googleapis.com";
// How long /readyz waits for the in-process health service.
constexpr absl::Duration kReadinessTimeout = absl::Seconds(1);
constexpr absl::string_view kHealthzRoute = "/healthz";
constexpr absl::string_view kReadyzRoute = "/readyz";

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// The answer to a failed call, or to a request refused before any call.
HttpResponse ErrorResponse(const grpc::Status& status) {
  HttpResponse response = JsonResponse(HttpStatusOf(status.error_code()), StatusJson(status));
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  return ErrorResponse(status::ToGrpcStatus(status));
}

// A value gRPC accepts as ASCII metadata: printable characters and spaces only.
bool IsMetadataValue(absl::string_view value) {
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

// One gRPC call a request made, alive until its completion callback returns.
struct RestFront::Call {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  const Route* route = nullptr;  // nullptr for a readiness check.
  HttpRequest http;
  std::string path;
  HttpResponder respond;
};

RestFront::RestFront(http::HttpServerOptions options)
    : options_(std::move(options)),
      type_resolver_(google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool())) {}

RestFront::~RestFront() {
  if (http_ == nullptr) return;
  Drain(absl::Now());
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](absl::flat_hash_set<grpc::ClientContext*>* calls) { return calls->empty(); }, &calls_));
}

absl::Status RestFront::Start(const server::FrontEnv& env) {
  absl::StatusOr<RouteTable> routes = RouteTable::Build(env.services);
  if (!routes.ok()) return routes.status();
  routes_ = *std::move(routes);
  channel_ = env.server.InProcessChannel(grpc::ChannelArguments());
  stub_ = std::make_unique<grpc::GenericStub>(channel_);
  metrics_ = std::make_unique<HttpMetrics>(env.metrics);
  access_log_ = env.access_log;
  http::HttpServerOptions options = options_;
  if (env.tls.enabled()) {
    absl::StatusOr<std::unique_ptr<http::TlsContextSource>> tls =
        http::TlsContextSource::Create({.cert_file = env.tls.cert_file,
                                        .key_file = env.tls.key_file,
                                        .client_ca_file = env.tls.client_ca_file,
                                        .refresh_interval = env.tls.refresh_interval});
    if (!tls.ok()) return tls.status();
    options.tls = *std::move(tls);
  }
  absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start(options, *this);
  if (!http.ok()) return http.status();
  http_ = *std::move(http);
  for (const Route& route : routes_->routes()) {
    spdlog::debug("route {} {} -> {}", route.http_method, route.path.text(), route.grpc_method);
  }
  return absl::OkStatus();
}

std::string RestFront::address() const {
  const size_t colon = options_.listen.rfind(':');
  return absl::StrCat(options_.listen.substr(0, colon), ":", http_ == nullptr ? 0 : http_->port());
}

void RestFront::Drain(absl::Time deadline) {
  if (http_ == nullptr) return;
  http_->Drain(deadline);
  // Calls whose connection was closed at the deadline: nobody waits for them any more.
  absl::MutexLock lock(&mu_);
  for (grpc::ClientContext* context : calls_) context->TryCancel();
}

void RestFront::BeginCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calls_.insert(context);
}

void RestFront::EndCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calls_.erase(context);
}

void RestFront::Handle(HttpRequest request, HttpResponder respond) {
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const std::string query =
      question == std::string::npos ? "" : request.target.substr(question + 1);
  if (path == kHealthzRoute || path == kReadyzRoute) {
    const absl::string_view route = path == kHealthzRoute ? kHealthzRoute : kReadyzRoute;
    if (request.method != "GET") {
      HttpResponse response = ErrorResponse(
          absl::UnimplementedError(absl::StrCat(request.method, " is not allowed on ", path)));
      response.status = 405;
      response.headers.emplace_back("Allow", "GET");
      return Finish(request, path, {.route = route}, std::move(response), std::move(respond));
    }
    if (path == kHealthzRoute) {
      return Finish(request, path, {.route = route}, JsonResponse(200, R"({"status":"SERVING"})"),
                    std::move(respond));
    }
    return HandleReadiness(std::move(request), query, std::move(respond));
  }
  RouteMatch match = routes_->Find(request.method, path);
  if (match.route == nullptr) {
    if (match.allowed_methods.empty()) {
      return Finish(request, path, {},
                    ErrorResponse(absl::NotFoundError(absl::StrCat("no route for ", path))),
                    std::move(respond));
    }
    HttpResponse response = ErrorResponse(absl::UnimplementedError(
        absl::StrCat(request.method, " is not allowed on ", path,
                     "; allowed: ", absl::StrJoin(match.allowed_methods, ", "))));
    response.status = 405;
    response.headers.emplace_back("Allow", absl::StrJoin(match.allowed_methods, ", "));
    return Finish(request, path, {}, std::move(response), std::move(respond));
  }
  StartCall(*match.route, match.bindings, std::move(request), path, query, std::move(respond));
}

void RestFront::StartCall(const Route& route, const std::vector<PathBinding>& bindings,
                          HttpRequest request, const std::string& path, absl::string_view query,
                          HttpResponder respond) {
  const Outcome refused{.route = route.path.text()};
  std::unique_ptr<Message> message(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(route.method->input_type())
                                       ->New());
  if (absl::Status bound = BindRequest(route, bindings, query, request.body, *message);
      !bound.ok()) {
    return Finish(request, path, refused, ErrorResponse(bound), std::move(respond));
  }
  auto call = std::make_shared<Call>();
  if (const absl::string_view timeout = request.Header(kGrpcTimeoutHeader); !timeout.empty()) {
    const std::optional<absl::Duration> parsed = ParseGrpcTimeout(timeout);
    if (!parsed.has_value()) {
      return Finish(request, path, refused,
                    ErrorResponse(status::InvalidField(
                        "Grpc-Timeout", "must be 1 to 8 digits and a unit: H, M, S, m, u or n")),
                    std::move(respond));
    }
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + *parsed));
  }
  // The same metadata a gRPC caller sends; the server's handlers tell the difference nowhere.
  for (const absl::string_view key : {"authorization", observability::kTraceParentKey}) {
    const absl::string_view value = request.Header(key);
    if (value.empty()) continue;
    if (!IsMetadataValue(value)) {
      return Finish(
          request, path, refused,
          ErrorResponse(status::InvalidField(key, "holds characters HTTP/2 cannot carry")),
          std::move(respond));
    }
    call->context.AddMetadata(std::string(key), std::string(value));
  }
  bool own_buffer = false;
  if (grpc::Status serialized = Serializer::Serialize(*message, &call->request, &own_buffer);
      !serialized.ok()) {
    return Finish(request, path, refused, ErrorResponse(serialized), std::move(respond));
  }
  call->route = &route;
  call->http = std::move(request);
  call->path = path;
  call->respond = std::move(respond);
  BeginCall(&call->context);
  stub_->UnaryCall(&call->context, route.grpc_method, grpc::StubOptions(), &call->request,
                   &call->response,
                   [this, call](const grpc::Status& status) { CompleteCall(*call, status); });
}

void RestFront::HandleReadiness(HttpRequest request, absl::string_view query,
                                HttpResponder respond) {
  grpc::health::v1::HealthCheckRequest check;
  if (!query.empty()) {
    const std::optional<std::string> service =
        PercentDecode(absl::StripPrefix(query, "service="), /*plus_is_space=*/true);
    if (!absl::StartsWith(query, "service=") || !service.has_value()) {
      return Finish(request, std::string(kReadyzRoute), {.route = kReadyzRoute},
                    ErrorResponse(status::InvalidField("query", "only service=<name> is accepted")),
                    std::move(respond));
    }
    check.set_service(*service);
  }
  auto call = std::make_shared<Call>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + kReadinessTimeout));
  bool own_buffer = false;
  (void)Serializer::Serialize(check, &call->request, &own_buffer);
  call->http = std::move(request);
  call->path = std::string(kReadyzRoute);
  call->respond = std::move(respond);
  BeginCall(&call->context);
  stub_->UnaryCall(&call->context, kHealthCheckMethod, grpc::StubOptions(), &call->request,
                   &call->response,
                   [this, call](const grpc::Status& status) { CompleteCall(*call, status); });
}

void RestFront::CompleteCall(Call& call, const grpc::Status& status) {
  Outcome outcome{.route = call.route == nullptr ? kReadyzRoute : call.route->path.text(),
                  .code = observability::StatusCodeName(status.error_code())};
  const auto& trailers = call.context.GetServerTrailingMetadata();
  std::string traceparent;
  if (auto it = trailers.find(observability::kTraceParentKey); it != trailers.end()) {
    traceparent.assign(it->second.data(), it->second.size());
    if (auto parent = observability::ParseTraceParent(traceparent)) {
      outcome.trace_id = parent->trace_id;
    }
  }
  HttpResponse response;
  if (!status.ok()) {
    response = ErrorResponse(status);
  } else if (call.route == nullptr) {
    grpc::health::v1::HealthCheckResponse health;
    const bool serving = Serializer::Deserialize(&call.response, &health).ok() &&
                         health.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    response = serving ? JsonResponse(200, R"({"status":"SERVING"})")
                       : JsonResponse(503, R"({"status":"NOT_SERVING"})");
  } else {
    // Straight from the answer's bytes to JSON: MessageToJsonString would parse them into a
    // message only to serialize it again for the same converter.
    std::string json;
    google::protobuf::util::Status printed;
    {
      grpc::ProtoBufferReader reader(&call.response);
      google::protobuf::io::StringOutputStream output(&json);
      google::protobuf::util::JsonPrintOptions options;
      options.always_print_primitive_fields = true;
      printed = google::protobuf::util::BinaryToJsonStream(
          type_resolver_.get(),
          absl::StrCat(kTypeUrlPrefix, "/", call.route->method->output_type()->full_name()),
          &reader, &output, options);
    }
    if (!printed.ok()) {
      response = ErrorResponse(absl::InternalError("cannot encode the response"));
      outcome.code = "INTERNAL";
    } else {
      response = JsonResponse(200, std::move(json));
    }
  }
  if (!traceparent.empty()) response.headers.emplace_back("traceparent", std::move(traceparent));
  {
    HttpResponder respond = std::move(call.respond);
    Finish(call.http, call.path, outcome, std::move(response), std::move(respond));
  }  // The responder is gone before the call counts as ended (see ~RestFront).
  EndCall(&call.context);
}

void RestFront::Finish(const HttpRequest& request, absl::string_view path, const Outcome& outcome,
                       HttpResponse response, HttpResponder respond) {
  Record(request, path, outcome, response.status);
  std::move(respond)(std::move(response));
}

void RestFront::Record(const HttpRequest& request, absl::string_view path, const Outcome& outcome,
                       int status) {
  const absl::Time now = absl::Now();
  const absl::Duration duration = now - request.start;
  metrics_->Record(request.method, outcome.route, status, duration);
  if (access_log_ == nullptr) return;
  const std::string line = observability::FormatHttpAccessLog({.time = now,
                                                               .method = request.method,
                                                               .route = outcome.route,
                                                               .path = path,
                                                               .status = status,
                                                               .code = outcome.code,
                                                               .duration = duration,
                                                               .peer = request.peer,
                                                               .trace_id = outcome.trace_id});
  access_log_->log(spdlog::level::info, spdlog::string_view_t(line));
}

HttpResponse RestFront::Refused(int status, absl::string_view reason, absl::string_view peer) {
  HttpResponse response = ErrorResponse(absl::InvalidArgumentError(reason));
  response.status = status;
  HttpRequest request;  // Not read whole: only who sent it is known.
  request.peer = std::string(peer);
  request.start = absl::Now();
  Record(request, "", {}, status);
  return response;
}

}  // namespace misc::rest

#ifndef MISC_SRC_REST_REST_FRONT_H_
#define MISC_SRC_REST_REST_FRONT_H_

#include <google/protobuf/util/type_resolver.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "src/http/http_server.h"
#include "src/rest/http_metrics.h"
#include "src/rest/route_table.h"
#include "src/server/front.h"

namespace misc::rest {

// misc-rest's front: the hosted gRPC services over HTTP/1.1 and JSON, the grpc-gateway way.
// - Routes come from the google.api.http annotations of the services' methods (RouteTable).
// - A request becomes the method's request message (BindRequest) and a gRPC call through the
//   server's in-process channel, so it meets the same handlers, authentication, deadline cap,
//   metrics and access log as a call over the network. `Authorization` and `traceparent`
//   travel as metadata; `Grpc-Timeout` sets the deadline (ParseGrpcTimeout).
// - The response message is answered as JSON (proto3 mapping: lowerCamelCase names, int64 as
//   strings, every scalar field printed); an error as a JSON google.rpc.Status with the HTTP
//   status of its code (HttpStatusOf).
// - GET /healthz answers 200 while the process runs (liveness); GET /readyz the server's
//   gRPC health ("" or ?service=<full name>): 200 SERVING, 503 otherwise, 404 unknown service.
// Every request is counted (HttpMetrics) and, with an access logger, logged in one JSON line.
class RestFront final : public server::Front, public http::HttpHandler {
 public:
  explicit RestFront(http::HttpServerOptions options);
  // Waits for the calls still in flight, then closes the listener.
  ~RestFront() override;
  RestFront(const RestFront&) = delete;
  RestFront& operator=(const RestFront&) = delete;

  // server::Front
  absl::Status Start(const server::FrontEnv& env) override;
  std::string address() const override;
  int max_connections() const override { return options_.max_connections; }
  void Drain(absl::Time deadline) override;

  // HttpHandler
  void Handle(http::HttpRequest request, http::HttpResponder respond) override;
  http::HttpResponse Refused(int status, absl::string_view reason, absl::string_view peer) override;

 private:
  struct Call;
  // What Finish records about a request besides its answer.
  struct Outcome {
    absl::string_view route = "unmatched";
    absl::string_view code;  // The gRPC code's name, "" when no call was made.
    std::string trace_id;
  };

  // Answers GET /readyz[?service=...].
  void HandleReadiness(http::HttpRequest request, absl::string_view query,
                       http::HttpResponder respond);
  // Binds `request` (its `path` matched `route` with `bindings`) to the route's request
  // message and makes the call, or answers why it cannot.
  void StartCall(const Route& route, const std::vector<PathBinding>& bindings,
                 http::HttpRequest request, const std::string& path, absl::string_view query,
                 http::HttpResponder respond);
  // Answers a finished call.
  void CompleteCall(Call& call, const grpc::Status& status);
  // Counts `request`'s answer and writes its access line.
  void Record(const http::HttpRequest& request, absl::string_view path, const Outcome& outcome,
              int status);
  // Records `request`'s answer, then sends it.
  void Finish(const http::HttpRequest& request, absl::string_view path, const Outcome& outcome,
              http::HttpResponse response, http::HttpResponder respond);
  // Registers a call in flight, until EndCall.
  void BeginCall(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  void EndCall(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);

  const http::HttpServerOptions options_;
  // Resolves the generated types for the JSON printer.
  const std::unique_ptr<google::protobuf::util::TypeResolver> type_resolver_;
  std::optional<RouteTable> routes_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<HttpMetrics> metrics_;
  spdlog::logger* access_log_ = nullptr;

  absl::Mutex mu_;
  // The calls in flight, cancelled when the drain's deadline passes.
  absl::flat_hash_set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);

  // Last: stopped before what its handlers use.
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace misc::rest

#endif  // MISC_SRC_REST_REST_FRONT_H_

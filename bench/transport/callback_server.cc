// The ceiling on gRPC's callback API, the API misc-server's services use: each handler
// answers at once on the default reactor.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/transport/ceiling_server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "misc/area/v1/area.grpc.pb.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "misc/rollout/v1/rollout.grpc.pb.h"

namespace misc::transport {
namespace {

// The grace calls in flight get at shutdown before they are cancelled.
constexpr absl::Duration kShutdownGrace = absl::Seconds(1);

// Finishes a unary call with OK on the context's default reactor.
grpc::ServerUnaryReactor* AnswerOk(grpc::CallbackServerContext* context) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  explicit HealthService(const Answers& answers) : answers_(answers) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* /*request*/,
                                  grpc::health::v1::HealthCheckResponse* response) override {
    *response = answers_.Health();
    return AnswerOk(context);
  }

 private:
  const Answers& answers_;
};

// ListGenres is a raw method, as in misc: the request is not parsed, the answer is bytes.
class GenreService final : public genre::v1::GenreService::WithRawCallbackMethod_ListGenres<
                               genre::v1::GenreService::CallbackService> {
 public:
  explicit GenreService(const Answers& answers) : answers_(answers) {}

  grpc::ServerUnaryReactor* ListGenres(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* /*request*/,
                                       grpc::ByteBuffer* response) override {
    *response = answers_.GenresWire();
    return AnswerOk(context);
  }

 private:
  const Answers& answers_;
};

class RolloutService final : public rollout::v1::RolloutService::CallbackService {
 public:
  grpc::ServerUnaryReactor* CheckRolloutTarget(
      grpc::CallbackServerContext* context, const rollout::v1::CheckRolloutTargetRequest* request,
      rollout::v1::CheckRolloutTargetResponse* response) override {
    *response = Answers::Rollout(*request);
    return AnswerOk(context);
  }
};

class AreaService final : public area::v1::AreaService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetArea(grpc::CallbackServerContext* context,
                                    const area::v1::GetAreaRequest* request,
                                    area::v1::GetAreaResponse* response) override {
    *response = Answers::Area(*request);
    return AnswerOk(context);
  }
};

class CallbackServer final : public CeilingServer {
 public:
  explicit CallbackServer(const Answers& answers) : health_(answers), genre_(answers) {}

  absl::Status Start(const std::string& listen, const TransportSettings& settings) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
    ApplyTransportSettings(settings, builder);
    builder.RegisterService(&health_);
    builder.RegisterService(&genre_);
    builder.RegisterService(&rollout_);
    builder.RegisterService(&area_);
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Shutdown() override {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
    server_->Wait();
  }

 private:
  HealthService health_;
  GenreService genre_;
  RolloutService rollout_;
  AreaService area_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CeilingServer>> StartCallbackServer(
    const std::string& listen, const Answers& answers, const TransportSettings& settings) {
  auto server = std::make_unique<CallbackServer>(answers);
  if (absl::Status started = server->Start(listen, settings); !started.ok()) return started;
  return server;
}

}  // namespace misc::transport

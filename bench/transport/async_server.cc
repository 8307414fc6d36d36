// The ceiling on gRPC's asynchronous API: one completion queue per thread, each with calls of
// every served method requested ahead, as gRPC's own benchmark server does.
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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

// Calls of each method kept requested on each queue: enough for the benchmark's 64 calls in
// flight, so that an arriving call never waits for the server to ask for the next one.
constexpr int kRequestsPerMethod = 64;

// Every method of these services is async (or raw), so the server has no synchronous method
// and starts no thread of its own; only the four methods below are ever requested.
using HealthAsync = grpc::health::v1::Health::AsyncService;
using GenreAsync = genre::v1::GenreService::WithRawMethod_ListGenres<
    genre::v1::GenreService::WithAsyncMethod_GetGenre<genre::v1::GenreService::Service>>;
using RolloutAsync = rollout::v1::RolloutService::AsyncService;
using AreaAsync = area::v1::AreaService::AsyncService;

// One completion queue and the thread that drains it. Once it shuts down, no new call may be
// requested on it (gRPC aborts on that), hence the lock around requests.
class Queue {
 public:
  explicit Queue(std::unique_ptr<grpc::ServerCompletionQueue> queue) : queue_(std::move(queue)) {}

  // Runs `request` with the queue unless the queue is shutting down; returns whether it ran.
  bool IfOpen(absl::FunctionRef<void(grpc::ServerCompletionQueue*)> request) {
    absl::ReaderMutexLock lock(&mutex_);
    if (shutting_down_) return false;
    request(queue_.get());
    return true;
  }

  // Starts the thread that hands each completed operation to its call.
  void StartThread();

  // Shuts the queue down and returns once its thread has handled every event left.
  void ShutdownAndJoin() {
    {
      absl::WriterMutexLock lock(&mutex_);
      shutting_down_ = true;
      queue_->Shutdown();
    }
    thread_.join();
  }

 private:
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread thread_;
  absl::Mutex mutex_;
  bool shutting_down_ ABSL_GUARDED_BY(mutex_) = false;
};

// One call in progress, the tag of its pending operation.
class Call {
 public:
  virtual ~Call() = default;

  // Moves the call on once its pending operation has completed; `ok` is false when it did not
  // happen (the server or the queue is shutting down).
  virtual void Proceed(bool ok) = 0;
};

void Queue::StartThread() {
  thread_ = std::thread([this] {
    void* tag = nullptr;
    bool ok = false;
    while (queue_->Next(&tag, &ok)) static_cast<Call*>(tag)->Proceed(ok);
  });
}

// A unary method as the asynchronous API sees it: how to request its next call, and its answer.
template <typename Request, typename Response>
struct UnaryMethod {
  using Writer = grpc::ServerAsyncResponseWriter<Response>;
  std::function<void(grpc::ServerContext*, Request*, Writer*, grpc::ServerCompletionQueue*, void*)>
      request;
  std::function<Response(const Request&)> answer;
};

// One call of `method`: requested, answered, then deleted (by itself, from Proceed).
template <typename Request, typename Response>
class UnaryCall final : public Call {
 public:
  // Requests the next call of `method` on `queue`, unless the queue is shutting down.
  static void Await(const UnaryMethod<Request, Response>& method, Queue& queue) {
    auto* call = new UnaryCall(method, queue);
    if (!queue.IfOpen([&](grpc::ServerCompletionQueue* cq) {
          method.request(&call->context_, &call->request_, &call->writer_, cq, call);
        })) {
      delete call;
    }
  }

  void Proceed(bool ok) override {
    if (!ok || answered_) {
      delete this;
      return;
    }
    Await(method_, queue_);  // Keeps as many calls requested as before this one arrived.
    response_ = method_.answer(request_);
    answered_ = true;
    writer_.Finish(response_, grpc::Status::OK, this);
  }

 private:
  UnaryCall(const UnaryMethod<Request, Response>& method, Queue& queue)
      : method_(method), queue_(queue), writer_(&context_) {}

  const UnaryMethod<Request, Response>& method_;
  Queue& queue_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  typename UnaryMethod<Request, Response>::Writer writer_;
  bool answered_ = false;
};

class AsyncServer final : public CeilingServer {
 public:
  explicit AsyncServer(const Answers& answers)
      : check_{.request =
                   [this](auto* context, auto* request, auto* writer, auto* cq, void* tag) {
                     health_.RequestCheck(context, request, writer, cq, cq, tag);
                   },
               .answer = [&answers](const auto& /*request*/) { return answers.Health(); }},
        list_genres_{
            .request =
                [this](auto* context, auto* request, auto* writer, auto* cq, void* tag) {
                  genre_.RequestListGenres(context, request, writer, cq, cq, tag);
                },
            .answer = [&answers](const auto& /*request*/) { return answers.GenresWire(); }},
        check_rollout_target_{
            .request =
                [this](auto* context, auto* request, auto* writer, auto* cq, void* tag) {
                  rollout_.RequestCheckRolloutTarget(context, request, writer, cq, cq, tag);
                },
            .answer = &Answers::Rollout},
        get_area_{.request =
                      [this](auto* context, auto* request, auto* writer, auto* cq, void* tag) {
                        area_.RequestGetArea(context, request, writer, cq, cq, tag);
                      },
                  .answer = &Answers::Area} {}

  absl::Status Start(const std::string& listen, int threads, const TransportSettings& settings) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
    ApplyTransportSettings(settings, builder);
    builder.RegisterService(&health_);
    builder.RegisterService(&genre_);
    builder.RegisterService(&rollout_);
    builder.RegisterService(&area_);
    for (int i = 0; i < threads; ++i) {
      queues_.push_back(std::make_unique<Queue>(builder.AddCompletionQueue()));
    }
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
    }
    for (const std::unique_ptr<Queue>& queue : queues_) {
      for (int i = 0; i < kRequestsPerMethod; ++i) {
        UnaryCall<grpc::health::v1::HealthCheckRequest,
                  grpc::health::v1::HealthCheckResponse>::Await(check_, *queue);
        UnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>::Await(list_genres_, *queue);
        UnaryCall<rollout::v1::CheckRolloutTargetRequest,
                  rollout::v1::CheckRolloutTargetResponse>::Await(check_rollout_target_, *queue);
        UnaryCall<area::v1::GetAreaRequest, area::v1::GetAreaResponse>::Await(get_area_, *queue);
      }
      queue->StartThread();
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void Shutdown() override {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
    for (const std::unique_ptr<Queue>& queue : queues_) queue->ShutdownAndJoin();
  }

 private:
  HealthAsync health_;
  GenreAsync genre_;
  RolloutAsync rollout_;
  AreaAsync area_;
  UnaryMethod<grpc::health::v1::HealthCheckRequest, grpc::health::v1::HealthCheckResponse> check_;
  UnaryMethod<grpc::ByteBuffer, grpc::ByteBuffer> list_genres_;
  UnaryMethod<rollout::v1::CheckRolloutTargetRequest, rollout::v1::CheckRolloutTargetResponse>
      check_rollout_target_;
  UnaryMethod<area::v1::GetAreaRequest, area::v1::GetAreaResponse> get_area_;
  std::vector<std::unique_ptr<Queue>> queues_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CeilingServer>> StartAsyncServer(const std::string& listen,
                                                                int threads, const Answers& answers,
                                                                const TransportSettings& settings) {
  auto server = std::make_unique<AsyncServer>(answers);
  if (absl::Status started = server->Start(listen, threads, settings); !started.ok()) {
    return started;
  }
  return server;
}

}  // namespace misc::transport

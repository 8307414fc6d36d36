#ifndef MISC_BENCH_LOADGEN_CALLER_H_
#define MISC_BENCH_LOADGEN_CALLER_H_

#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
// SerializationTraits for protobuf messages, which the generic stub needs.
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"
#include "bench/loadgen/methods.h"
#include "bench/loadgen/run_stats.h"

namespace misc::loadgen {

using Clock = std::chrono::steady_clock;

// A stub that calls any unary method by path with any protobuf request and response.
using GenericStub =
    grpc::TemplatedGenericStub<google::protobuf::Message, google::protobuf::Message>;

// The part of a run that is measured: what finishes inside [start, end) is recorded, what
// finishes during the warm-up before it (or the drain after it) is not.
struct Window {
  Clock::time_point start;
  Clock::time_point end;

  bool Contains(Clock::time_point t) const { return t >= start && t < end; }
};

// What every call of a run shares.
struct CallSettings {
  // Each call's deadline, counted from when it starts.
  absl::Duration deadline = absl::Seconds(5);
  // "Bearer <jwt>" values; a logged-in call sends one picked at random.
  std::vector<std::string> authorizations;
};

// Whether a call carries a user token.
enum class Auth { kAnonymous, kLoggedIn };

// Issues the calls of one closed-loop slot over its channel, and records every call that
// finishes inside the window. One per slot; Call may be used from any thread, random() only
// by the operation that currently owns the slot (operations of a slot never overlap).
class Caller {
 public:
  // Runs on a gRPC thread when a call has finished. `response` is only valid during the call.
  using Done = absl::AnyInvocable<void(const grpc::Status& status,
                                       const google::protobuf::Message& response)>;

  // Does not take ownership; everything must outlive the calls.
  Caller(GenericStub* stub, const CallSettings* settings, const Window* window,
         StatsRecorder* recorder)
      : stub_(stub), settings_(settings), window_(window), recorder_(recorder) {}

  // Starts `request` on `method`; `done` runs exactly once, on a gRPC thread.
  void Call(const Method& method, std::unique_ptr<google::protobuf::Message> request, Auth auth,
            Done done);

  // The slot's random source.
  absl::BitGenRef random() { return random_; }

 private:
  GenericStub* stub_;
  const CallSettings* settings_;
  const Window* window_;
  StatsRecorder* recorder_;
  // Not thread-safe; see the class comment for why no lock is needed.
  absl::InsecureBitGen random_;
};

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_CALLER_H_

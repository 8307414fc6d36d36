#ifndef MISC_TEST_FAULTS_LOAD_MIXER_H_
#define MISC_TEST_FAULTS_LOAD_MIXER_H_

// Concurrent load on a misc-server, the mix the BFF sends: database-backed and memory-served
// methods, with and without deadlines, anonymous and logged in. Every call is recorded with
// its start, end and status, so a test can check each one against the bounds it must keep.

#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace misc::faults {

// The methods of the mix.
enum class CallKind {
  // Database-backed.
  kGetRestaurant,
  kListReviews,
  // Memory-served.
  kListGenres,
  kListPrefectures,
  kGetRolloutTargets,
  kHealthCheck,  // grpc.health.v1.Health/Check of "".
};

// Returns "GetRestaurant", "ListReviews", ...
const char* CallKindName(CallKind kind);

// Returns true for the methods that read the database on each call.
bool IsDatabaseBacked(CallKind kind);

// Every kind, database-backed ones first.
std::vector<CallKind> AllCallKinds();

// One finished call.
struct CallRecord {
  CallKind kind;
  bool logged_in = false;
  // The call's deadline from its start; absl::InfiniteDuration() when it had none.
  absl::Duration deadline;
  absl::Time start;
  absl::Time end;
  grpc::StatusCode code = grpc::StatusCode::OK;
  // Still running after LoadOptions::hang_guard: the client cancelled it.
  bool hung = false;

  absl::Duration latency() const { return end - start; }
};

struct LoadOptions {
  // "127.0.0.1:<port>" of the server.
  std::string address;
  // Calls in flight at any time: one worker thread each.
  int concurrency = 32;
  // The methods to mix: each call picks one at random (reproducibly: each worker has its seed).
  std::vector<CallKind> kinds = AllCallKinds();
  // The deadlines of database-backed and of memory-served calls, picked at random;
  // absl::InfiniteDuration() sends a call without a deadline.
  std::vector<absl::Duration> database_deadlines;
  std::vector<absl::Duration> memory_deadlines;
  // The bearer token of logged-in calls: half of the calls, at random, carry it. Empty: all
  // anonymous.
  std::string token;
  // A call still running this long after its start is cancelled by the client and recorded as
  // hung, so that a hanging server cannot hang the test.
  absl::Duration hang_guard = absl::Seconds(5);
  // Restaurant ids 1..restaurants are asked for.
  int restaurants = 300;
  // Client connections (HTTP/2 channels) shared by the workers.
  int channels = 4;
  // Each worker starts a call at most once per `pace` (zero: as soon as the last one ended),
  // so that a server failing fast is not sent more calls than a healthy one.
  absl::Duration pace = absl::ZeroDuration();
};

// Runs the load from construction until Stop (or destruction).
class LoadMixer {
 public:
  explicit LoadMixer(LoadOptions options);
  ~LoadMixer() { Stop(); }
  LoadMixer(const LoadMixer&) = delete;
  LoadMixer& operator=(const LoadMixer&) = delete;

  // Lets each worker finish its call in flight (bounded by hang_guard) and stops. Idempotent.
  void Stop();

  // Returns every call finished so far.
  std::vector<CallRecord> Records() const;

 private:
  void Work(int worker);

  const LoadOptions options_;
  std::atomic<bool> stopping_ = false;
  mutable absl::Mutex mu_;
  std::vector<CallRecord> records_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

// Returns the `q` quantile (0..1) of the latencies of `records`; zero when there are none.
absl::Duration Quantile(const std::vector<CallRecord>& records, double q);

// Returns the records whose start is in [from, to).
std::vector<CallRecord> StartedBetween(const std::vector<CallRecord>& records, absl::Time from,
                                       absl::Time to);

// Returns the database-backed (`database` true) or memory-served records.
std::vector<CallRecord> OfGroup(const std::vector<CallRecord>& records, bool database);

// Returns e.g. "ListReviews deadline=5ms logged_in start=+1.234s took 1.260s: DEADLINE_EXCEEDED"
// (start relative to `origin`).
std::string Describe(const CallRecord& record, absl::Time origin);

}  // namespace misc::faults

#endif  // MISC_TEST_FAULTS_LOAD_MIXER_H_

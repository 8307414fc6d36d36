#ifndef MISC_TEST_OPERATIONS_OPERATIONS_SUPPORT_H_
#define MISC_TEST_OPERATIONS_OPERATIONS_SUPPORT_H_

// Helpers of the operations tests: a small private database per test, a table lock held from
// outside the server (so that its queries block in PostgreSQL), what PostgreSQL sees of the
// server's connections, and gRPC calls that run in the background.

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "misc/area/v1/area.pb.h"
#include "misc/genre/v1/genre.pb.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"

namespace misc::operations {

// What every private database of these tests holds (CreateOperationsDatabase).
inline constexpr int64_t kRestaurantId = 1;
inline constexpr char kRestaurantName[] = "すし処 一";
inline constexpr char kGenreName[] = "和食";
inline constexpr char kPrefectureName[] = "東京都";

// The full names of the services misc-server hosts: each has a readiness health status of
// its own, next to "" (the whole server) and "liveness".
const std::vector<std::string>& HostedServices();

// Flags that make a server notice changes quickly: readiness re-checked every 200ms and the
// in-memory snapshots (areas, genres, rollout targets) retried every second; no access log.
std::vector<std::string> FastReadinessFlags();

// Creates a migrated private database `<prefix>_<pid>_<n>` holding one prefecture, area,
// genre and restaurant (kRestaurantId). Returns its URL, or "" after a test failure.
std::string CreateOperationsDatabase(std::string_view prefix);

// An ACCESS EXCLUSIVE lock on a table of a test database, held by a transaction on a
// connection of the test's own until Release (or destruction): every query of the server that
// reads the table waits for it inside PostgreSQL.
class TableLock {
 public:
  // Returns the lock once granted, or nullptr after a test failure.
  static std::unique_ptr<TableLock> Acquire(const std::string& url, const std::string& table);
  ~TableLock();
  TableLock(const TableLock&) = delete;
  TableLock& operator=(const TableLock&) = delete;

  // Ends the transaction (commit), letting the waiting queries run. Idempotent.
  void Release();

 private:
  TableLock(std::unique_ptr<pqxx::connection> connection, std::unique_ptr<pqxx::work> work)
      : connection_(std::move(connection)), work_(std::move(work)) {}

  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::work> work_;
};

// Returns how many connections the server (application_name 'misc') holds to the database of
// `url`, as pg_stat_activity sees them; -1 after a test failure.
int64_t ServerConnections(const std::string& url);

// Returns how many of those are running a query that waits for a lock; -1 after a failure.
int64_t ServerQueriesWaitingForLock(const std::string& url);

// Returns how many file descriptors process `pid` has open; -1 when it cannot tell.
int64_t OpenFds(pid_t pid);

// The "fd budget: ..." line a server logs at start (src/server/fd_budget.h).
struct LoggedFdBudget {
  int64_t limit = -1;
  int64_t database = -1;
  int64_t listeners = -1;
  int64_t metrics_connections = -1;
  int64_t reserved = -1;
  int64_t client_connections = -1;
};

// Returns the budget parsed from a server's `output`; every field -1 when the line is missing.
LoggedFdBudget ParseFdBudget(const std::string& output);

// Writes a script that runs `binary` under RLIMIT_NOFILE `limit` (soft and hard, so the server
// cannot raise it) and returns its path.
std::string UnderFdLimit(const std::string& binary, int limit);

// Returns a socket listening on 127.0.0.1 that never accepts, and stores its port in `port`;
// -1 after a test failure. Without SO_REUSEPORT, so nobody else can bind the port, and with a
// backlog, so connections to it complete but are never answered.
int NeverAnsweringListener(int* port);

// Returns the status `name` reports through grpc.health.v1 on `channel`, or UNKNOWN when the
// check itself fails (server gone, name unknown).
grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& name);

// Unary calls on a new stub of `channel`, with a deadline `timeout` from now. Fill `response`
// when not nullptr.
grpc::Status GetRestaurant(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                           restaurant::v1::GetRestaurantResponse* response = nullptr);
grpc::Status ListGenres(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                        genre::v1::ListGenresResponse* response = nullptr);
grpc::Status ListPrefectures(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                             area::v1::ListPrefecturesResponse* response = nullptr);

// One unary call running in the background on gRPC's callback API, so a test can start many
// at once, watch the server meanwhile and cancel them. Destroying it cancels the call if it
// still runs and waits for its end.
template <typename Request, typename Response>
class PendingCall {
 public:
  // `timeout`: the call's deadline from now; absl::InfiniteDuration() for none.
  PendingCall(Request request, absl::Duration timeout) : request_(std::move(request)) {
    if (timeout != absl::InfiniteDuration()) {
      context_.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    }
  }
  ~PendingCall() {
    if (started_ && !done_.HasBeenNotified()) {
      context_.TryCancel();
      done_.WaitForNotification();
    }
  }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  // Starts the call: `method` is a generated async method bound to its stub, e.g.
  // [&stub](auto... args) { stub.async()->GetRestaurant(args...); }.
  template <typename Method>
  void Start(Method method) {
    started_ = true;
    method(&context_, &request_, &response_, [this](grpc::Status status) {
      status_ = std::move(status);
      finished_ = absl::Now();
      done_.Notify();
    });
  }

  // Waits up to `timeout` for the end of the call; returns true when it has ended.
  bool Wait(absl::Duration timeout) { return done_.WaitForNotificationWithTimeout(timeout); }
  bool done() const { return done_.HasBeenNotified(); }
  // Cancels the call (the client's ClientContext::TryCancel).
  void Cancel() { context_.TryCancel(); }

  // Valid once done().
  const grpc::Status& status() const { return status_; }
  const Response& response() const { return response_; }
  absl::Time finished() const { return finished_; }

 private:
  grpc::ClientContext context_;
  Request request_;
  Response response_;
  bool started_ = false;
  grpc::Status status_;
  absl::Time finished_;
  absl::Notification done_;
};

using PendingGetRestaurant =
    PendingCall<restaurant::v1::GetRestaurantRequest, restaurant::v1::GetRestaurantResponse>;
using PendingListGenres = PendingCall<genre::v1::ListGenresRequest, genre::v1::ListGenresResponse>;

// Starts GetRestaurant(kRestaurantId) on `stub` with `timeout` (InfiniteDuration: no deadline).
std::unique_ptr<PendingGetRestaurant> StartGetRestaurant(
    restaurant::v1::RestaurantService::Stub& stub, absl::Duration timeout);

// Calls `sample` every `every` on a thread of its own until Stop (or destruction), keeping
// the largest value seen and how many samples were taken.
class MaxSampler {
 public:
  MaxSampler(std::function<int64_t()> sample, absl::Duration every);
  ~MaxSampler() { Stop(); }
  MaxSampler(const MaxSampler&) = delete;
  MaxSampler& operator=(const MaxSampler&) = delete;

  void Stop();
  int64_t max() const;
  int samples() const;

 private:
  mutable absl::Mutex mu_;
  int64_t max_ ABSL_GUARDED_BY(mu_) = -1;
  int samples_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace misc::operations

#endif  // MISC_TEST_OPERATIONS_OPERATIONS_SUPPORT_H_

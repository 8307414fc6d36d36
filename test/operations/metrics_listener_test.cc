// The metrics listener (--metrics_listen) of the real server binaries: slow clients (slowloris)
// neither keep GET /metrics from answering nor take descriptors beyond the listener's share of
// the fd budget, and each is closed by the whole-request deadline however steadily it trickles;
// connections over the listener's cap are closed at once; GET /healthz (liveness) and
// GET /readyz (readiness: the server's overall gRPC health) answer the probes that cannot reach
// the gRPC port.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/operations/operations_support.h"
#include "test/support/database_cutoff.h"
#include "test/support/eventually.h"
#include "test/support/loopback_socket.h"
#include "test/support/misc_server.h"

namespace misc::operations {
namespace {

using ::misc::testing::Eventually;
using ::misc::testing::ServerProcess;

// The metrics listener's bounds (src/observability/metrics_server.h, docs/operations.md).
constexpr absl::Duration kRequestDeadline = absl::Seconds(5);
constexpr int kMaxConnections = 128;

// The issue's figures: 50 slow clients, one header byte every 200 ms each (a per-read timeout of
// a second never fires), and /metrics answered within a second all the while.
constexpr int kSlowClients = 50;
constexpr absl::Duration kTrickleEvery = absl::Milliseconds(200);
constexpr absl::Duration kAnswerWithin = absl::Seconds(1);
// How long /metrics is asked while the slow clients hold on: longer than the request deadline,
// so that the slow clients the deadline closed are reconnecting meanwhile, as an attacker would.
constexpr absl::Duration kScrapeFor = absl::Seconds(7);
constexpr absl::Duration kScrapeEvery = absl::Milliseconds(250);
// A limit of its own, so that the budget the server logs is a real bound: 512 = 5 database +
// 2 listeners + 128 metrics connections + 64 reserved + 313 client connections.
constexpr int kFdLimit = 512;
// Descriptors the budget does not name that the test's own probes may hold for a moment: the
// gRPC health connections ServerProcess::Start opened (possibly still closing) and the
// scrape in flight.
constexpr int64_t kProbeSlack = 8;
// Bound of every wait for a state change.
constexpr absl::Duration kWithin = absl::Seconds(15);

// One answer of the metrics listener, or why there was none.
struct Answer {
  int status = 0;  // 0: no answer.
  std::string body;
  std::string error;
  absl::Duration took;
};

// GET `path` on 127.0.0.1:`port`, on a new connection, waiting at most `timeout` for each step.
Answer Get(int port, const std::string& path, absl::Duration timeout = absl::Seconds(3)) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(absl::ToChronoMilliseconds(timeout));
  client.set_read_timeout(absl::ToChronoMilliseconds(timeout));
  client.set_write_timeout(absl::ToChronoMilliseconds(timeout));
  Answer answer;
  const absl::Time start = absl::Now();
  httplib::Result result = client.Get(path);
  answer.took = absl::Now() - start;
  if (result) {
    answer.status = result->status;
    answer.body = result->body;
  } else {
    answer.error = httplib::to_string(result.error());
  }
  return answer;
}

std::string Describe(const Answer& answer) {
  return absl::StrCat(answer.status == 0 ? answer.error : absl::StrCat(answer.status), " after ",
                      absl::FormatDuration(answer.took));
}

// Succeeds once GET /readyz on `port` answers `status`, within kWithin.
::testing::AssertionResult ReadyzBecomes(const ServerProcess& server, int port, int status) {
  Answer readiness;
  if (Eventually(
          [&] {
            readiness = Get(port, "/readyz");
            return readiness.status == status;
          },
          kWithin)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << Describe(readiness) << "\n" << server.Output();
}

// `count` clients of 127.0.0.1:`port` that each send a request line, then one header byte
// every `every`, never ending the request. A connection the server closes is opened again at
// the next tick, as an attacker would; how long each client's first connection lasted is kept.
class SlowClients {
 public:
  SlowClients(int port, int count, absl::Duration every)
      : port_(port), slots_(static_cast<size_t>(count)) {
    thread_ = std::thread([this, every] {
      while (!stop_.WaitForNotificationWithTimeout(every)) Tick();
    });
  }
  ~SlowClients() { Stop(); }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  // Stops trickling and closes every connection.
  void Stop() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    if (thread_.joinable()) thread_.join();
    for (Slot& slot : slots_) {
      if (slot.fd >= 0) close(slot.fd);
      slot.fd = -1;
    }
  }

  // Connections open now (as far as the client can tell).
  int open() const {
    absl::MutexLock lock(&mu_);
    return open_;
  }
  // Connections the server closed so far.
  int closed_by_server() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  // How long each first connection lasted, from its first byte to its close by the server, for
  // those the server has closed.
  std::vector<absl::Duration> first_lifetimes() const {
    absl::MutexLock lock(&mu_);
    return first_lifetimes_;
  }

 private:
  struct Slot {
    int fd = -1;
    absl::Time opened;
    bool first = true;
  };

  // Whether the server closed (or reset) `fd`; reads and drops whatever it sent before.
  static bool ClosedByServer(int fd) {
    char buffer[1024];
    while (true) {
      const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n > 0) continue;
      if (n == 0) return true;
      return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
  }

  void Tick() {
    int open = 0;
    int closed = 0;
    std::vector<absl::Duration> lifetimes;
    for (Slot& slot : slots_) {
      if (slot.fd >= 0 &&
          (ClosedByServer(slot.fd) || send(slot.fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)) {
        ++closed;
        if (slot.first) lifetimes.push_back(absl::Now() - slot.opened);
        slot.first = false;
        close(slot.fd);
        slot.fd = -1;
      }
      if (slot.fd < 0) {
        slot.fd = misc::testing::ConnectLoopback(port_);
        slot.opened = absl::Now();
        if (slot.fd >= 0 &&
            !misc::testing::SendAll(slot.fd, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")) {
          close(slot.fd);
          slot.fd = -1;
        }
      }
      if (slot.fd >= 0) ++open;
    }
    absl::MutexLock lock(&mu_);
    open_ = open;
    closed_ += closed;
    first_lifetimes_.insert(first_lifetimes_.end(), lifetimes.begin(), lifetimes.end());
  }

  const int port_;
  std::vector<Slot> slots_;  // Only the thread touches them (and Stop, once it is joined).
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  int closed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Duration> first_lifetimes_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread thread_;
};

TEST(MetricsListenerTest, SlowClientsNeitherDelayMetricsNorExceedTheFdBudgetAndMeetTheDeadline) {
  const std::string database_url = CreateOperationsDatabase("ops_slowloris");
  ASSERT_FALSE(database_url.empty());
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(
      database_url, FastReadinessFlags(), UnderFdLimit(MISC_SERVER_BINARY, kFdLimit));
  ASSERT_NE(server, nullptr);
  const int port = server->MetricsPort();
  ASSERT_GT(port, 0) << server->Output();
  const LoggedFdBudget budget = ParseFdBudget(server->Output());
  ASSERT_EQ(budget.limit, kFdLimit) << server->Output();
  const pid_t pid = server->process().pid();
  const int64_t fds_before = OpenFds(pid);
  ASSERT_GT(fds_before, 0);
  MaxSampler fds([pid] { return OpenFds(pid); }, absl::Milliseconds(20));

  SlowClients slow(port, kSlowClients, kTrickleEvery);
  ASSERT_TRUE(Eventually([&] { return slow.open() == kSlowClients; }, kWithin))
      << slow.open() << " slow clients connected";
  // Trickling for a while already: a server bounding each read, not the whole request, would
  // still hold every one of them.
  absl::SleepFor(absl::Seconds(1));

  std::vector<std::string> slow_answers;
  int scrapes = 0;
  absl::Duration slowest;
  const absl::Time scraping_ends = absl::Now() + kScrapeFor;
  while (absl::Now() < scraping_ends) {
    const Answer metrics = Get(port, "/metrics");
    ++scrapes;
    slowest = std::max(slowest, metrics.took);
    if (metrics.status != 200 || metrics.took >= kAnswerWithin ||
        !absl::StrContains(metrics.body, "process_open_fds")) {
      slow_answers.push_back(absl::StrCat("/metrics: ", Describe(metrics), " with ", slow.open(),
                                          " slow clients connected"));
    }
    const Answer liveness = Get(port, "/healthz");
    if (liveness.status != 200 || liveness.took >= kAnswerWithin) {
      slow_answers.push_back(absl::StrCat("/healthz: ", Describe(liveness)));
    }
    absl::SleepFor(kScrapeEvery);
  }
  EXPECT_TRUE(slow_answers.empty()) << slow_answers.size() << " answers too slow or missing in "
                                    << scrapes << " rounds, e.g. " << slow_answers.front();
  EXPECT_GE(scrapes, 10);
  std::cout << scrapes << " scrapes with " << kSlowClients << " slow clients, the slowest in "
            << absl::FormatDuration(slowest) << "\n";

  // Every first connection was closed by the server at the deadline, not before (the trickle
  // kept it busy) and not much after.
  ASSERT_TRUE(Eventually([&] { return slow.first_lifetimes().size() == kSlowClients; },
                         kRequestDeadline + absl::Seconds(5)))
      << slow.first_lifetimes().size() << " of " << kSlowClients
      << " slow clients were closed by the server";
  for (const absl::Duration lifetime : slow.first_lifetimes()) {
    EXPECT_GE(lifetime, kRequestDeadline - absl::Milliseconds(500));
    EXPECT_LE(lifetime, kRequestDeadline + absl::Seconds(2));
  }
  slow.Stop();
  fds.Stop();

  // The slow clients really held descriptors (the bound below is not vacuous), and never more
  // than the budget's share: its pooled connections, listeners, the metrics listener's cap and
  // the reserve, far below the limit the server logged.
  EXPECT_GE(fds.max(), fds_before + kSlowClients - kProbeSlack)
      << "over " << fds.samples() << " samples";
  EXPECT_LE(fds.max(), budget.limit);
  EXPECT_LE(fds.max(), budget.database + budget.listeners + budget.metrics_connections +
                           budget.reserved + kProbeSlack)
      << "before the slow clients: " << fds_before << " descriptors";
}

TEST(MetricsListenerTest, ConnectionsOverTheCapAreClosedAtOnceAndTheFdBudgetHolds) {
  const std::string database_url = CreateOperationsDatabase("ops_metrics_cap");
  ASSERT_FALSE(database_url.empty());
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(
      database_url, FastReadinessFlags(), UnderFdLimit(MISC_SERVER_BINARY, kFdLimit));
  ASSERT_NE(server, nullptr);
  const int port = server->MetricsPort();
  ASSERT_GT(port, 0) << server->Output();
  const LoggedFdBudget budget = ParseFdBudget(server->Output());
  ASSERT_EQ(budget.metrics_connections, kMaxConnections) << server->Output();
  const pid_t pid = server->process().pid();
  MaxSampler fds([pid] { return OpenFds(pid); }, absl::Milliseconds(20));

  // The cap's worth of connections, each with half a request, held by the server...
  std::vector<int> held;
  for (int i = 0; i < kMaxConnections; ++i) {
    const int fd = misc::testing::ConnectLoopback(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(misc::testing::SendAll(fd, "GET /metrics HTTP/1.1\r\n"));
    held.push_back(fd);
  }
  // ...so that one more is closed as soon as it is accepted (a queue would keep it waiting).
  ASSERT_TRUE(Eventually(
      [&] {
        const int extra = misc::testing::ConnectLoopback(port);
        const bool closed = misc::testing::ClosedByPeerWithin(extra, absl::Milliseconds(500));
        close(extra);
        return closed;
      },
      kWithin));
  // The deadline frees the slots; then the listener answers again.
  for (const int fd : held) {
    EXPECT_TRUE(misc::testing::ClosedByPeerWithin(fd, kRequestDeadline + absl::Seconds(5)));
    close(fd);
  }
  Answer metrics;
  EXPECT_TRUE(Eventually(
      [&] {
        metrics = Get(port, "/metrics");
        return metrics.status == 200;
      },
      kWithin))
      << Describe(metrics);
  fds.Stop();
  EXPECT_LE(fds.max(), budget.database + budget.listeners + budget.metrics_connections +
                           budget.reserved + kProbeSlack)
      << "over " << fds.samples() << " samples";
}

TEST(MetricsListenerTest, HealthzAndReadyzAnswer200WhileServing) {
  const std::string database_url = CreateOperationsDatabase("ops_probes");
  ASSERT_FALSE(database_url.empty());
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url, FastReadinessFlags());
  ASSERT_NE(server, nullptr);
  const int port = server->MetricsPort();
  ASSERT_GT(port, 0) << server->Output();
  for (const std::string path : {"/healthz", "/readyz"}) {
    const Answer answer = Get(port, path);
    EXPECT_EQ(answer.status, 200) << path << ": " << Describe(answer);
    EXPECT_EQ(answer.body, R"({"status":"SERVING"})") << path;
  }
  const Answer unknown = Get(port, "/livez");
  EXPECT_EQ(unknown.status, 404) << Describe(unknown);
}

// misc-server started while its database refuses connections: alive (200) but not ready (503)
// until the database is back.
TEST(MetricsListenerTest, ReadyzIs503UntilTheDatabaseAnswersWhileHealthzStays200) {
  const std::string database_url = CreateOperationsDatabase("ops_probes_db");
  ASSERT_FALSE(database_url.empty());
  ASSERT_TRUE(misc::testing::CutOffDatabase(database_url).ok());
  std::unique_ptr<ServerProcess> server =
      ServerProcess::StartUnready(database_url, FastReadinessFlags());
  ASSERT_NE(server, nullptr);
  int port = 0;
  ASSERT_TRUE(Eventually([&] { return (port = server->MetricsPort()) > 0; }, kWithin));
  for (int look = 0; look < 5; ++look) {
    const Answer readiness = Get(port, "/readyz");
    EXPECT_EQ(readiness.status, 503) << "look " << look << ": " << Describe(readiness);
    EXPECT_EQ(readiness.body, R"({"status":"NOT_SERVING"})");
    const Answer liveness = Get(port, "/healthz");
    EXPECT_EQ(liveness.status, 200) << "look " << look << ": " << Describe(liveness);
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(misc::testing::RestoreDatabase(database_url).ok());
  EXPECT_TRUE(ReadyzBecomes(*server, port, 200));
}

// A split binary whose only service needs the database: its readiness follows an outage.
TEST(MetricsListenerTest, SplitBinaryReadyzFollowsADatabaseOutage) {
  const std::string database_url = CreateOperationsDatabase("ops_probes_split");
  ASSERT_FALSE(database_url.empty());
  // It has no snapshots of its own (and no flags for them): readiness is the database's.
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(
      database_url, {"--readiness_interval=200ms", "--access_log=false"}, MISC_RESTAURANT_BINARY);
  ASSERT_NE(server, nullptr);
  const int port = server->MetricsPort();
  ASSERT_GT(port, 0) << server->Output();
  EXPECT_EQ(Get(port, "/readyz").status, 200);

  ASSERT_TRUE(misc::testing::CutOffDatabase(database_url).ok());
  EXPECT_TRUE(ReadyzBecomes(*server, port, 503));
  EXPECT_EQ(Get(port, "/healthz").status, 200);

  ASSERT_TRUE(misc::testing::RestoreDatabase(database_url).ok());
  EXPECT_TRUE(ReadyzBecomes(*server, port, 200));
}

TEST(MetricsListenerTest, SigtermTurnsReadyz503ForTheShutdownDelayWhileHealthzStays200) {
  const std::string database_url = CreateOperationsDatabase("ops_probes_term");
  ASSERT_FALSE(database_url.empty());
  constexpr absl::Duration kShutdownDelay = absl::Seconds(3);
  std::vector<std::string> flags = FastReadinessFlags();
  flags.push_back(absl::StrCat("--shutdown_delay=", absl::FormatDuration(kShutdownDelay)));
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url, flags);
  ASSERT_NE(server, nullptr);
  const int port = server->MetricsPort();
  ASSERT_GT(port, 0) << server->Output();
  ASSERT_EQ(Get(port, "/readyz").status, 200);

  const absl::Time signalled = absl::Now();
  server->process().Signal(SIGTERM);
  Answer readiness;
  ASSERT_TRUE(Eventually(
      [&] {
        readiness = Get(port, "/readyz");
        return readiness.status != 200;
      },
      kWithin, absl::Milliseconds(10)));
  EXPECT_EQ(readiness.status, 503) << Describe(readiness);
  const Answer liveness = Get(port, "/healthz");
  EXPECT_EQ(liveness.status, 200) << Describe(liveness);
  const Answer metrics = Get(port, "/metrics");
  EXPECT_EQ(metrics.status, 200) << Describe(metrics);
  EXPECT_LT(absl::Now() - signalled, kShutdownDelay)
      << "the checks above ran after the shutdown delay, so they prove nothing about it";
  const absl::StatusOr<int> exit_code = server->process().Wait(kWithin);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status() << "\n" << server->Output();
  EXPECT_EQ(*exit_code, 0) << server->Output();
}

}  // namespace
}  // namespace misc::operations

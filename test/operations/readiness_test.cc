// Readiness of the real misc-server against the real PostgreSQL: health follows what the
// process can serve (database reachable, schema new enough), memory-served calls keep
// answering through an outage, database calls fail fast, and everything recovers without a
// restart.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "test/operations/operations_support.h"
#include "test/support/database_cutoff.h"
#include "test/support/eventually.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"

namespace misc::operations {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::misc::testing::Eventually;
using ::misc::testing::ServerProcess;

// Readiness is re-checked every 200ms (FastReadinessFlags): a change must show within a few
// intervals; the rest is slack for a loaded machine.
constexpr absl::Duration kReadinessFollowsWithin = absl::Seconds(10);
// The snapshots of a server started without its database are retried every second.
constexpr absl::Duration kRecoversWithin = absl::Seconds(15);
// A deadline far beyond what failing fast takes: a call that hangs instead ends
// DEADLINE_EXCEEDED, not UNAVAILABLE.
constexpr absl::Duration kGenerousDeadline = absl::Seconds(10);

// Returns "" when the whole server ("") and every hosted service report `status`; otherwise
// what each of them reports, and liveness, as seen by this one look.
std::string ReadinessOtherThan(const std::shared_ptr<grpc::Channel>& channel,
                               HealthCheckResponse::ServingStatus status) {
  std::vector<std::string> names = {""};
  names.insert(names.end(), HostedServices().begin(), HostedServices().end());
  bool all = true;
  std::string seen;
  for (const std::string& name : names) {
    const HealthCheckResponse::ServingStatus reported = HealthOf(channel, name);
    all = all && reported == status;
    absl::StrAppend(&seen, "\"", name, "\"=", HealthCheckResponse::ServingStatus_Name(reported),
                    " ");
  }
  if (all) return "";
  absl::StrAppend(
      &seen, "liveness=", HealthCheckResponse::ServingStatus_Name(HealthOf(channel, "liveness")));
  return seen;
}

// Waits up to `timeout` for every readiness name to report `status`; returns "" once they
// do, otherwise what the last look saw.
std::string AwaitReadiness(const std::shared_ptr<grpc::Channel>& channel,
                           HealthCheckResponse::ServingStatus status, absl::Duration timeout) {
  std::string seen;
  Eventually(
      [&] {
        seen = ReadinessOtherThan(channel, status);
        return seen.empty();
      },
      timeout);
  return seen;
}

class ReadinessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_url_ = CreateOperationsDatabase("ops_readiness");
    ASSERT_FALSE(database_url_.empty());
  }

  void TearDown() override {
    // Whatever the test did, let connections in again so the database can be inspected.
    misc::testing::RestoreDatabase(database_url_).IgnoreError();
  }

  void CutOff() {
    const absl::Status done = misc::testing::CutOffDatabase(database_url_);
    ASSERT_TRUE(done.ok()) << done;
  }
  void Restore() {
    const absl::Status done = misc::testing::RestoreDatabase(database_url_);
    ASSERT_TRUE(done.ok()) << done;
  }
  void Sql(const std::string& sql) {
    const absl::Status done = misc::testing::ExecuteSql(database_url_, sql);
    ASSERT_TRUE(done.ok()) << done;
  }

  std::string database_url_;
};

TEST_F(ReadinessTest, StartedWithoutItsDatabaseStaysUpNotServingThenServesOnceItIsBack) {
  ASSERT_NO_FATAL_FAILURE(CutOff());
  std::unique_ptr<ServerProcess> server =
      ServerProcess::StartUnready(database_url_, FastReadinessFlags());
  ASSERT_NE(server, nullptr);
  const auto channel = server->channel();

  // Not ready, for several readiness intervals, yet alive.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(ReadinessOtherThan(channel, HealthCheckResponse::NOT_SERVING), "")
        << "look " << i << " after the server became reachable\n"
        << server->Output();
    EXPECT_EQ(HealthOf(channel, "liveness"), HealthCheckResponse::SERVING);
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(server->process().Running());
  EXPECT_NE(server->Output().find("database unreachable"), std::string::npos) << server->Output();

  ASSERT_NO_FATAL_FAILURE(Restore());
  EXPECT_EQ(AwaitReadiness(channel, HealthCheckResponse::SERVING, kRecoversWithin), "")
      << server->Output();
  restaurant::v1::GetRestaurantResponse response;
  const grpc::Status status = GetRestaurant(channel, kGenerousDeadline, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.restaurant().name(), kRestaurantName);
  EXPECT_EQ(HealthOf(channel, "liveness"), HealthCheckResponse::SERVING);
}

TEST(UnresponsiveDatabaseTest, ServerNeverReportsServingWhileItsDatabaseDoesNotAnswer) {
  // A "database" that accepts connections and never answers: each connection attempt of the
  // server takes the whole --db_connect_timeout, so every readiness check does too.
  int port = 0;
  const int listener = NeverAnsweringListener(&port);
  ASSERT_GE(listener, 0);
  std::vector<std::string> flags = FastReadinessFlags();
  flags.push_back("--db_connect_timeout=1s");
  std::unique_ptr<ServerProcess> server = ServerProcess::StartUnready(
      absl::StrCat("postgresql://misc@127.0.0.1:", port, "/unresponsive"), flags);
  ASSERT_NE(server, nullptr);
  const auto channel = server->channel();

  // From the first moment the server accepts calls, through several connect timeouts, no
  // readiness name may say SERVING: a load balancer would send it traffic it cannot serve.
  std::vector<std::string> serving;
  const absl::Time started = absl::Now();
  while (absl::Now() < started + absl::Seconds(4)) {
    for (const std::string& name : {std::string(""), HostedServices().front()}) {
      if (HealthOf(channel, name) == HealthCheckResponse::SERVING) {
        serving.push_back(absl::StrCat("\"", name, "\" SERVING after ",
                                       absl::FormatDuration(absl::Now() - started)));
      }
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(serving.empty()) << serving.size() << " checks answered SERVING, first: "
                               << (serving.empty() ? "" : serving.front()) << "\n"
                               << server->Output();
  EXPECT_EQ(HealthOf(channel, "liveness"), HealthCheckResponse::SERVING);
  EXPECT_EQ(HealthOf(channel, ""), HealthCheckResponse::NOT_SERVING) << server->Output();
  close(listener);
}

TEST_F(ReadinessTest, DatabaseOutageTurnsDatabaseServicesNotServingKeepsMemoryServicesAndRecovers) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url_, FastReadinessFlags());
  ASSERT_NE(server, nullptr);
  const auto channel = server->channel();
  const pid_t pid = server->process().pid();
  // The pool now holds an open connection that the outage will break.
  ASSERT_TRUE(GetRestaurant(channel, kGenerousDeadline).ok());

  ASSERT_NO_FATAL_FAILURE(CutOff());
  // Readiness is per service: the services that need the database go NOT_SERVING; those
  // served from memory, and so "" (any service SERVING), stay SERVING.
  EXPECT_TRUE(Eventually(
      [&] {
        return HealthOf(channel, "misc.restaurant.v1.RestaurantService") ==
                   HealthCheckResponse::NOT_SERVING &&
               HealthOf(channel, "misc.review.v1.ReviewService") ==
                   HealthCheckResponse::NOT_SERVING;
      },
      kReadinessFollowsWithin))
      << server->Output();
  for (const std::string name : {"", "misc.area.v1.AreaService", "misc.genre.v1.GenreService",
                                 "misc.rollout.v1.RolloutService", "liveness"}) {
    EXPECT_EQ(HealthOf(channel, name), HealthCheckResponse::SERVING) << "\"" << name << "\"";
  }

  // Memory-served calls answer from their last snapshot.
  genre::v1::ListGenresResponse genres;
  grpc::Status status = ListGenres(channel, kGenerousDeadline, &genres);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  ASSERT_EQ(genres.genres_size(), 1);
  EXPECT_EQ(genres.genres(0).name(), kGenreName);
  area::v1::ListPrefecturesResponse prefectures;
  status = ListPrefectures(channel, kGenerousDeadline, &prefectures);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  ASSERT_EQ(prefectures.prefectures_size(), 1);
  EXPECT_EQ(prefectures.prefectures(0).name(), kPrefectureName);

  // Database calls fail fast with UNAVAILABLE; a hanging call would end DEADLINE_EXCEEDED.
  for (int i = 0; i < 3; ++i) {
    status = GetRestaurant(channel, kGenerousDeadline);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }

  ASSERT_NO_FATAL_FAILURE(Restore());
  EXPECT_EQ(AwaitReadiness(channel, HealthCheckResponse::SERVING, kReadinessFollowsWithin), "")
      << server->Output();
  restaurant::v1::GetRestaurantResponse response;
  status = GetRestaurant(channel, kGenerousDeadline, &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
  EXPECT_EQ(response.restaurant().name(), kRestaurantName);
  EXPECT_EQ(server->process().pid(), pid);
  EXPECT_TRUE(server->process().Running());
}

TEST_F(ReadinessTest, SchemaOlderThanTheBinaryIsNotServingUntilMigrated) {
  std::unique_ptr<ServerProcess> server = ServerProcess::Start(database_url_, FastReadinessFlags());
  ASSERT_NE(server, nullptr);
  const auto channel = server->channel();

  // The schema now reads as version 0, older than this build's: as if never migrated.
  ASSERT_NO_FATAL_FAILURE(
      Sql("CREATE TABLE schema_migrations_saved AS SELECT * FROM schema_migrations;"
          "DELETE FROM schema_migrations"));
  EXPECT_EQ(AwaitReadiness(channel, HealthCheckResponse::NOT_SERVING, kReadinessFollowsWithin), "")
      << server->Output();
  EXPECT_TRUE(Eventually([&] { return server->Output().find("older than") != std::string::npos; },
                         kReadinessFollowsWithin))
      << server->Output();
  EXPECT_EQ(HealthOf(channel, "liveness"), HealthCheckResponse::SERVING);

  ASSERT_NO_FATAL_FAILURE(
      Sql("INSERT INTO schema_migrations SELECT * FROM schema_migrations_saved"));
  EXPECT_EQ(AwaitReadiness(channel, HealthCheckResponse::SERVING, kReadinessFollowsWithin), "")
      << server->Output();
}

}  // namespace
}  // namespace misc::operations

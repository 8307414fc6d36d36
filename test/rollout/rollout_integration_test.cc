// RolloutService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL. The set tests read the seeded sample data; the refresh tests change
// rollout_targets of a private database under a running server (rollout_state.version moves
// with them, by the schema's trigger) and watch the answers follow.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/rollout/v1/rollout.grpc.pb.h"
#include "test/support/database_cutoff.h"
#include "test/support/eventually.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"
#include "test/support/seeded_server_test.h"

namespace misc::rollout {
namespace {

using ::misc::testing::FieldViolations;
using ::misc::testing::ServerProcess;

// The refresh interval the refresh tests run the server with, and how long a change may take
// to be served: two intervals, plus one second of slack for a slow machine.
constexpr absl::Duration kRefreshInterval = absl::Seconds(1);
constexpr absl::Duration kServedWithin = absl::Seconds(3);

constexpr char kSelectVersion[] = "SELECT version FROM rollout_state";
constexpr char kSelectTargetIds[] = "SELECT restaurant_id FROM rollout_targets ORDER BY 1";

// The shared bounded poll (test/support/eventually.h), with the timeout first.
bool Eventually(absl::Duration timeout, const std::function<bool()>& probe) {
  return misc::testing::Eventually(probe, timeout);
}

// Returns the server's answer to GetRolloutTargets(known_version) (status in `status`).
v1::GetRolloutTargetsResponse GetTargets(v1::RolloutService::Stub& stub, int64_t known_version,
                                         grpc::Status* status) {
  grpc::ClientContext context;
  v1::GetRolloutTargetsRequest request;
  request.set_known_version(known_version);
  v1::GetRolloutTargetsResponse response;
  *status = stub.GetRolloutTargets(&context, request, &response);
  return response;
}

// Returns the server's answer to CheckRolloutTarget(restaurant_id) (status in `status`).
v1::CheckRolloutTargetResponse Check(v1::RolloutService::Stub& stub, int64_t restaurant_id,
                                     grpc::Status* status) {
  grpc::ClientContext context;
  v1::CheckRolloutTargetRequest request;
  request.set_restaurant_id(restaurant_id);
  v1::CheckRolloutTargetResponse response;
  *status = stub.CheckRolloutTarget(&context, request, &response);
  return response;
}

// What a poller holding nothing learns: the version and the ids, or {-1, {}} on error.
struct Served {
  int64_t version = -1;
  std::vector<int64_t> ids;
  bool operator==(const Served&) const = default;
};

Served Current(v1::RolloutService::Stub& stub) {
  grpc::Status status;
  const v1::GetRolloutTargetsResponse response = GetTargets(stub, 0, &status);
  if (!status.ok()) return {};
  return {response.version(), {response.restaurant_ids().begin(), response.restaurant_ids().end()}};
}

std::string Describe(const Served& served) {
  return absl::StrCat("version ", served.version, " ids ", ::testing::PrintToString(served.ids));
}

// ---- The set, against the seeded sample data. ----

class RolloutServiceTest : public misc::testing::SeededServerTest<v1::RolloutService> {};

TEST_F(RolloutServiceTest, GetRolloutTargetsReturnsTheStoredSetAscendingWithItsVersion) {
  grpc::Status status;
  const v1::GetRolloutTargetsResponse response = GetTargets(*stub_, 0, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.unchanged());
  EXPECT_EQ(response.version(), misc::testing::QueryInt64(*database_url_, kSelectVersion));
  const std::vector<int64_t> ids(response.restaurant_ids().begin(),
                                 response.restaurant_ids().end());
  EXPECT_FALSE(ids.empty()) << "the sample data should hold rollout targets";
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(ids, misc::testing::QueryInt64Column(*database_url_, kSelectTargetIds));
  EXPECT_EQ(response.update_time().seconds() * 1000000 + response.update_time().nanos() / 1000,
            misc::testing::QueryInt64(
                *database_url_,
                "SELECT (extract(epoch FROM update_time) * 1000000)::bigint FROM rollout_state"));
}

TEST_F(RolloutServiceTest, GetRolloutTargetsForTheKnownVersionIsUnchangedAndEmpty) {
  const int64_t version = misc::testing::QueryInt64(*database_url_, kSelectVersion);
  grpc::Status status;
  const v1::GetRolloutTargetsResponse response = GetTargets(*stub_, version, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.unchanged());
  EXPECT_EQ(response.version(), version);
  EXPECT_EQ(response.restaurant_ids_size(), 0);
}

TEST_F(RolloutServiceTest, GetRolloutTargetsForAnotherVersionReturnsTheWholeSet) {
  const int64_t version = misc::testing::QueryInt64(*database_url_, kSelectVersion);
  const std::vector<int64_t> expected =
      misc::testing::QueryInt64Column(*database_url_, kSelectTargetIds);
  for (int64_t known : {version - 1, version + 1}) {
    grpc::Status status;
    const v1::GetRolloutTargetsResponse response = GetTargets(*stub_, known, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(response.unchanged()) << known;
    EXPECT_EQ(response.version(), version);
    EXPECT_EQ(
        std::vector<int64_t>(response.restaurant_ids().begin(), response.restaurant_ids().end()),
        expected);
  }
}

TEST_F(RolloutServiceTest, GetRolloutTargetsRejectsANegativeKnownVersionNamingTheField) {
  grpc::Status status;
  GetTargets(*stub_, -1, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"known_version"});
}

TEST_F(RolloutServiceTest, CheckRolloutTargetTellsTargetsFromOtherRestaurants) {
  const int64_t version = misc::testing::QueryInt64(*database_url_, kSelectVersion);
  const int64_t target =
      misc::testing::QueryInt64(*database_url_, "SELECT max(restaurant_id) FROM rollout_targets");
  const int64_t other = misc::testing::QueryInt64(
      *database_url_,
      "SELECT min(restaurant_id) FROM restaurants WHERE restaurant_id NOT IN "
      "(SELECT restaurant_id FROM rollout_targets)");
  const int64_t unknown =
      misc::testing::QueryInt64(*database_url_, "SELECT max(restaurant_id) + 1 FROM restaurants");
  struct Case {
    int64_t restaurant_id;
    bool target;
  };
  for (const Case& c : {Case{target, true}, Case{other, false}, Case{unknown, false}}) {
    grpc::Status status;
    const v1::CheckRolloutTargetResponse response = Check(*stub_, c.restaurant_id, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.target(), c.target) << c.restaurant_id;
    EXPECT_EQ(response.version(), version);
  }
}

TEST_F(RolloutServiceTest, CheckRolloutTargetRejectsNonPositiveIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-2}}) {
    grpc::Status status;
    Check(*stub_, id, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"restaurant_id"});
  }
}

// ---- Refresh, against a private database changed under the running server. ----

class RolloutRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_url_ = misc::testing::CreateMigratedDatabase("rollout_refresh");
    ASSERT_FALSE(database_url_.empty());
    ASSERT_NO_FATAL_FAILURE(
        Sql("INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');"
            "INSERT INTO areas VALUES (100, 13, '新宿', 'Shinjuku');"
            "INSERT INTO restaurants (restaurant_id, name, area_id)"
            " SELECT id, 'restaurant ' || id, 100 FROM generate_series(1, 9) id;"
            "INSERT INTO rollout_targets (restaurant_id) VALUES (7), (3), (5)"));
  }

  void TearDown() override {
    // Whatever a test did to the database, let connections in again.
    misc::testing::ExecuteSql(
        misc::testing::AdminDatabaseUrl(),
        absl::StrCat("ALTER DATABASE ", DatabaseName(), " WITH ALLOW_CONNECTIONS true"))
        .IgnoreError();
  }

  // Starts misc-server on the private database, reloading every kRefreshInterval. With
  // `ready`, waits until health reports SERVING, which needs every snapshot loaded.
  void StartServer(bool ready = true) {
    const std::vector<std::string> flags = {
        absl::StrCat("--rollout_refresh_interval=", absl::FormatDuration(kRefreshInterval))};
    server_ = ready ? ServerProcess::Start(database_url_, flags)
                    : ServerProcess::StartUnready(database_url_, flags);
    ASSERT_NE(server_, nullptr);
    stub_ = v1::RolloutService::NewStub(server_->channel());
  }

  void Sql(const std::string& sql) {
    const absl::Status done = misc::testing::ExecuteSql(database_url_, sql);
    ASSERT_TRUE(done.ok()) << done;
  }

  int64_t DatabaseVersion() { return misc::testing::QueryInt64(database_url_, kSelectVersion); }

  std::string DatabaseName() const { return database_url_.substr(database_url_.rfind('/') + 1); }

  // Makes the database refuse every connection, and drops the server's open ones: to the
  // server, the database is down.
  void CutOffDatabase() {
    const absl::Status done = misc::testing::CutOffDatabase(database_url_);
    ASSERT_TRUE(done.ok()) << done;
  }

  void RestoreDatabase() {
    const absl::Status done = misc::testing::RestoreDatabase(database_url_);
    ASSERT_TRUE(done.ok()) << done;
  }

  // Waits until the server logs a failed rollout reload.
  bool ReloadFailed() {
    return Eventually(kServedWithin, [this] {
      return server_->Output().find("reload of rollout failed") != std::string::npos;
    });
  }

  // Asserts for two refresh intervals that the server keeps serving `expected`.
  void ExpectStillServed(const Served& expected) {
    const absl::Time until = absl::Now() + 2 * kRefreshInterval;
    while (absl::Now() < until) {
      ASSERT_EQ(Current(*stub_), expected) << Describe(Current(*stub_));
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  std::string database_url_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::RolloutService::Stub> stub_;
};

TEST_F(RolloutRefreshTest, AddedAndRemovedTargetsAreServedWithTheNewVersion) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const int64_t first = DatabaseVersion();
  ASSERT_EQ(Current(*stub_), (Served{first, {3, 5, 7}}));

  ASSERT_NO_FATAL_FAILURE(Sql("INSERT INTO rollout_targets (restaurant_id) VALUES (1), (9)"));
  const int64_t second = DatabaseVersion();
  ASSERT_GT(second, first) << "the trigger bumps the version";
  EXPECT_TRUE(Eventually(kServedWithin, [&] {
    return Current(*stub_) == Served{second, {1, 3, 5, 7, 9}};
  })) << Describe(Current(*stub_));
  grpc::Status status;
  EXPECT_TRUE(Check(*stub_, 9, &status).target());
  // A poller holding the first version learns the change; one holding the new one does not.
  EXPECT_FALSE(GetTargets(*stub_, first, &status).unchanged());
  EXPECT_TRUE(GetTargets(*stub_, second, &status).unchanged());

  ASSERT_NO_FATAL_FAILURE(Sql("DELETE FROM rollout_targets WHERE restaurant_id IN (3, 9)"));
  const int64_t third = DatabaseVersion();
  ASSERT_GT(third, second);
  EXPECT_TRUE(Eventually(kServedWithin, [&] {
    return Current(*stub_) == Served{third, {1, 5, 7}};
  })) << Describe(Current(*stub_));
  const v1::CheckRolloutTargetResponse removed = Check(*stub_, 3, &status);
  EXPECT_FALSE(removed.target());
  EXPECT_EQ(removed.version(), third);

  ASSERT_NO_FATAL_FAILURE(Sql("DELETE FROM rollout_targets"));
  const int64_t emptied = DatabaseVersion();
  EXPECT_TRUE(Eventually(kServedWithin, [&] {
    return Current(*stub_) == Served{emptied, {}};
  })) << Describe(Current(*stub_));
}

TEST_F(RolloutRefreshTest, FailingReloadKeepsServingTheLastGoodSet) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const Served before{DatabaseVersion(), {3, 5, 7}};
  ASSERT_EQ(Current(*stub_), before);
  // The set changes (the trigger still bumps the version), but the reload can't read it.
  ASSERT_NO_FATAL_FAILURE(
      Sql("ALTER TABLE rollout_targets RENAME TO rollout_targets_hidden;"
          "INSERT INTO rollout_targets_hidden (restaurant_id) VALUES (1)"));
  ASSERT_GT(DatabaseVersion(), before.version);
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ExpectStillServed(before);
  grpc::Status status;
  EXPECT_FALSE(Check(*stub_, 1, &status).target());

  ASSERT_NO_FATAL_FAILURE(Sql("ALTER TABLE rollout_targets_hidden RENAME TO rollout_targets"));
  const Served after{DatabaseVersion(), {1, 3, 5, 7}};
  EXPECT_TRUE(Eventually(kServedWithin, [&] { return Current(*stub_) == after; }))
      << Describe(Current(*stub_));
}

TEST_F(RolloutRefreshTest, UnreachableDatabaseKeepsServingTheLastGoodSet) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const Served before{DatabaseVersion(), {3, 5, 7}};
  ASSERT_EQ(Current(*stub_), before);
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ExpectStillServed(before);
  grpc::Status status;
  EXPECT_TRUE(Check(*stub_, 5, &status).target());

  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  ASSERT_NO_FATAL_FAILURE(Sql("INSERT INTO rollout_targets (restaurant_id) VALUES (2)"));
  const Served after{DatabaseVersion(), {2, 3, 5, 7}};
  EXPECT_TRUE(Eventually(kServedWithin, [&] { return Current(*stub_) == after; }))
      << Describe(Current(*stub_));
}

TEST_F(RolloutRefreshTest, UnavailableUntilTheFirstLoadThenServed) {
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_NO_FATAL_FAILURE(StartServer(/*ready=*/false));
  grpc::Status status;
  GetTargets(*stub_, 0, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "rollout not loaded yet");
  Check(*stub_, 3, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  EXPECT_TRUE(Eventually(kServedWithin, [&] { return Current(*stub_).version > 0; }))
      << Describe(Current(*stub_));
  EXPECT_EQ(Current(*stub_), (Served{DatabaseVersion(), {3, 5, 7}}));
}

}  // namespace
}  // namespace misc::rollout

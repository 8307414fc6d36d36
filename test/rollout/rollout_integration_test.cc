// RolloutService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL. The set tests read the seeded sample data; the refresh tests change
// rollout_targets of a private database under a running server (rollout_state.version moves
// with them, by the schema's trigger) and watch the answers follow.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/rollout/v1/rollout.grpc.pb.h"
#include "test/support/grpc_assertions.h"
#include "test/support/postgres.h"
#include "test/support/refresh_fixture.h"
#include "test/support/seeded_server_test.h"

namespace misc::rollout {
namespace {

using ::misc::testing::FieldViolations;

constexpr char kSelectVersion[] = "SELECT version FROM rollout_state";
constexpr char kSelectTargetIds[] = "SELECT restaurant_id FROM rollout_targets ORDER BY 1";

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

void PrintTo(const Served& served, std::ostream* out) { *out << Describe(served); }

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

class RolloutRefreshTest : public misc::testing::RefreshTest<v1::RolloutService> {
 protected:
  RolloutRefreshTest()
      : RefreshTest("rollout",
                    "INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo');"
                    "INSERT INTO areas VALUES (100, 13, '新宿', 'Shinjuku');"
                    "INSERT INTO restaurants (restaurant_id, name, area_id)"
                    " SELECT id, 'restaurant ' || id, 100 FROM generate_series(1, 9) id;"
                    "INSERT INTO rollout_targets (restaurant_id) VALUES (7), (3), (5)") {}

  int64_t DatabaseVersion() { return misc::testing::QueryInt64(database_url_, kSelectVersion); }

  // Returns true once a poller holding nothing learns `expected`.
  bool Serves(const Served& expected) {
    return ServedWithin([&] { return Current(*stub_) == expected; });
  }

  // Asserts for two refresh intervals that the server keeps serving `expected`.
  void KeepsServing(const Served& expected) {
    ExpectStillServed([this] { return Current(*stub_); }, expected);
  }
};

TEST_F(RolloutRefreshTest, AddedAndRemovedTargetsAreServedWithTheNewVersion) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const int64_t first = DatabaseVersion();
  ASSERT_EQ(Current(*stub_), (Served{first, {3, 5, 7}}));

  ASSERT_NO_FATAL_FAILURE(Sql("INSERT INTO rollout_targets (restaurant_id) VALUES (1), (9)"));
  const int64_t second = DatabaseVersion();
  ASSERT_GT(second, first) << "the trigger bumps the version";
  EXPECT_TRUE(Serves({second, {1, 3, 5, 7, 9}})) << Describe(Current(*stub_));
  grpc::Status status;
  EXPECT_TRUE(Check(*stub_, 9, &status).target());
  // A poller holding the first version learns the change; one holding the new one does not.
  EXPECT_FALSE(GetTargets(*stub_, first, &status).unchanged());
  EXPECT_TRUE(GetTargets(*stub_, second, &status).unchanged());

  ASSERT_NO_FATAL_FAILURE(Sql("DELETE FROM rollout_targets WHERE restaurant_id IN (3, 9)"));
  const int64_t third = DatabaseVersion();
  ASSERT_GT(third, second);
  EXPECT_TRUE(Serves({third, {1, 5, 7}})) << Describe(Current(*stub_));
  const v1::CheckRolloutTargetResponse removed = Check(*stub_, 3, &status);
  EXPECT_FALSE(removed.target());
  EXPECT_EQ(removed.version(), third);

  ASSERT_NO_FATAL_FAILURE(Sql("DELETE FROM rollout_targets"));
  const int64_t emptied = DatabaseVersion();
  EXPECT_TRUE(Serves({emptied, {}})) << Describe(Current(*stub_));
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
  ASSERT_NO_FATAL_FAILURE(KeepsServing(before));
  grpc::Status status;
  EXPECT_FALSE(Check(*stub_, 1, &status).target());

  ASSERT_NO_FATAL_FAILURE(Sql("ALTER TABLE rollout_targets_hidden RENAME TO rollout_targets"));
  const Served after{DatabaseVersion(), {1, 3, 5, 7}};
  EXPECT_TRUE(Serves(after)) << Describe(Current(*stub_));
}

TEST_F(RolloutRefreshTest, UnreachableDatabaseKeepsServingTheLastGoodSet) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const Served before{DatabaseVersion(), {3, 5, 7}};
  ASSERT_EQ(Current(*stub_), before);
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ASSERT_NO_FATAL_FAILURE(KeepsServing(before));
  grpc::Status status;
  EXPECT_TRUE(Check(*stub_, 5, &status).target());

  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  ASSERT_NO_FATAL_FAILURE(Sql("INSERT INTO rollout_targets (restaurant_id) VALUES (2)"));
  const Served after{DatabaseVersion(), {2, 3, 5, 7}};
  EXPECT_TRUE(Serves(after)) << Describe(Current(*stub_));
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
  EXPECT_TRUE(ServedWithin([this] { return Current(*stub_).version > 0; }))
      << Describe(Current(*stub_));
  EXPECT_EQ(Current(*stub_), (Served{DatabaseVersion(), {3, 5, 7}}));
}

}  // namespace
}  // namespace misc::rollout

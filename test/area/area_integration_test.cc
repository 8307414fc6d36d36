// AreaService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL. The catalog tests read the seeded sample data; the refresh tests
// change rows of a private database under a running server and watch the answers follow.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/area/v1/area.grpc.pb.h"
#include "test/support/grpc_assertions.h"
#include "test/support/postgres.h"
#include "test/support/refresh_fixture.h"
#include "test/support/seeded_server_test.h"

namespace misc::area {
namespace {

using ::misc::testing::FieldViolations;
using ::misc::testing::MissingResourceName;

// Returns the areas the server answers for `prefecture_id` (status in `status`).
std::vector<v1::Area> ListAreas(v1::AreaService::Stub& stub, int64_t prefecture_id,
                                grpc::Status* status) {
  grpc::ClientContext context;
  v1::ListAreasRequest request;
  request.set_prefecture_id(prefecture_id);
  v1::ListAreasResponse response;
  *status = stub.ListAreas(&context, request, &response);
  return {response.areas().begin(), response.areas().end()};
}

// Returns the area the server answers for `area_id` (status in `status`).
v1::Area GetArea(v1::AreaService::Stub& stub, int64_t area_id, grpc::Status* status) {
  grpc::ClientContext context;
  v1::GetAreaRequest request;
  request.set_area_id(area_id);
  v1::GetAreaResponse response;
  *status = stub.GetArea(&context, request, &response);
  return response.area();
}

// Returns the name the server answers for area `area_id`, or "<CODE: message>" on error.
std::string AreaName(v1::AreaService::Stub& stub, int64_t area_id) {
  grpc::Status status;
  const v1::Area area = GetArea(stub, area_id, &status);
  if (!status.ok())
    return absl::StrCat("<", status.error_code(), ": ", status.error_message(), ">");
  return area.name();
}

// ---- The catalog, against the seeded sample data. ----

class AreaServiceTest : public misc::testing::SeededServerTest<v1::AreaService> {};

TEST_F(AreaServiceTest, ListPrefecturesReturnsAll47InJisOrder) {
  grpc::ClientContext context;
  v1::ListPrefecturesResponse response;
  ASSERT_TRUE(stub_->ListPrefectures(&context, v1::ListPrefecturesRequest(), &response).ok());
  ASSERT_EQ(response.prefectures_size(), 47);
  for (int i = 0; i < 47; ++i) {
    const v1::Prefecture& prefecture = response.prefectures(i);
    EXPECT_EQ(prefecture.prefecture_id(), i + 1);
    const std::string where = absl::StrCat(" FROM prefectures WHERE prefecture_id = ", i + 1);
    EXPECT_EQ(prefecture.name(), misc::testing::QueryString(*database_url_, "SELECT name" + where));
    EXPECT_EQ(prefecture.name_en(),
              misc::testing::QueryString(*database_url_, "SELECT name_en" + where));
  }
  EXPECT_EQ(response.prefectures(12).prefecture_id(), 13);
  EXPECT_EQ(response.prefectures(12).name(), "東京都");
  EXPECT_EQ(response.prefectures(0).name(), "北海道");
  EXPECT_EQ(response.prefectures(46).name(), "沖縄県");
}

TEST_F(AreaServiceTest, ListAreasReturnsThePrefecturesAreasByAreaId) {
  // The prefecture with the most areas, so the order is tested on more than one row.
  const int64_t prefecture = misc::testing::QueryInt64(
      *database_url_,
      "SELECT prefecture_id FROM areas GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1");
  grpc::Status status;
  const std::vector<v1::Area> areas = ListAreas(*stub_, prefecture, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<int64_t> ids;
  for (const v1::Area& area : areas) {
    ids.push_back(area.area_id());
    EXPECT_EQ(area.prefecture_id(), prefecture);
  }
  EXPECT_GT(ids.size(), 1u);
  EXPECT_EQ(ids, misc::testing::QueryInt64Column(
                     *database_url_,
                     absl::StrCat("SELECT area_id FROM areas WHERE prefecture_id = ", prefecture,
                                  " ORDER BY area_id")));
}

TEST_F(AreaServiceTest, ListAreasCoversEveryAreaOnce) {
  std::vector<int64_t> ids;
  for (int64_t prefecture = 1; prefecture <= 47; ++prefecture) {
    grpc::Status status;
    for (const v1::Area& area : ListAreas(*stub_, prefecture, &status)) {
      ids.push_back(area.area_id());
    }
    ASSERT_TRUE(status.ok()) << prefecture << ": " << status.error_message();
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, misc::testing::QueryInt64Column(*database_url_,
                                                 "SELECT area_id FROM areas ORDER BY area_id"));
}

TEST_F(AreaServiceTest, ListAreasOfAnUnknownPrefectureIsNotFoundNamingIt) {
  grpc::Status status;
  EXPECT_TRUE(ListAreas(*stub_, 48, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("prefecture 48"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(MissingResourceName(status), "48");
}

TEST_F(AreaServiceTest, ListAreasRejectsNonPositivePrefectureIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-13}}) {
    grpc::Status status;
    EXPECT_TRUE(ListAreas(*stub_, id, &status).empty());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"prefecture_id"});
  }
}

TEST_F(AreaServiceTest, GetAreaReturnsTheStoredRow) {
  const int64_t id = misc::testing::QueryInt64(*database_url_, "SELECT max(area_id) FROM areas");
  grpc::Status status;
  const v1::Area area = GetArea(*stub_, id, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string where = absl::StrCat(" FROM areas WHERE area_id = ", id);
  EXPECT_EQ(area.area_id(), id);
  EXPECT_EQ(area.prefecture_id(),
            misc::testing::QueryInt64(*database_url_, "SELECT prefecture_id" + where));
  EXPECT_EQ(area.name(), misc::testing::QueryString(*database_url_, "SELECT name" + where));
  EXPECT_EQ(area.name_en(), misc::testing::QueryString(*database_url_, "SELECT name_en" + where));
}

TEST_F(AreaServiceTest, GetAreaOfAnUnknownIdIsNotFoundNamingIt) {
  const int64_t missing =
      misc::testing::QueryInt64(*database_url_, "SELECT max(area_id) + 1 FROM areas");
  grpc::Status status;
  GetArea(*stub_, missing, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(absl::StrCat("area ", missing)), std::string::npos)
      << status.error_message();
  EXPECT_EQ(MissingResourceName(status), absl::StrCat(missing));
}

TEST_F(AreaServiceTest, GetAreaRejectsNonPositiveIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-1}}) {
    grpc::Status status;
    GetArea(*stub_, id, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"area_id"});
  }
}

// ---- Refresh, against a private database changed under the running server. ----

class AreaRefreshTest : public misc::testing::RefreshTest<v1::AreaService> {
 protected:
  AreaRefreshTest()
      : RefreshTest(
            "area",
            "INSERT INTO prefectures VALUES (13, '東京都', 'Tokyo'), (27, '大阪府', 'Osaka');"
            "INSERT INTO areas VALUES (100, 13, '新宿', 'Shinjuku'),"
            " (101, 13, '渋谷', 'Shibuya')") {}

  // Returns true once the server answers `name` for area `area_id`.
  bool Serves(int64_t area_id, const std::string& name) {
    return ServedWithin([&] { return AreaName(*stub_, area_id) == name; });
  }

  // Asserts for two refresh intervals that the server keeps answering `name` for `area_id`.
  void KeepsServing(int64_t area_id, const std::string& name) {
    ExpectStillServed([&] { return AreaName(*stub_, area_id); }, name);
  }
};

TEST_F(AreaRefreshTest, RenamedAreaIsServedWithinTwoIntervals) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(AreaName(*stub_, 101), "渋谷");
  ASSERT_NO_FATAL_FAILURE(Sql("UPDATE areas SET name = '渋谷区' WHERE area_id = 101"));
  EXPECT_TRUE(Serves(101, "渋谷区")) << "still serving " << AreaName(*stub_, 101);
}

TEST_F(AreaRefreshTest, AddedAndRemovedAreasAreServedWithinTwoIntervals) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(
      Sql("INSERT INTO areas VALUES (200, 27, '梅田', 'Umeda');"
          "DELETE FROM areas WHERE area_id = 100"));
  EXPECT_TRUE(ServedWithin([this] {
    grpc::Status status;
    const std::vector<v1::Area> osaka = ListAreas(*stub_, 27, &status);
    return status.ok() && osaka.size() == 1 && osaka[0].area_id() == 200;
  }));
  grpc::Status status;
  GetArea(*stub_, 100, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  const std::vector<v1::Area> tokyo = ListAreas(*stub_, 13, &status);
  ASSERT_EQ(tokyo.size(), 1u);
  EXPECT_EQ(tokyo[0].area_id(), 101);
}

TEST_F(AreaRefreshTest, KnownPrefectureWithoutAreasListsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  grpc::Status status;
  EXPECT_TRUE(ListAreas(*stub_, 27, &status).empty());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(AreaRefreshTest, FailingReloadKeepsServingTheLastGoodCatalog) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(AreaName(*stub_, 101), "渋谷");
  // The reload's query now fails, while the data it would read changes.
  ASSERT_NO_FATAL_FAILURE(
      Sql("ALTER TABLE areas RENAME TO areas_hidden;"
          "UPDATE areas_hidden SET name = '渋谷区' WHERE area_id = 101"));
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ASSERT_NO_FATAL_FAILURE(KeepsServing(101, "渋谷"));
  ASSERT_NO_FATAL_FAILURE(Sql("ALTER TABLE areas_hidden RENAME TO areas"));
  EXPECT_TRUE(Serves(101, "渋谷区")) << "still serving " << AreaName(*stub_, 101);
}

TEST_F(AreaRefreshTest, UnreachableDatabaseKeepsServingTheLastGoodCatalog) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(AreaName(*stub_, 101), "渋谷");
  ASSERT_NO_FATAL_FAILURE(Sql("UPDATE areas SET name = '渋谷区' WHERE area_id = 101"));
  ASSERT_TRUE(Serves(101, "渋谷区"));
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ASSERT_NO_FATAL_FAILURE(KeepsServing(101, "渋谷区"));
  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  ASSERT_NO_FATAL_FAILURE(Sql("UPDATE areas SET name = 'シブヤ' WHERE area_id = 101"));
  EXPECT_TRUE(Serves(101, "シブヤ")) << "still serving " << AreaName(*stub_, 101);
}

TEST_F(AreaRefreshTest, UnavailableUntilTheFirstLoadThenServed) {
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_NO_FATAL_FAILURE(StartServer(/*ready=*/false));
  grpc::Status status;
  GetArea(*stub_, 101, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "area not loaded yet");
  grpc::ClientContext context;
  v1::ListPrefecturesResponse prefectures;
  EXPECT_EQ(
      stub_->ListPrefectures(&context, v1::ListPrefecturesRequest(), &prefectures).error_code(),
      grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  EXPECT_TRUE(Serves(101, "渋谷")) << "still serving " << AreaName(*stub_, 101);
}

}  // namespace
}  // namespace misc::area

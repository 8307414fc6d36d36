// GenreService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL. The catalog tests read the seeded sample data; the refresh tests
// change rows of a private database under a running server and watch the answers follow.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/genre/v1/genre.grpc.pb.h"
#include "test/support/grpc_assertions.h"
#include "test/support/postgres.h"
#include "test/support/refresh_fixture.h"
#include "test/support/seeded_server_test.h"

namespace misc::genre {
namespace {

using ::misc::testing::FieldViolations;
using ::misc::testing::MissingResourceName;

// The genre tree with each genre's depth, computed by PostgreSQL; a query on `tree` follows.
constexpr char kGenreTree[] =
    "WITH RECURSIVE tree AS ("
    "  SELECT genre_id, parent_genre_id, 0 AS depth FROM genres WHERE parent_genre_id IS NULL"
    "  UNION ALL"
    "  SELECT g.genre_id, g.parent_genre_id, t.depth + 1"
    "  FROM genres g JOIN tree t ON g.parent_genre_id = t.genre_id) ";

// Returns the genres the server lists (status in `status`).
std::vector<v1::Genre> ListGenres(v1::GenreService::Stub& stub, grpc::Status* status) {
  grpc::ClientContext context;
  v1::ListGenresResponse response;
  *status = stub.ListGenres(&context, v1::ListGenresRequest(), &response);
  return {response.genres().begin(), response.genres().end()};
}

// Returns the ids of `genres`, in order.
std::vector<int64_t> IdsOf(const std::vector<v1::Genre>& genres) {
  std::vector<int64_t> ids;
  ids.reserve(genres.size());
  for (const v1::Genre& genre : genres) ids.push_back(genre.genre_id());
  return ids;
}

// Returns the genre the server answers for `genre_id` (status in `status`).
v1::Genre GetGenre(v1::GenreService::Stub& stub, int64_t genre_id, grpc::Status* status) {
  grpc::ClientContext context;
  v1::GetGenreRequest request;
  request.set_genre_id(genre_id);
  v1::GetGenreResponse response;
  *status = stub.GetGenre(&context, request, &response);
  return response.genre();
}

// Returns the name the server answers for genre `genre_id`, or "<CODE: message>" on error.
std::string GenreName(v1::GenreService::Stub& stub, int64_t genre_id) {
  grpc::Status status;
  const v1::Genre genre = GetGenre(stub, genre_id, &status);
  if (!status.ok())
    return absl::StrCat("<", status.error_code(), ": ", status.error_message(), ">");
  return genre.name();
}

// ---- The catalog, against the seeded sample data. ----

class GenreServiceTest : public misc::testing::SeededServerTest<v1::GenreService> {};

TEST_F(GenreServiceTest, ListGenresReturnsEveryGenreByDepthThenId) {
  grpc::Status status;
  const std::vector<v1::Genre> genres = ListGenres(*stub_, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(IdsOf(genres),
            misc::testing::QueryInt64Column(
                *database_url_,
                absl::StrCat(kGenreTree, "SELECT genre_id FROM tree ORDER BY depth, genre_id")));
  EXPECT_EQ(genres.size(), static_cast<size_t>(misc::testing::QueryInt64(
                               *database_url_, "SELECT count(*) FROM genres")));
}

// ListGenres answers with bytes serialized once per load (a raw method): the request is still
// parsed, and bytes that are no ListGenresRequest are refused.
TEST_F(GenreServiceTest, ListGenresRefusesARequestThatIsNotAListGenresRequest) {
  grpc::GenericStub generic(server_->channel());
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  grpc::Slice truncated(std::string("\x08"));  // Field 1 as a varint, with no value.
  const grpc::ByteBuffer request(&truncated, 1);
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      generic.PrepareUnaryCall(&context, "/misc.genre.v1.GenreService/ListGenres", request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, &queue);
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

TEST_F(GenreServiceTest, ListGenresPutsEveryParentBeforeItsChildren) {
  grpc::Status status;
  const std::vector<v1::Genre> genres = ListGenres(*stub_, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::set<int64_t> seen;
  int children = 0;
  for (const v1::Genre& genre : genres) {
    if (genre.parent_genre_id() != 0) {
      ++children;
      EXPECT_TRUE(seen.contains(genre.parent_genre_id()))
          << genre.genre_id() << " comes before its parent " << genre.parent_genre_id();
    }
    seen.insert(genre.genre_id());
  }
  EXPECT_GT(children, 0) << "the sample data should hold a tree, not only top-level genres";
}

TEST_F(GenreServiceTest, ListGenresReportsParentsAsStoredWithZeroForTopLevel) {
  grpc::Status status;
  const std::vector<v1::Genre> genres = ListGenres(*stub_, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<int64_t> parents;
  parents.reserve(genres.size());
  for (const v1::Genre& genre : genres) parents.push_back(genre.parent_genre_id());
  EXPECT_EQ(parents,
            misc::testing::QueryInt64Column(
                *database_url_, absl::StrCat(kGenreTree,
                                             "SELECT COALESCE(parent_genre_id, 0) FROM tree "
                                             "ORDER BY depth, genre_id")));
}

TEST_F(GenreServiceTest, GetGenreReturnsTheStoredRow) {
  const int64_t child = misc::testing::QueryInt64(
      *database_url_, "SELECT max(genre_id) FROM genres WHERE parent_genre_id IS NOT NULL");
  const int64_t top = misc::testing::QueryInt64(
      *database_url_, "SELECT min(genre_id) FROM genres WHERE parent_genre_id IS NULL");
  for (int64_t id : {child, top}) {
    grpc::Status status;
    const v1::Genre genre = GetGenre(*stub_, id, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const std::string where = absl::StrCat(" FROM genres WHERE genre_id = ", id);
    EXPECT_EQ(genre.genre_id(), id);
    EXPECT_EQ(
        genre.parent_genre_id(),
        misc::testing::QueryInt64(*database_url_, "SELECT COALESCE(parent_genre_id, 0)" + where));
    EXPECT_EQ(genre.name(), misc::testing::QueryString(*database_url_, "SELECT name" + where));
    EXPECT_EQ(genre.name_en(),
              misc::testing::QueryString(*database_url_, "SELECT name_en" + where));
  }
}

TEST_F(GenreServiceTest, GetGenreOfAnUnknownIdIsNotFoundNamingIt) {
  const int64_t missing =
      misc::testing::QueryInt64(*database_url_, "SELECT max(genre_id) + 1 FROM genres");
  grpc::Status status;
  GetGenre(*stub_, missing, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find(absl::StrCat("genre ", missing)), std::string::npos)
      << status.error_message();
  EXPECT_EQ(MissingResourceName(status), absl::StrCat(missing));
}

TEST_F(GenreServiceTest, GetGenreRejectsNonPositiveIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-7}}) {
    grpc::Status status;
    GetGenre(*stub_, id, &status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"genre_id"});
  }
}

// ---- Refresh, against a private database changed under the running server. ----

class GenreRefreshTest : public misc::testing::RefreshTest<v1::GenreService> {
 protected:
  GenreRefreshTest()
      : RefreshTest("genre",
                    "INSERT INTO genres VALUES (1, NULL, '和食', 'Japanese'),"
                    " (2, NULL, '麺類', 'Noodles'), (10, 2, 'ラーメン', 'Ramen'),"
                    " (3, 1, '寿司', 'Sushi')") {}

  // Returns the listed ids, or {-1} when the call fails.
  std::vector<int64_t> ListedIds() {
    grpc::Status status;
    const std::vector<v1::Genre> genres = ListGenres(*stub_, &status);
    if (!status.ok()) return {-1};
    return IdsOf(genres);
  }

  // Returns true once the server lists `ids`.
  bool Lists(const std::vector<int64_t>& ids) {
    return ServedWithin([&] { return ListedIds() == ids; });
  }

  // Returns true once the server answers `name` for genre `genre_id`.
  bool Serves(int64_t genre_id, const std::string& name) {
    return ServedWithin([&] { return GenreName(*stub_, genre_id) == name; });
  }

  // Asserts for two refresh intervals that the server keeps listing `ids`.
  void KeepsListing(const std::vector<int64_t>& ids) {
    ExpectStillServed([this] { return ListedIds(); }, ids);
  }
};

TEST_F(GenreRefreshTest, AddedGenreIsServedAfterItsParentWithinTwoIntervals) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(ListedIds(), (std::vector<int64_t>{1, 2, 3, 10}));
  // A third level, and a top-level genre with a higher id than every child.
  ASSERT_NO_FATAL_FAILURE(Sql(
      "INSERT INTO genres VALUES (4, 10, 'つけ麺', 'Tsukemen'), (20, NULL, '洋食', 'Western')"));
  EXPECT_TRUE(Lists({1, 2, 20, 3, 10, 4})) << "listing " << ::testing::PrintToString(ListedIds());
  grpc::Status status;
  const v1::Genre tsukemen = GetGenre(*stub_, 4, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(tsukemen.parent_genre_id(), 10);
  EXPECT_EQ(tsukemen.name(), "つけ麺");
}

TEST_F(GenreRefreshTest, RenamedGenreIsServedWithinTwoIntervals) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(GenreName(*stub_, 10), "ラーメン");
  ASSERT_NO_FATAL_FAILURE(Sql("UPDATE genres SET name = '拉麺' WHERE genre_id = 10"));
  EXPECT_TRUE(Serves(10, "拉麺")) << "still serving " << GenreName(*stub_, 10);
}

TEST_F(GenreRefreshTest, ReloadFindingACycleKeepsServingTheLastGoodTree) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(ListedIds(), (std::vector<int64_t>{1, 2, 3, 10}));
  // 2 -> 10 -> 2: no order puts parents first, so the reload must fail.
  ASSERT_NO_FATAL_FAILURE(Sql("UPDATE genres SET parent_genre_id = 10 WHERE genre_id = 2"));
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ASSERT_NO_FATAL_FAILURE(KeepsListing({1, 2, 3, 10}));
  ASSERT_NO_FATAL_FAILURE(
      Sql("UPDATE genres SET parent_genre_id = NULL WHERE genre_id = 2;"
          "UPDATE genres SET name = '麺' WHERE genre_id = 2"));
  EXPECT_TRUE(Serves(2, "麺")) << "still serving " << GenreName(*stub_, 2);
}

TEST_F(GenreRefreshTest, UnreachableDatabaseKeepsServingTheLastGoodTree) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(Sql("INSERT INTO genres VALUES (11, 2, 'うどん', 'Udon')"));
  ASSERT_TRUE(Lists({1, 2, 3, 10, 11}));
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_TRUE(ReloadFailed()) << server_->Output();
  ASSERT_NO_FATAL_FAILURE(KeepsListing({1, 2, 3, 10, 11}));
  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  ASSERT_NO_FATAL_FAILURE(Sql("DELETE FROM genres WHERE genre_id = 11"));
  EXPECT_TRUE(Lists({1, 2, 3, 10})) << "listing " << ::testing::PrintToString(ListedIds());
}

TEST_F(GenreRefreshTest, UnavailableUntilTheFirstLoadThenServed) {
  ASSERT_NO_FATAL_FAILURE(CutOffDatabase());
  ASSERT_NO_FATAL_FAILURE(StartServer(/*ready=*/false));
  grpc::Status status;
  ListGenres(*stub_, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "genre not loaded yet");
  GetGenre(*stub_, 1, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_NO_FATAL_FAILURE(RestoreDatabase());
  EXPECT_TRUE(Serves(1, "和食")) << "still serving " << GenreName(*stub_, 1);
}

}  // namespace
}  // namespace misc::genre

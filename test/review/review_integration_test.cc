// ReviewService end to end: the real misc-server binary over a real socket, against the
// throwaway PostgreSQL, migrated and seeded by the real misc-migrate. The suite adds two
// restaurants of its own: one with 130 reviews full of create_time ties (and bodies of 95 to
// 104 code points, some ending in emoji), one with no reviews.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/postgres.h"

namespace misc::review {
namespace {

using ::misc::testing::FieldViolations;
using ::misc::testing::MissingResourceName;
using ::misc::testing::QueryInt64;
using ::misc::testing::QueryInt64Column;
using ::misc::testing::ServerProcess;

constexpr int kTiedReviews = 130;
constexpr size_t kAnonymousBodyCodePoints = 100;

// Returns the first `count` code points of `text`, or nullopt when `text` is not valid UTF-8.
// Written independently of src/text so the test checks the server, not itself.
std::optional<std::string> FirstCodePoints(absl::string_view text, size_t count) {
  size_t i = 0;
  for (size_t seen = 0; i < text.size() && seen < count; ++seen) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    if (length == 0 || i + length > text.size()) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    i += length;
  }
  return std::string(text.substr(0, i));
}

// Returns whether `text` is valid UTF-8 from its first byte to its last.
bool IsValidUtf8(absl::string_view text) {
  const std::optional<std::string> all = FirstCodePoints(text, text.size());
  return all.has_value() && all->size() == text.size();
}

// One row of the reviews table, as the test reads it.
struct StoredReview {
  int64_t restaurant_id = 0;
  std::string author_name;
  int64_t rating = 0;
  std::string title;
  int64_t like_count = 0;
  int64_t seconds = 0;  // create_time: whole seconds since the Unix epoch (floor).
  int64_t micros = 0;   // create_time: microseconds within that second.
  std::string body;
};

class ReviewServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    database_url_ = new std::string(misc::testing::SeededDatabaseUrl());
    AddOwnRestaurants();
    server_ = ServerProcess::Start(*database_url_).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete database_url_;
  }

  // Adds restaurant tied_restaurant_ with kTiedReviews reviews whose create_time values come
  // in groups of 10 identical timestamps one microsecond apart (one group before 1970), in an
  // order unrelated to review_id; and restaurant empty_restaurant_ with none.
  static void AddOwnRestaurants() {
    const std::string& url = *database_url_;
    tied_restaurant_ = QueryInt64(url, "SELECT max(restaurant_id) + 1 FROM restaurants");
    empty_restaurant_ = tied_restaurant_ + 1;
    const absl::Status added = misc::testing::ExecuteSql(
        url, absl::StrCat(
                 "INSERT INTO restaurants (restaurant_id, name, area_id) "
                 "SELECT id, '同時刻レビューの店 ' || id, (SELECT min(area_id) FROM areas) "
                 "FROM (VALUES (",
                 tied_restaurant_, "), (", empty_restaurant_,
                 ")) AS new (id);"
                 "INSERT INTO reviews (review_id, restaurant_id, author_name, rating, title, body, "
                 "create_time, like_count) "
                 "SELECT first.id + i, ",
                 tied_restaurant_,
                 ", '評者' || i, 1 + i % 5, '題 ' || i, "
                 "repeat('あ', 95 + i % 10 - i % 4) || repeat('🍣', i % 4), "
                 "CASE WHEN i % 13 = 0 THEN timestamptz '1969-12-31 23:59:59.999998+00' "
                 "ELSE timestamptz '2023-06-01 12:00:00.000001+00' "
                 "+ ((i * 7) % 13) * interval '1 microsecond' END, i % 3 "
                 "FROM (SELECT coalesce(max(review_id), 0) + 1 AS id FROM reviews) AS first, "
                 "generate_series(0, ",
                 kTiedReviews - 1, ") AS i;"));
    ASSERT_TRUE(added.ok()) << added;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    stub_ = v1::ReviewService::NewStub(server_->channel());
  }

  // Review ids of `restaurant_id` in the documented order, read straight from PostgreSQL.
  static std::vector<int64_t> ExpectedIds(int64_t restaurant_id) {
    return QueryInt64Column(
        *database_url_, absl::StrCat("SELECT review_id FROM reviews WHERE restaurant_id = ",
                                     restaurant_id, " ORDER BY create_time DESC, review_id DESC"));
  }

  // The restaurant with the most reviews in the seeded data (not the suite's own).
  static int64_t MostReviewedRestaurant() {
    return QueryInt64(
        *database_url_,
        absl::StrCat("SELECT restaurant_id FROM reviews WHERE restaurant_id < ", tied_restaurant_,
                     " GROUP BY restaurant_id ORDER BY count(*) DESC, "
                     "restaurant_id LIMIT 1"));
  }

  grpc::Status List(const v1::ListReviewsRequest& request, v1::ListReviewsResponse* response) {
    grpc::ClientContext context;
    return stub_->ListReviews(&context, request, response);
  }

  grpc::Status Get(int64_t review_id, v1::GetReviewResponse* response) {
    grpc::ClientContext context;
    v1::GetReviewRequest request;
    request.set_review_id(review_id);
    return stub_->GetReview(&context, request, response);
  }

  // Walks every page of ListReviews for `restaurant_id` with `page_size` and returns the
  // reviews in order, failing the test if a page is larger than the effective page size, a
  // page before the last is short, or the walk does not end.
  std::vector<v1::Review> WalkAllPages(int64_t restaurant_id, int32_t page_size) {
    std::vector<v1::Review> reviews;
    const int expected_page = page_size == 0 ? 20 : std::min(page_size, 100);
    v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    request.set_page_size(page_size);
    for (int page = 0; page < 10000; ++page) {
      v1::ListReviewsResponse response;
      const grpc::Status status = List(request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      EXPECT_LE(response.reviews_size(), expected_page);
      reviews.insert(reviews.end(), response.reviews().begin(), response.reviews().end());
      if (response.next_page_token().empty()) return reviews;
      EXPECT_EQ(response.reviews_size(), expected_page) << "only the last page may be short";
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "pagination did not end";
    return reviews;
  }

  static std::vector<int64_t> IdsOf(const std::vector<v1::Review>& reviews) {
    std::vector<int64_t> ids;
    ids.reserve(reviews.size());
    for (const v1::Review& review : reviews) ids.push_back(review.review_id());
    return ids;
  }

  // Reads the rows of the reviews matching `where` (SQL over the reviews table), by id.
  static std::map<int64_t, StoredReview> StoredReviews(const std::string& where) {
    absl::StatusOr<std::vector<std::vector<std::string>>> result = misc::testing::QueryRows(
        *database_url_,
        absl::StrCat("SELECT review_id, restaurant_id, author_name, rating, title, like_count, "
                     "floor(extract(epoch FROM create_time))::bigint, "
                     "extract(microseconds FROM create_time)::bigint % 1000000, body "
                     "FROM reviews WHERE ",
                     where));
    EXPECT_TRUE(result.ok()) << result.status();
    std::map<int64_t, StoredReview> rows;
    if (!result.ok()) return rows;
    for (const std::vector<std::string>& fields : *result) {
      StoredReview row;
      int64_t id = 0;
      const bool parsed = fields.size() == 9 && absl::SimpleAtoi(fields[0], &id) &&
                          absl::SimpleAtoi(fields[1], &row.restaurant_id) &&
                          absl::SimpleAtoi(fields[3], &row.rating) &&
                          absl::SimpleAtoi(fields[5], &row.like_count) &&
                          absl::SimpleAtoi(fields[6], &row.seconds) &&
                          absl::SimpleAtoi(fields[7], &row.micros);
      EXPECT_TRUE(parsed) << "unexpected row of " << fields.size() << " fields";
      if (!parsed) continue;
      row.author_name = fields[2];
      row.title = fields[4];
      row.body = fields[8];
      rows.emplace(id, std::move(row));
    }
    return rows;
  }

  // Reads the row of review `review_id`; fails the test when there is none.
  static StoredReview StoredReviewOf(int64_t review_id) {
    std::map<int64_t, StoredReview> rows = StoredReviews(absl::StrCat("review_id = ", review_id));
    EXPECT_EQ(rows.size(), 1u) << "review " << review_id;
    return rows.empty() ? StoredReview{} : rows.begin()->second;
  }

  // Checks `review` against `row`: every column, and the body as an anonymous caller sees it.
  static void ExpectMatchesRow(const v1::Review& review, const StoredReview& row) {
    SCOPED_TRACE(absl::StrCat("review ", review.review_id()));
    EXPECT_EQ(review.restaurant_id(), row.restaurant_id);
    EXPECT_EQ(review.author_name(), row.author_name);
    EXPECT_EQ(review.rating(), row.rating);
    EXPECT_EQ(review.title(), row.title);
    EXPECT_EQ(review.like_count(), row.like_count);
    EXPECT_EQ(review.create_time().seconds(), row.seconds);
    EXPECT_EQ(review.create_time().nanos(), row.micros * 1000);
    EXPECT_FALSE(review.liked_by_viewer()) << "anonymous callers never see their likes";
    ExpectAnonymousBody(review, row.body);
  }

  // An anonymous caller sees the first 100 code points of `stored_body`, valid UTF-8, marked
  // truncated exactly when the stored body is longer.
  static void ExpectAnonymousBody(const v1::Review& review, const std::string& stored_body) {
    ASSERT_TRUE(IsValidUtf8(stored_body));
    EXPECT_TRUE(IsValidUtf8(review.body()));
    const std::string expected = *FirstCodePoints(stored_body, kAnonymousBodyCodePoints);
    EXPECT_EQ(review.body(), expected);
    EXPECT_EQ(review.body_truncated(), expected.size() < stored_body.size());
  }

  static std::string* database_url_;
  static ServerProcess* server_;
  static int64_t tied_restaurant_;
  static int64_t empty_restaurant_;
  std::unique_ptr<v1::ReviewService::Stub> stub_;
};

std::string* ReviewServiceTest::database_url_ = nullptr;
ServerProcess* ReviewServiceTest::server_ = nullptr;
int64_t ReviewServiceTest::tied_restaurant_ = 0;
int64_t ReviewServiceTest::empty_restaurant_ = 0;

TEST_F(ReviewServiceTest, GetReviewReturnsTheStoredRowWithALongBodyCut) {
  const int64_t id = QueryInt64(*database_url_,
                                "SELECT review_id FROM reviews WHERE char_length(body) > 100 "
                                "ORDER BY review_id LIMIT 1");
  v1::GetReviewResponse response;
  const grpc::Status status = Get(id, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.review().review_id(), id);
  EXPECT_TRUE(response.review().body_truncated());
  ExpectMatchesRow(response.review(), StoredReviewOf(id));
}

TEST_F(ReviewServiceTest, GetReviewReturnsAShortBodyWhole) {
  const int64_t id = QueryInt64(*database_url_,
                                "SELECT review_id FROM reviews WHERE char_length(body) <= 100 "
                                "ORDER BY review_id LIMIT 1");
  v1::GetReviewResponse response;
  ASSERT_TRUE(Get(id, &response).ok());
  EXPECT_FALSE(response.review().body_truncated());
  ExpectMatchesRow(response.review(), StoredReviewOf(id));
}

TEST_F(ReviewServiceTest, GetReviewCutsBodiesAroundExactly100CodePoints) {
  // The suite's own reviews have bodies of 95 to 104 code points; these end in emoji, so a
  // cut at 100 falls on a four-byte character.
  for (int length : {99, 100, 101, 102}) {
    const int64_t id = QueryInt64(
        *database_url_, absl::StrCat("SELECT review_id FROM reviews WHERE restaurant_id = ",
                                     tied_restaurant_, " AND char_length(body) = ", length,
                                     " AND body LIKE '%🍣' ORDER BY review_id LIMIT 1"));
    v1::GetReviewResponse response;
    ASSERT_TRUE(Get(id, &response).ok()) << "length " << length;
    EXPECT_EQ(response.review().body_truncated(), length > 100) << "length " << length;
    ExpectMatchesRow(response.review(), StoredReviewOf(id));
  }
}

TEST_F(ReviewServiceTest, GetReviewOfUnknownIdIsNotFound) {
  const int64_t id = QueryInt64(*database_url_, "SELECT max(review_id) + 1000 FROM reviews");
  v1::GetReviewResponse response;
  const grpc::Status status = Get(id, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MissingResourceName(status), absl::StrCat(id));
}

TEST_F(ReviewServiceTest, GetReviewRejectsNonPositiveIdsNamingTheField) {
  for (int64_t id : {int64_t{0}, int64_t{-7}}) {
    v1::GetReviewResponse response;
    const grpc::Status status = Get(id, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << id;
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"review_id"}) << id;
  }
}

TEST_F(ReviewServiceTest, ListReviewsRejectsBadFieldsNamingEachOne) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(0);
  v1::ListReviewsResponse response;
  grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"restaurant_id"});

  request.set_restaurant_id(tied_restaurant_);
  request.set_page_size(-1);
  status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_size"});

  request.set_restaurant_id(-3);
  status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), (std::vector<std::string>{"restaurant_id", "page_size"}));
}

TEST_F(ReviewServiceTest, ListReviewsOfUnknownRestaurantIsNotFound) {
  const int64_t id =
      QueryInt64(*database_url_, "SELECT max(restaurant_id) + 1000 FROM restaurants");
  v1::ListReviewsRequest request;
  request.set_restaurant_id(id);
  v1::ListReviewsResponse response;
  const grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MissingResourceName(status), absl::StrCat(id));
}

TEST_F(ReviewServiceTest, ListReviewsOfRestaurantWithoutReviewsIsEmpty) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(empty_restaurant_);
  v1::ListReviewsResponse response;
  const grpc::Status status = List(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.reviews_size(), 0);
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(ReviewServiceTest, WalkingEveryPageReturnsEveryReviewOnceNewestFirst) {
  const int64_t restaurant = MostReviewedRestaurant();
  const std::vector<int64_t> expected = ExpectedIds(restaurant);
  ASSERT_GT(expected.size(), 20u) << "the seeded data should span several default pages";
  for (int32_t page_size : {7, 0, 1, 100}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    EXPECT_EQ(IdsOf(WalkAllPages(restaurant, page_size)), expected);
  }
}

TEST_F(ReviewServiceTest, TiesInCreateTimeAreNeitherSkippedNorRepeated) {
  const std::vector<int64_t> expected = ExpectedIds(tied_restaurant_);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kTiedReviews));
  for (int32_t page_size : {1, 3, 7, 0, 100}) {
    SCOPED_TRACE(absl::StrCat("page_size ", page_size));
    const std::vector<v1::Review> reviews = WalkAllPages(tied_restaurant_, page_size);
    EXPECT_EQ(IdsOf(reviews), expected);
    const std::vector<int64_t> ids = IdsOf(reviews);
    EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), ids.size());
  }
}

TEST_F(ReviewServiceTest, ListedReviewsMatchTheirRowsWithAnonymousBodies) {
  for (int64_t restaurant : {MostReviewedRestaurant(), tied_restaurant_}) {
    const std::map<int64_t, StoredReview> rows =
        StoredReviews(absl::StrCat("restaurant_id = ", restaurant));
    int truncated = 0;
    for (const v1::Review& review : WalkAllPages(restaurant, 50)) {
      EXPECT_EQ(review.restaurant_id(), restaurant);
      const auto row = rows.find(review.review_id());
      ASSERT_NE(row, rows.end()) << "review " << review.review_id();
      ExpectMatchesRow(review, row->second);
      truncated += review.body_truncated() ? 1 : 0;
    }
    EXPECT_GT(truncated, 0) << "restaurant " << restaurant << " should have long bodies";
  }
}

TEST_F(ReviewServiceTest, PageSizeOver100IsCappedAt100) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(tied_restaurant_);
  request.set_page_size(1000);
  v1::ListReviewsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.reviews_size(), 100);
  EXPECT_NE(response.next_page_token(), "");
}

TEST_F(ReviewServiceTest, DefaultPageSizeIs20) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(tied_restaurant_);
  v1::ListReviewsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.reviews_size(), 20);
}

TEST_F(ReviewServiceTest, TamperedPageTokenIsInvalidArgumentNamingPageToken) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(tied_restaurant_);
  request.set_page_size(5);
  v1::ListReviewsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  std::string tampered = first.next_page_token();
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {tampered, std::string("not a token"), first.next_page_token() + "AA",
        first.next_page_token().substr(1)}) {
    request.set_page_token(token);
    v1::ListReviewsResponse response;
    const grpc::Status status = List(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"}) << token;
  }
}

TEST_F(ReviewServiceTest, PageTokenOfAnotherRestaurantIsInvalidArgument) {
  v1::ListReviewsRequest request;
  request.set_restaurant_id(tied_restaurant_);
  request.set_page_size(5);
  v1::ListReviewsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  request.set_restaurant_id(MostReviewedRestaurant());
  request.set_page_token(first.next_page_token());
  v1::ListReviewsResponse response;
  const grpc::Status status = List(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"});
}

TEST_F(ReviewServiceTest, PageTokenStillWorksWithAnotherPageSize) {
  // The token is bound to the restaurant, not to the page size.
  v1::ListReviewsRequest request;
  request.set_restaurant_id(tied_restaurant_);
  request.set_page_size(4);
  v1::ListReviewsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  request.set_page_size(9);
  request.set_page_token(first.next_page_token());
  v1::ListReviewsResponse second;
  ASSERT_TRUE(List(request, &second).ok());
  const std::vector<int64_t> expected = ExpectedIds(tied_restaurant_);
  ASSERT_EQ(second.reviews_size(), 9);
  for (int i = 0; i < 9; ++i) EXPECT_EQ(second.reviews(i).review_id(), expected[4 + i]);
}

}  // namespace
}  // namespace misc::review

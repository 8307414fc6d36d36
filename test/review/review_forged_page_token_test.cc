// ListReviews with page tokens minted outside the server, as with a leaked key: the
// server runs without --page_token_key_file, so with the development key, which is in the
// source, and anyone can mint a token that verifies. Whatever cursor it holds, the answer must be a
// page or INVALID_ARGUMENT naming page_token, never a server error, and the server must not log an
// error for it. Runs the real misc-server against the seeded throwaway PostgreSQL.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "src/pagination/page_token.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/page_token_fuzz.h"
#include "test/support/postgres.h"
#include "test/support/seeded_server_test.h"

namespace misc::review {
namespace {

using ::misc::testing::FieldViolations;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// The cursor times PostgreSQL takes in the list query, written out here so the test checks
// the server rather than its constants: from the lowest timestamptz (4714-11-24 BC) to the
// largest bigint whose float8 stays below 2^63 in `bigint * interval`.
constexpr int64_t kOldestMicros = -210'866'803'200'000'000;
constexpr int64_t kNewestMicros = 9'223'372'036'854'775'295;

class ForgedPageTokenTest : public misc::testing::SeededServerTest<v1::ReviewService> {
 protected:
  void SetUp() override {
    SeededServerTest::SetUp();
    restaurant_ = misc::testing::QueryInt64(
        *database_url_, "SELECT restaurant_id FROM reviews ORDER BY restaurant_id LIMIT 1");
    log_before_ = server_->Output().size();
  }

  // Fails the test when the server logged an error since SetUp.
  void TearDown() override {
    EXPECT_EQ(misc::testing::ErrorLogLines(server_->Output().substr(log_before_)),
              std::vector<std::string>{});
  }

  // Lists the reviews of restaurant_ after `cursor`, minted as the server would mint it.
  grpc::Status ListAfter(int64_t create_time_micros, int64_t review_id) {
    v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_);
    request.set_page_token(pagination::PageTokenCodec::Development().Encode(
        absl::StrCat("misc.review.v1.ListReviews?restaurant_id=", restaurant_),
        {create_time_micros, review_id}));
    grpc::ClientContext context;
    v1::ListReviewsResponse response;
    return stub_->ListReviews(&context, request, &response);
  }

  int64_t restaurant_ = 0;
  size_t log_before_ = 0;
};

TEST_F(ForgedPageTokenTest, OutOfRangeCursorIsInvalidArgumentNamingPageToken) {
  const int64_t now = 1'700'000'000'000'000;
  const std::pair<int64_t, int64_t> cursors[] = {
      {kInt64Max, 1},          // Was INTERNAL and an error log: "interval out of range".
      {kNewestMicros + 1, 1},  // Rounds to 2^63 as float8: the same error.
      {kOldestMicros - 1, 1},  // Before the lowest timestamptz.
      {kInt64Min, 1},
      {now, 0},  // Review ids are positive.
      {now, -1},
      {now, kInt64Min},
  };
  for (const auto& [micros, id] : cursors) {
    const grpc::Status status = ListAfter(micros, id);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << micros << ", " << id;
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"});
  }
}

TEST_F(ForgedPageTokenTest, CursorAtTheEdgesOfItsRangeIsAPage) {
  const std::pair<int64_t, int64_t> cursors[] = {
      {kNewestMicros, kInt64Max}, {kNewestMicros, 1}, {kOldestMicros, 1}};
  for (const auto& [micros, id] : cursors) {
    const grpc::Status status = ListAfter(micros, id);
    EXPECT_TRUE(status.ok()) << micros << ", " << id << ": " << status.error_message();
  }
}

TEST_F(ForgedPageTokenTest, RandomCursorsAreAPageOrInvalidArgumentNeverAServerError) {
  // Where the range of values the SQL takes ends.
  constexpr int64_t kEdges[] = {kOldestMicros, kNewestMicros, 0};
  std::mt19937_64 random(20240611);
  for (int i = 0; i < 200; ++i) {
    const int64_t micros = misc::testing::RandomCursorValue(random, kEdges);
    const int64_t id = misc::testing::RandomCursorValue(random, {0, 1});
    const bool in_range = micros >= kOldestMicros && micros <= kNewestMicros && id >= 1;
    const grpc::Status status = ListAfter(micros, id);
    EXPECT_TRUE(misc::testing::IsPageOrInvalidPageToken(status, in_range)) << micros << ", " << id;
  }
}

}  // namespace
}  // namespace misc::review

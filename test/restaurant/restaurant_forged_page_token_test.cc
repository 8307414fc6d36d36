// ListRestaurants with page tokens minted outside the server, as with a leaked key: the
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
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "src/pagination/page_token.h"
#include "test/support/grpc_assertions.h"
#include "test/support/misc_server.h"
#include "test/support/page_token_fuzz.h"
#include "test/support/seeded_server_test.h"

namespace misc::restaurant {
namespace {

using ::misc::testing::FieldViolations;

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

class ForgedPageTokenTest : public misc::testing::SeededServerTest<v1::RestaurantService> {
 protected:
  void SetUp() override {
    SeededServerTest::SetUp();
    log_before_ = server_->Output().size();
  }

  // Fails the test when the server logged an error since SetUp.
  void TearDown() override {
    EXPECT_EQ(misc::testing::ErrorLogLines(server_->Output().substr(log_before_)),
              std::vector<std::string>{});
  }

  // Lists open restaurants after {review_count, restaurant_id}, minted as the server would.
  grpc::Status ListAfter(int64_t review_count, int64_t restaurant_id) {
    v1::ListRestaurantsRequest request;
    request.set_page_token(pagination::PageTokenCodec::Development().Encode(
        "misc.restaurant.v1.ListRestaurants?area_id=0&genre_id=0", {review_count, restaurant_id}));
    grpc::ClientContext context;
    v1::ListRestaurantsResponse response;
    return stub_->ListRestaurants(&context, request, &response);
  }

  size_t log_before_ = 0;
};

TEST_F(ForgedPageTokenTest, OutOfRangeCursorIsInvalidArgumentNamingPageToken) {
  const std::pair<int64_t, int64_t> cursors[] = {
      {-1, 1}, {kInt32Max + 1, 1}, {kInt64Min, 1}, {kInt64Max, 1}, {5, 0}, {5, -1}, {5, kInt64Min}};
  for (const auto& [count, id] : cursors) {
    const grpc::Status status = ListAfter(count, id);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << count << ", " << id;
    EXPECT_EQ(FieldViolations(status), std::vector<std::string>{"page_token"});
  }
}

TEST_F(ForgedPageTokenTest, CursorAtTheEdgesOfItsRangeIsAPage) {
  const std::pair<int64_t, int64_t> cursors[] = {
      {0, 1}, {0, kInt64Max}, {kInt32Max, 1}, {kInt32Max, kInt64Max}};
  for (const auto& [count, id] : cursors) {
    const grpc::Status status = ListAfter(count, id);
    EXPECT_TRUE(status.ok()) << count << ", " << id << ": " << status.error_message();
  }
}

TEST_F(ForgedPageTokenTest, RandomCursorsAreAPageOrInvalidArgumentNeverAServerError) {
  // Where the range of values the SQL takes ends.
  constexpr int64_t kEdges[] = {0, kInt32Max};
  std::mt19937_64 random(20240611);
  for (int i = 0; i < 200; ++i) {
    const int64_t count = misc::testing::RandomCursorValue(random, kEdges);
    const int64_t id = misc::testing::RandomCursorValue(random, {0, 1});
    const bool in_range = count >= 0 && count <= kInt32Max && id >= 1;
    const grpc::Status status = ListAfter(count, id);
    EXPECT_TRUE(misc::testing::IsPageOrInvalidPageToken(status, in_range)) << count << ", " << id;
  }
}

}  // namespace
}  // namespace misc::restaurant

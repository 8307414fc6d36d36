// Gateway-distributed sessions end to end: the real misc-server binary, started with a JWKS
// file of test keys, called over a real socket the way the BFF forwards a logged-in user's
// session (gRPC metadata `authorization: Bearer <jwt>`), against the seeded PostgreSQL.
// Proves what only the running server shows: a bad token is UNAUTHENTICATED with no data and
// nothing secret in message or details, before anything else is checked; a valid token of
// each algorithm is served as its user; the server never logs a token. Which tokens are bad,
// and why, is the verifier's and is proven without a server in
// test/auth/authorization_cases_test.cc; what a user sees differently, next to each service
// (test/restaurant/restaurant_viewer_test.cc, test/review/review_viewer_test.cc).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "misc/restaurant/v1/restaurant.grpc.pb.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "src/auth/verify_reason.h"
#include "test/auth/auth_test_util.h"
#include "test/support/eventually.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc {
namespace {

using ::misc::auth::testing::EcKey;
using ::misc::auth::testing::EdKey;
using ::misc::auth::testing::RsaKey;
using ::misc::testing::Bearer;
using ::misc::testing::TokenNow;

// Every refused token gets this one message, whatever the reason.
const std::string kInvalidToken(auth::kInvalidTokenMessage);

class JwtServerTest : public misc::testing::ViewerServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ViewerServerTest::SetUp());
    restaurants_ = restaurant::v1::RestaurantService::NewStub(server_->channel());
    reviews_ = review::v1::ReviewService::NewStub(server_->channel());
  }

  grpc::Status GetRestaurant(int64_t restaurant_id,
                             const misc::testing::Authorization& authorization,
                             restaurant::v1::GetRestaurantResponse* response) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, authorization);
    restaurant::v1::GetRestaurantRequest request;
    request.set_restaurant_id(restaurant_id);
    return restaurants_->GetRestaurant(&context, request, response);
  }

  grpc::Status ListReviews(int64_t restaurant_id, const misc::testing::Authorization& authorization,
                           review::v1::ListReviewsResponse* response) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, authorization);
    review::v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    return reviews_->ListReviews(&context, request, response);
  }

  std::unique_ptr<restaurant::v1::RestaurantService::Stub> restaurants_;
  std::unique_ptr<review::v1::ReviewService::Stub> reviews_;
};

// One bad token of each layer that rejects: the signature, the claims, and the authorization
// metadata itself (two values).
TEST_F(JwtServerTest, BadTokensAreUnauthenticatedWithNoDataAndNothingSecretInTheAnswer) {
  nlohmann::json expired = auth::testing::ValidClaimsAt(absl::Now() - absl::Hours(2));
  const struct {
    const char* name;
    misc::testing::Authorization authorization;
    std::string message;
  } cases[] = {
      {"tampered signature", Bearer(auth::testing::WithFlippedSignatureBit(TokenNow(RsaKey()))),
       kInvalidToken},
      {"expired", Bearer(auth::testing::Sign(EcKey(), auth::testing::HeaderFor(EcKey()), expired)),
       kInvalidToken},
      {"two values", {absl::StrCat("Bearer ", TokenNow(EcKey())), "Bearer x"}, kInvalidToken},
  };
  const int64_t restaurant_id = BookmarkedRestaurant();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    restaurant::v1::GetRestaurantResponse restaurant;
    EXPECT_TRUE(misc::testing::IsRejection(
        GetRestaurant(restaurant_id, c.authorization, &restaurant), c.authorization, c.message))
        << "GetRestaurant";
    EXPECT_EQ(restaurant.ByteSizeLong(), 0u) << restaurant.ShortDebugString();
    review::v1::ListReviewsResponse reviews;
    EXPECT_TRUE(misc::testing::IsRejection(ListReviews(restaurant_id, c.authorization, &reviews),
                                           c.authorization, c.message))
        << "ListReviews";
    EXPECT_EQ(reviews.ByteSizeLong(), 0u) << reviews.ShortDebugString();
  }
}

// The advertised header-list limit leaves room for a token twice the verifier's limit: the
// transport delivers it and the verifier refuses it, as for any bad token. Past the limit the
// transport refuses the call, and the server goes on serving.
TEST_F(JwtServerTest, AnOversizedTokenReachesTheVerifierAndAHugeHeaderListDoesNot) {
  const int64_t restaurant_id = BookmarkedRestaurant();
  const misc::testing::Authorization oversized = Bearer(
      auth::testing::PaddedToken(EcKey(), auth::testing::ValidClaimsAt(absl::Now()), 16 << 10));
  restaurant::v1::GetRestaurantResponse response;
  EXPECT_TRUE(misc::testing::IsRejection(GetRestaurant(restaurant_id, oversized, &response),
                                         oversized, kInvalidToken));

  const misc::testing::Authorization huge = Bearer(std::string(48 << 10, 'a'));
  const grpc::Status refused = GetRestaurant(restaurant_id, huge, &response);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << refused.error_message();
  // gRPC 1.51.1 ends the whole connection with the refused stream (CVE-2023-32732,
  // docs/security.md): the server goes on serving new connections.
  restaurants_ = restaurant::v1::RestaurantService::NewStub(server_->channel());
  const grpc::Status after = GetRestaurant(restaurant_id, misc::testing::Anonymous(), &response);
  EXPECT_TRUE(after.ok()) << after.error_code() << ": " << after.error_message();
}

// The documented order: a bad token wins over anything else wrong with the call.
TEST_F(JwtServerTest, ABadTokenIsUnauthenticatedEvenForAnInvalidRequest) {
  const misc::testing::Authorization authorization =
      Bearer(auth::testing::WithFlippedSignatureBit(TokenNow(EcKey())));
  restaurant::v1::GetRestaurantResponse response;
  EXPECT_TRUE(misc::testing::IsRejection(GetRestaurant(0, authorization, &response), authorization,
                                         kInvalidToken));
  const int64_t missing =
      misc::testing::QueryInt64(url(), "SELECT max(restaurant_id) + 1 FROM restaurants");
  EXPECT_TRUE(misc::testing::IsRejection(GetRestaurant(missing, authorization, &response),
                                         authorization, kInvalidToken));
  EXPECT_EQ(response.ByteSizeLong(), 0u);
}

TEST_F(JwtServerTest, AValidTokenOfEachAlgorithmIsServedAsTheUserItNames) {
  // A restaurant the demo user bookmarked: bookmarked=true proves who the server saw.
  const int64_t restaurant_id = BookmarkedRestaurant();
  for (const auth::SigningKey* key : {&RsaKey(), &EcKey(), &EdKey()}) {
    SCOPED_TRACE(key->kid);
    restaurant::v1::GetRestaurantResponse response;
    const grpc::Status status = GetRestaurant(restaurant_id, Bearer(TokenNow(*key)), &response);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_EQ(response.restaurant().restaurant_id(), restaurant_id);
    ASSERT_TRUE(response.restaurant().has_viewer());
    EXPECT_TRUE(response.restaurant().viewer().bookmarked());
  }
}

// Returns how many access log lines `output` holds.
size_t AccessLogLines(absl::string_view output) {
  size_t lines = 0;
  for (size_t at = output.find("\"log\":\"access\""); at != absl::string_view::npos;
       at = output.find("\"log\":\"access\"", at + 1)) {
    ++lines;
  }
  return lines;
}

// What a call leaves behind: the server's output (access log and all) holds no token, valid
// or not.
TEST_F(JwtServerTest, TheServerNeverLogsTokens) {
  const std::string valid = TokenNow(EcKey());
  const std::string tampered = auth::testing::WithFlippedSignatureBit(TokenNow(RsaKey()));
  const size_t lines_before = AccessLogLines(server_->Output());
  restaurant::v1::GetRestaurantResponse response;
  ASSERT_TRUE(GetRestaurant(BookmarkedRestaurant(), Bearer(valid), &response).ok());
  EXPECT_EQ(GetRestaurant(BookmarkedRestaurant(), Bearer(tampered), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Wait (bounded) until the access log shows both calls.
  std::string output;
  misc::testing::Eventually(
      [&] {
        output = server_->Output();
        return AccessLogLines(output) >= lines_before + 2;
      },
      absl::Seconds(5));
  EXPECT_GE(AccessLogLines(output), lines_before + 2) << "the calls were not logged";
  for (const std::string& token : {valid, tampered}) {
    const auth::testing::JwsParts parts = auth::testing::SplitJws(token);
    EXPECT_EQ(output.find(parts.payload), std::string::npos) << "token payload in the log";
    EXPECT_EQ(output.find(parts.signature), std::string::npos) << "token signature in the log";
  }
}

}  // namespace
}  // namespace misc

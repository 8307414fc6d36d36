// What ReviewService shows a logged-in user, end to end: whole review bodies and
// `liked_by_viewer` from the review_likes table of the user the token names; an anonymous
// caller gets at most 100 code points of each body and no likes, and otherwise the same
// answers. Through misc-server verifying the test keys' tokens
// (test/support/viewer_server_test.h), against the seeded database.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "misc/review/v1/review.grpc.pb.h"
#include "test/auth/auth_test_util.h"
#include "test/support/postgres.h"
#include "test/support/viewer_server_test.h"

namespace misc::review {
namespace {

using ::misc::testing::Anonymous;
using ::misc::testing::Authorization;
using ::misc::testing::kDemoUser;
using ::misc::testing::QueryInt64;
using ::misc::testing::SameMessage;

// What an anonymous caller sees of a review body at most, in code points.
constexpr size_t kAnonymousBodyCodePoints = 100;

// Returns the number of Unicode code points of UTF-8 `text` (its non-continuation bytes).
size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Returns the first `count` code points of UTF-8 `text` (all of it when shorter).
std::string FirstCodePoints(absl::string_view text, size_t count) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == count) {
      return std::string(text.substr(0, i));
    }
  }
  return std::string(text);
}

// Returns `review` without what depends on the viewer.
v1::Review WithoutViewerFields(v1::Review review) {
  review.clear_body();
  review.clear_body_truncated();
  review.clear_liked_by_viewer();
  return review;
}

class ReviewViewerTest : public misc::testing::ViewerServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ViewerServerTest::SetUp());
    const std::vector<int64_t> likes = misc::testing::QueryInt64Column(
        url(), absl::StrCat("SELECT review_id FROM review_likes WHERE user_id = ", kDemoUser));
    likes_ = {likes.begin(), likes.end()};
    ASSERT_FALSE(likes_.empty()) << "the seed gives user 42 likes";
    stub_ = v1::ReviewService::NewStub(server_->channel());
    logged_in_ = misc::testing::Bearer(misc::testing::TokenNow(auth::testing::EcKey()));
  }

  grpc::Status GetReview(int64_t review_id, const Authorization& authorization,
                         v1::GetReviewResponse* response) {
    grpc::ClientContext context;
    misc::testing::Prepare(context, authorization);
    v1::GetReviewRequest request;
    request.set_review_id(review_id);
    return stub_->GetReview(&context, request, response);
  }

  // Returns every page of ListReviews of `restaurant_id` (`page_size`) as `authorization`.
  std::vector<v1::ListReviewsResponse> WalkReviews(int64_t restaurant_id,
                                                   const Authorization& authorization,
                                                   int32_t page_size) {
    v1::ListReviewsRequest request;
    request.set_restaurant_id(restaurant_id);
    request.set_page_size(page_size);
    return misc::testing::WalkPages<v1::ListReviewsResponse>(
        request, authorization, [this](auto* context, const auto& page, auto* response) {
          return stub_->ListReviews(context, page, response);
        });
  }

  // The review rows of `restaurant_id`: body by review id.
  static std::map<int64_t, std::string> StoredBodies(int64_t restaurant_id) {
    absl::StatusOr<std::vector<std::vector<std::string>>> rows = misc::testing::QueryRows(
        url(),
        absl::StrCat("SELECT review_id, body FROM reviews WHERE restaurant_id = ", restaurant_id));
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::map<int64_t, std::string> bodies;
    if (!rows.ok()) return bodies;
    for (const std::vector<std::string>& row : *rows) {
      int64_t id = 0;
      EXPECT_TRUE(row.size() == 2 && absl::SimpleAtoi(row[0], &id)) << "bad row";
      if (row.size() == 2) bodies[id] = row[1];
    }
    return bodies;
  }

  // The restaurant whose reviews best show the difference: it has a review the demo user
  // liked, and the most bodies over 100 code points.
  static int64_t RestaurantWithLikedAndLongReviews() {
    return QueryInt64(
        url(), absl::StrCat("SELECT r.restaurant_id FROM reviews r WHERE EXISTS (SELECT 1 FROM "
                            "review_likes l JOIN reviews lr USING (review_id) WHERE l.user_id = ",
                            kDemoUser,
                            " AND lr.restaurant_id = r.restaurant_id) GROUP BY r.restaurant_id "
                            "ORDER BY count(*) FILTER (WHERE char_length(r.body) > ",
                            kAnonymousBodyCodePoints, ") DESC, r.restaurant_id LIMIT 1"));
  }

  // The reviews kDemoUser liked.
  std::set<int64_t> likes_;
  std::unique_ptr<v1::ReviewService::Stub> stub_;
  Authorization logged_in_;
};

TEST_F(ReviewViewerTest, ListReviewsGivesALoggedInUserWholeBodiesAndTheirOwnLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::map<int64_t, std::string> stored = StoredBodies(restaurant_id);
  int long_bodies = 0;
  int liked = 0;
  size_t listed = 0;
  for (const v1::ListReviewsResponse& page : WalkReviews(restaurant_id, logged_in_, 4)) {
    for (const v1::Review& review : page.reviews()) {
      ++listed;
      ASSERT_TRUE(stored.contains(review.review_id())) << review.review_id();
      EXPECT_EQ(review.body(), stored.at(review.review_id())) << review.review_id();
      EXPECT_FALSE(review.body_truncated()) << review.review_id();
      EXPECT_EQ(review.liked_by_viewer(), likes_.contains(review.review_id()))
          << review.review_id();
      long_bodies += CodePoints(review.body()) > kAnonymousBodyCodePoints;
      liked += review.liked_by_viewer();
    }
  }
  EXPECT_EQ(listed, stored.size());
  EXPECT_GT(long_bodies, 0) << "restaurant " << restaurant_id << " shows no whole long body";
  EXPECT_GT(liked, 0) << "restaurant " << restaurant_id << " shows no like of the user";
}

TEST_F(ReviewViewerTest, ListReviewsGivesAnAnonymousCallerAtMost100CodePointsAndNoLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::map<int64_t, std::string> stored = StoredBodies(restaurant_id);
  int truncated = 0;
  for (const v1::ListReviewsResponse& page : WalkReviews(restaurant_id, Anonymous(), 4)) {
    for (const v1::Review& review : page.reviews()) {
      ASSERT_TRUE(stored.contains(review.review_id())) << review.review_id();
      const std::string& whole = stored.at(review.review_id());
      EXPECT_LE(CodePoints(review.body()), kAnonymousBodyCodePoints) << review.review_id();
      EXPECT_EQ(review.body(), FirstCodePoints(whole, kAnonymousBodyCodePoints))
          << review.review_id();
      EXPECT_EQ(review.body_truncated(), CodePoints(whole) > kAnonymousBodyCodePoints)
          << review.review_id();
      EXPECT_FALSE(review.liked_by_viewer()) << review.review_id();
      truncated += review.body_truncated();
    }
  }
  EXPECT_GT(truncated, 0);
}

TEST_F(ReviewViewerTest, ListReviewsAnswersDifferOnlyInBodiesAndLikes) {
  const int64_t restaurant_id = RestaurantWithLikedAndLongReviews();
  const std::vector<v1::ListReviewsResponse> logged_in = WalkReviews(restaurant_id, logged_in_, 3);
  const std::vector<v1::ListReviewsResponse> anonymous = WalkReviews(restaurant_id, Anonymous(), 3);
  ASSERT_EQ(logged_in.size(), anonymous.size());
  for (size_t page = 0; page < logged_in.size(); ++page) {
    v1::ListReviewsResponse a = logged_in[page];
    v1::ListReviewsResponse b = anonymous[page];
    for (auto* response : {&a, &b}) {
      for (v1::Review& review : *response->mutable_reviews()) review = WithoutViewerFields(review);
    }
    EXPECT_TRUE(SameMessage(a, b)) << "page " << page;
  }
}

TEST_F(ReviewViewerTest, GetReviewGivesTheLikingUserTheWholeBodyAndTheirLike) {
  // A review the demo user liked, the longest such one.
  const int64_t review_id = QueryInt64(
      url(), absl::StrCat("SELECT review_id FROM reviews JOIN review_likes USING (review_id) "
                          "WHERE user_id = ",
                          kDemoUser, " ORDER BY char_length(body) DESC, review_id LIMIT 1"));
  const std::string whole = misc::testing::QueryString(
      url(), absl::StrCat("SELECT body FROM reviews WHERE review_id = ", review_id));
  v1::GetReviewResponse logged_in;
  ASSERT_TRUE(GetReview(review_id, logged_in_, &logged_in).ok());
  EXPECT_EQ(logged_in.review().body(), whole);
  EXPECT_FALSE(logged_in.review().body_truncated());
  EXPECT_TRUE(logged_in.review().liked_by_viewer());

  v1::GetReviewResponse anonymous;
  ASSERT_TRUE(GetReview(review_id, Anonymous(), &anonymous).ok());
  EXPECT_EQ(anonymous.review().body(), FirstCodePoints(whole, kAnonymousBodyCodePoints));
  EXPECT_EQ(anonymous.review().body_truncated(), CodePoints(whole) > kAnonymousBodyCodePoints);
  EXPECT_FALSE(anonymous.review().liked_by_viewer());
  EXPECT_TRUE(SameMessage(WithoutViewerFields(logged_in.review()),
                          WithoutViewerFields(anonymous.review())));
}

}  // namespace
}  // namespace misc::review

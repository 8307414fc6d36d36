// ShapeForAnonymous: what an anonymous caller sees of a review (API.md, Viewer).
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/string_view.h"
#include "misc/review/v1/review.pb.h"
#include "services/review/review_service.h"

namespace misc::review {
namespace {

// Returns `unit` repeated `times` times.
std::string Repeat(absl::string_view unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out.append(unit.data(), unit.size());
  return out;
}

// Counts the code points of valid UTF-8 `text` (every byte that does not continue one).
size_t CodePoints(absl::string_view text) {
  size_t count = 0;
  for (char byte : text) {
    if ((static_cast<unsigned char>(byte) & 0xC0) != 0x80) ++count;
  }
  return count;
}

v1::Review ShapedForAnonymous(const std::string& body) {
  v1::Review review;
  review.set_body(body);
  review.set_liked_by_viewer(true);
  ShapeForAnonymous(&review);
  return review;
}

TEST(ShapeForAnonymousTest, KeepsExactlyTheFirst100CodePointsOfLongJapaneseText) {
  const std::string body = Repeat("美味しい", 40);  // 160 three-byte code points.
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_TRUE(review.body_truncated());
  EXPECT_EQ(CodePoints(review.body()), 100u);
  EXPECT_EQ(review.body().size(), 300u);
  EXPECT_EQ(review.body(), body.substr(0, 300));
}

TEST(ShapeForAnonymousTest, NeverCutsInsideAFourByteEmoji) {
  // 99 ASCII letters, then emoji: the 100th code point is the first emoji, kept whole.
  const std::string body = Repeat("a", 99) + Repeat("🍣", 5);
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_TRUE(review.body_truncated());
  EXPECT_EQ(review.body(), Repeat("a", 99) + "🍣");
}

TEST(ShapeForAnonymousTest, MixedScriptsAreCountedInCodePointsNotBytes) {
  const std::string body = Repeat("寿司🍣é!", 30);  // 150 code points of 1 to 4 bytes.
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_TRUE(review.body_truncated());
  EXPECT_EQ(CodePoints(review.body()), 100u);
  EXPECT_EQ(review.body(), Repeat("寿司🍣é!", 20));
  EXPECT_EQ(body.compare(0, review.body().size(), review.body()), 0) << "must be a prefix";
}

TEST(ShapeForAnonymousTest, CountsCombiningMarksAsTheirOwnCodePoints) {
  // "が" written as か + U+3099 (combining voiced mark): two code points per character.
  const std::string body = Repeat("か\u3099", 60);  // 120 code points.
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_TRUE(review.body_truncated());
  EXPECT_EQ(review.body(), Repeat("か\u3099", 50));
}

TEST(ShapeForAnonymousTest, BodyOfExactly100CodePointsIsWholeAndNotTruncated) {
  const std::string body = Repeat("お", 50) + Repeat("🍜", 50);
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_FALSE(review.body_truncated());
  EXPECT_EQ(review.body(), body);
}

TEST(ShapeForAnonymousTest, BodyOf101CodePointsLosesOnlyTheLast) {
  const std::string body = Repeat("お", 100) + "🍜";
  const v1::Review review = ShapedForAnonymous(body);
  EXPECT_TRUE(review.body_truncated());
  EXPECT_EQ(review.body(), Repeat("お", 100));
}

TEST(ShapeForAnonymousTest, ShortAndEmptyBodiesAreWholeAndNotTruncated) {
  EXPECT_EQ(ShapedForAnonymous("").body(), "");
  EXPECT_FALSE(ShapedForAnonymous("").body_truncated());
  EXPECT_EQ(ShapedForAnonymous("美味しい🍣").body(), "美味しい🍣");
  EXPECT_FALSE(ShapedForAnonymous("美味しい🍣").body_truncated());
}

TEST(ShapeForAnonymousTest, ClearsLikedByViewerAndAStaleTruncatedFlag) {
  v1::Review review;
  review.set_body("短い");
  review.set_body_truncated(true);
  review.set_liked_by_viewer(true);
  ShapeForAnonymous(&review);
  EXPECT_FALSE(review.body_truncated());
  EXPECT_FALSE(review.liked_by_viewer());
}

}  // namespace
}  // namespace misc::review

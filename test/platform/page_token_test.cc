#include "src/pagination/page_token.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "src/pagination/page_size.h"
#include "src/status/errors.h"

namespace misc::pagination {
namespace {

TEST(PageTokenTest, RoundTripsTheCursorForTheSameFilter) {
  const std::string token = EncodePageToken("list?area=3", {42, -7});
  absl::StatusOr<Cursor> cursor = DecodePageToken(token, "list?area=3", 2);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, (Cursor{42, -7}));
}

TEST(PageTokenTest, RoundTripsExtremeValues) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  absl::StatusOr<Cursor> cursor = DecodePageToken(EncodePageToken("f", {min, max, 0}), "f", 3);
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, (Cursor{min, max, 0}));
}

TEST(PageTokenTest, IsUrlSafe) {
  const std::string token = EncodePageToken("f", {-1, -1});
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
}

TEST(PageTokenTest, RejectsATokenIssuedForAnotherFilter) {
  const std::string token = EncodePageToken("list?area=3", {42, 7});
  absl::StatusOr<Cursor> cursor = DecodePageToken(token, "list?area=4", 2);
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, RejectsEveryChangedCharacter) {
  const std::string token = EncodePageToken("f", {123456, 789});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecodePageToken(tampered, "f", 2).ok()) << "position " << i;
  }
}

TEST(PageTokenTest, RejectsGarbageTruncationAndWrongCursorSize) {
  const std::string token = EncodePageToken("f", {1, 2});
  EXPECT_FALSE(DecodePageToken("not a token!", "f", 2).ok());
  EXPECT_FALSE(DecodePageToken(token.substr(0, token.size() - 1), "f", 2).ok());
  EXPECT_FALSE(DecodePageToken(token + "AA", "f", 2).ok());
  EXPECT_FALSE(DecodePageToken(token, "f", 3).ok());
}

TEST(PageTokenTest, ErrorNamesTheField) {
  absl::StatusOr<Cursor> cursor = DecodePageToken("xx", "f", 2, "page_token");
  std::vector<status::FieldViolation> violations = status::FieldViolationsOf(cursor.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "page_token");
}

TEST(PageSizeTest, ZeroMeansDefaultAndLargeIsCapped) {
  EXPECT_EQ(EffectivePageSize(0), 20);
  EXPECT_EQ(EffectivePageSize(1), 1);
  EXPECT_EQ(EffectivePageSize(100), 100);
  EXPECT_EQ(EffectivePageSize(101), 100);
  EXPECT_EQ(EffectivePageSize(std::numeric_limits<int32_t>::max()), 100);
}

}  // namespace
}  // namespace misc::pagination

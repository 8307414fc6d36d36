#include "src/pagination/page_token.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "src/pagination/page_size.h"
#include "src/pagination/page_token_key_file.h"
#include "src/status/errors.h"

namespace misc::pagination {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// Two deployment keys, as a key file holds them.
const std::string kKeyA(32, 'a');
const std::string kKeyB = "0123456789abcdef0123456789ABCDEF-b";

PageTokenCodec CodecOf(std::vector<std::string> keys) {
  return PageTokenCodec::Create(std::move(keys)).value();
}

// Most tests use one keyed codec through these two.
std::string EncodePageToken(absl::string_view filter, absl::Span<const int64_t> cursor) {
  return CodecOf({kKeyA}).Encode(filter, cursor);
}
absl::StatusOr<Cursor> DecodePageToken(absl::string_view token, absl::string_view filter,
                                       absl::Span<const ValueRange> ranges,
                                       absl::string_view field = "page_token") {
  return CodecOf({kKeyA}).Decode(token, filter, ranges, field);
}

// `size` cursor positions that take any int64.
std::vector<ValueRange> AnyValues(size_t size) { return std::vector<ValueRange>(size); }

// Ranges like the services': a count that fits int32, a positive id, a bounded time.
constexpr ValueRange kServiceLikeRanges[] = {
    {.min = 0, .max = kInt32Max},
    {.min = 1},
    {.min = -210'866'803'200'000'000, .max = 9'223'372'036'854'775'295}};

// What DecodePageToken says about a token that is not one at all, to compare others with.
absl::Status GarbageTokenStatus() { return DecodePageToken("xx", "f", AnyValues(2)).status(); }

// Expects `status` to be the one every bad token gets: INVALID_ARGUMENT naming page_token.
void ExpectRejectedLikeGarbage(const absl::Status& status) {
  const absl::Status garbage = GarbageTokenStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), garbage.message());
  const std::vector<status::FieldViolation> violations = status::FieldViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u) << status;
  EXPECT_EQ(violations[0].field, "page_token");
  EXPECT_EQ(violations[0].description, status::FieldViolationsOf(garbage)[0].description);
}

TEST(PageTokenTest, RoundTripsTheCursorForTheSameFilter) {
  const std::string token = EncodePageToken("list?area=3", {42, -7});
  absl::StatusOr<Cursor> cursor = DecodePageToken(token, "list?area=3", AnyValues(2));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, (Cursor{42, -7}));
}

TEST(PageTokenTest, RoundTripsExtremeValues) {
  absl::StatusOr<Cursor> cursor =
      DecodePageToken(EncodePageToken("f", {kInt64Min, kInt64Max, 0}), "f", AnyValues(3));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, (Cursor{kInt64Min, kInt64Max, 0}));
}

TEST(PageTokenTest, IsUrlSafe) {
  const std::string token = EncodePageToken("f", {-1, -1});
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;
}

TEST(PageTokenTest, RejectsATokenIssuedForAnotherFilter) {
  const std::string token = EncodePageToken("list?area=3", {42, 7});
  absl::StatusOr<Cursor> cursor = DecodePageToken(token, "list?area=4", AnyValues(2));
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenTest, RejectsEveryChangedCharacter) {
  const std::string token = EncodePageToken("f", {123456, 789});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecodePageToken(tampered, "f", AnyValues(2)).ok()) << "position " << i;
  }
}

TEST(PageTokenTest, RejectsGarbageTruncationAndWrongCursorSize) {
  const std::string token = EncodePageToken("f", {1, 2});
  EXPECT_FALSE(DecodePageToken("not a token!", "f", AnyValues(2)).ok());
  EXPECT_FALSE(DecodePageToken(token.substr(0, token.size() - 1), "f", AnyValues(2)).ok());
  EXPECT_FALSE(DecodePageToken(token + "AA", "f", AnyValues(2)).ok());
  EXPECT_FALSE(DecodePageToken(token, "f", AnyValues(3)).ok());
}

TEST(PageTokenTest, ErrorNamesTheField) {
  absl::StatusOr<Cursor> cursor = DecodePageToken("xx", "f", AnyValues(2), "after");
  std::vector<status::FieldViolation> violations = status::FieldViolationsOf(cursor.status());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "after");
}

TEST(PageTokenTest, ValueOutOfItsRangeIsRejectedLikeAForgedToken) {
  const std::vector<ValueRange> ranges = {{.min = 0, .max = kInt32Max}, {.min = 1}};
  for (const Cursor& cursor :
       {Cursor{-1, 5}, Cursor{kInt32Max + 1, 5}, Cursor{kInt64Min, 5}, Cursor{kInt64Max, 5},
        Cursor{7, 0}, Cursor{7, -1}, Cursor{7, kInt64Min}, Cursor{-1, 0}}) {
    SCOPED_TRACE(::testing::PrintToString(cursor));
    ExpectRejectedLikeGarbage(DecodePageToken(EncodePageToken("f", cursor), "f", ranges).status());
  }
}

TEST(PageTokenTest, BoundaryValuesAreAccepted) {
  const std::vector<ValueRange> ranges = {{.min = 0, .max = kInt32Max}, {.min = 1}};
  for (const Cursor& cursor :
       {Cursor{0, 1}, Cursor{kInt32Max, 1}, Cursor{0, kInt64Max}, Cursor{kInt32Max, kInt64Max}}) {
    absl::StatusOr<Cursor> decoded = DecodePageToken(EncodePageToken("f", cursor), "f", ranges);
    ASSERT_TRUE(decoded.ok()) << ::testing::PrintToString(cursor) << ": " << decoded.status();
    EXPECT_EQ(*decoded, cursor);
  }
}

TEST(PageTokenTest, EmptyRangeRejectsEveryValue) {
  const std::vector<ValueRange> ranges = {{.min = 1, .max = 0}};
  for (int64_t value : {kInt64Min, int64_t{0}, int64_t{1}, kInt64Max}) {
    ExpectRejectedLikeGarbage(DecodePageToken(EncodePageToken("f", {value}), "f", ranges).status());
  }
}

// Returns a value that is often at or next to one of the bounds of `ranges` (where mistakes
// live), sometimes small and sometimes any int64.
int64_t RandomValue(std::mt19937_64& random, absl::Span<const ValueRange> ranges) {
  switch (random() % 4) {
    case 0:
      return static_cast<int64_t>(random());
    case 1:
      return static_cast<int64_t>(random() % 7) - 3;
    default: {
      const ValueRange& range = ranges[random() % ranges.size()];
      const int64_t bound = random() % 2 == 0 ? range.min : range.max;
      const int64_t step = static_cast<int64_t>(random() % 5) - 2;
      if (step > 0 && bound > kInt64Max - step) return kInt64Max;
      if (step < 0 && bound < kInt64Min - step) return kInt64Min;
      return bound + step;
    }
  }
}

TEST(PageTokenTest, RandomMintedCursorsDecodeInRangeOrAreInvalidArgument) {
  // Anyone can mint a token with the real encoder (the key is in the source). Whatever the
  // cursor, decoding gives back exactly the cursor with every value in its range, or the
  // INVALID_ARGUMENT of any bad token; never anything else.
  const absl::Span<const ValueRange> ranges = kServiceLikeRanges;
  std::mt19937_64 random(20240611);
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    // Mostly a cursor of the expected size, sometimes one value more or fewer.
    const size_t size = ranges.size() + (random() % 8 == 0 ? random() % 3 : 1) - 1;
    Cursor cursor;
    for (size_t k = 0; k < size; ++k) cursor.push_back(RandomValue(random, ranges));
    bool in_range = size == ranges.size();
    for (size_t k = 0; in_range && k < size; ++k) {
      in_range = cursor[k] >= ranges[k].min && cursor[k] <= ranges[k].max;
    }
    SCOPED_TRACE(::testing::PrintToString(cursor));
    absl::StatusOr<Cursor> decoded = DecodePageToken(EncodePageToken("f", cursor), "f", ranges);
    if (in_range) {
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      ASSERT_EQ(*decoded, cursor);
      ++accepted;
    } else {
      ExpectRejectedLikeGarbage(decoded.status());
      if (::testing::Test::HasFailure()) return;
      ++rejected;
    }
  }
  // The draw must exercise both outcomes often, or the loop proves little.
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(rejected, 1000);
}

TEST(PageTokenKeysTest, TheFirstKeySignsAndEveryKeyVerifies) {
  const std::string by_a = CodecOf({kKeyA}).Encode("f", {1, 2});
  // Rotation, step 1: B is added to verify only; A still signs.
  const PageTokenCodec a_then_b = CodecOf({kKeyA, kKeyB});
  EXPECT_EQ(a_then_b.Encode("f", {1, 2}), by_a);
  // Step 2: B signs; tokens A signed during the walk still decode.
  const PageTokenCodec b_then_a = CodecOf({kKeyB, kKeyA});
  const std::string by_b = b_then_a.Encode("f", {1, 2});
  EXPECT_NE(by_b, by_a);
  EXPECT_EQ(b_then_a.Decode(by_a, "f", AnyValues(2)).value(), (Cursor{1, 2}));
  EXPECT_EQ(b_then_a.Decode(by_b, "f", AnyValues(2)).value(), (Cursor{1, 2}));
  EXPECT_EQ(a_then_b.Decode(by_b, "f", AnyValues(2)).value(), (Cursor{1, 2}));
}

TEST(PageTokenKeysTest, ATokenOfAnUnknownKeyIsRejectedLikeGarbage) {
  const std::string by_b = CodecOf({kKeyB}).Encode("f", {1, 2});
  ExpectRejectedLikeGarbage(CodecOf({kKeyA}).Decode(by_b, "f", AnyValues(2)).status());
  // Nor does the development key, which anyone can read in the source, open a keyed codec.
  const std::string by_development = PageTokenCodec::Development().Encode("f", {1, 2});
  ExpectRejectedLikeGarbage(CodecOf({kKeyA}).Decode(by_development, "f", AnyValues(2)).status());
  EXPECT_TRUE(PageTokenCodec::Development().Decode(by_development, "f", AnyValues(2)).ok());
}

TEST(PageTokenKeysTest, NoKeyOrAShortKeyIsRefused) {
  EXPECT_EQ(PageTokenCodec::Create({}).status().code(), absl::StatusCode::kInvalidArgument);
  const absl::Status short_key = PageTokenCodec::Create({kKeyA, std::string(31, 's')}).status();
  EXPECT_EQ(short_key.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_key.message().find("key 2"), absl::string_view::npos) << short_key;
}

TEST(PageTokenKeyFileTest, ReadsOneBase64KeyALineSkippingCommentsAndBlankLines) {
  const std::string text = absl::StrCat("# rotated 2026-12-05\n\n  ", absl::Base64Escape(kKeyB),
                                        "  \n", absl::Base64Escape(kKeyA), "\n");
  absl::StatusOr<PageTokenCodec> codec = ParsePageTokenKeys(text, "keys");
  ASSERT_TRUE(codec.ok()) << codec.status();
  // B, the first key, signs; A verifies.
  EXPECT_EQ(codec->Encode("f", {7}), CodecOf({kKeyB}).Encode("f", {7}));
  EXPECT_TRUE(codec->Decode(CodecOf({kKeyA}).Encode("f", {7}), "f", AnyValues(1)).ok());
}

TEST(PageTokenKeyFileTest, ABadLineIsNamedAndTheKeyIsNeverInTheMessage) {
  const std::string short_key = absl::Base64Escape(std::string(16, 'k'));
  for (const auto& [text, line] :
       {std::pair<std::string, std::string>{"# keys\nnot base64!\n", "line 2"},
        {absl::StrCat(absl::Base64Escape(kKeyA), "\n", short_key, "\n"), "line 2"}}) {
    const absl::Status status = ParsePageTokenKeys(text, "keys").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(status.message().find(line), absl::string_view::npos) << status;
    EXPECT_EQ(status.message().find(short_key), absl::string_view::npos) << status;
    EXPECT_EQ(status.message().find("base64!"), absl::string_view::npos) << status;
  }
  EXPECT_EQ(ParsePageTokenKeys("# only a comment\n\n", "keys").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadPageTokenKeyFile("/nonexistent/page-token-keys").status().code(),
            absl::StatusCode::kNotFound);
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

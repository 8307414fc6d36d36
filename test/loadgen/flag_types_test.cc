#include "bench/loadgen/flag_types.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/flags/marshalling.h"

namespace misc::loadgen {
namespace {

TEST(IdRangeFlagTest, ParsesFirstColonLast) {
  IdRange range;
  std::string error;
  ASSERT_TRUE(absl::ParseFlag("1:100000", &range, &error)) << error;
  EXPECT_EQ(range.first, 1);
  EXPECT_EQ(range.last, 100000);
  EXPECT_EQ(absl::UnparseFlag(range), "1:100000");
}

TEST(IdRangeFlagTest, ABareNumberIsARangeOfOne) {
  IdRange range;
  std::string error;
  ASSERT_TRUE(absl::ParseFlag("42", &range, &error)) << error;
  EXPECT_EQ(range.first, 42);
  EXPECT_EQ(range.last, 42);
}

TEST(IdRangeFlagTest, RejectsMalformedAndEmptyRanges) {
  for (const char* text : {"", "a:b", "1:", ":5", "1:2:3", "0:10", "-5:10", "10:9", "1-10"}) {
    IdRange range;
    std::string error;
    EXPECT_FALSE(absl::ParseFlag(text, &range, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(MixFlagTest, ParsesWeightedNamesInOrder) {
  Mix mix;
  std::string error;
  ASSERT_TRUE(absl::ParseFlag("get_restaurant:6, list_reviews:3,list_genres:1", &mix, &error))
      << error;
  ASSERT_EQ(mix.entries.size(), 3u);
  EXPECT_EQ(mix.entries[0].workload, "get_restaurant");
  EXPECT_EQ(mix.entries[0].weight, 6);
  EXPECT_EQ(mix.entries[1].workload, "list_reviews");
  EXPECT_EQ(mix.entries[1].weight, 3);
  EXPECT_EQ(mix.entries[2].workload, "list_genres");
  EXPECT_EQ(mix.entries[2].weight, 1);
  EXPECT_EQ(absl::UnparseFlag(mix), "get_restaurant:6,list_reviews:3,list_genres:1");
}

TEST(MixFlagTest, EmptyMeansNoMix) {
  Mix mix = {.entries = {{"x", 1}}};
  std::string error;
  ASSERT_TRUE(absl::ParseFlag("", &mix, &error)) << error;
  EXPECT_TRUE(mix.entries.empty());
}

TEST(MixFlagTest, RejectsMissingOrBadWeightsAndRepeats) {
  for (const char* text :
       {"get_restaurant", "get_restaurant:", "get_restaurant:0", "get_restaurant:-1",
        "get_restaurant:x", ":3", "a:1,,b:1", "a:1,a:2", "a:1:2"}) {
    Mix mix;
    std::string error;
    EXPECT_FALSE(absl::ParseFlag(text, &mix, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(StatusCodesTest, ParsesCanonicalNames) {
  const absl::StatusOr<std::set<grpc::StatusCode>> codes = ParseStatusCodes("OK, NOT_FOUND");
  ASSERT_TRUE(codes.ok()) << codes.status();
  EXPECT_EQ(*codes,
            (std::set<grpc::StatusCode>{grpc::StatusCode::OK, grpc::StatusCode::NOT_FOUND}));
}

TEST(StatusCodesTest, RejectsUnknownNames) {
  const absl::StatusOr<std::set<grpc::StatusCode>> codes = ParseStatusCodes("OK,not_found");
  EXPECT_EQ(codes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(codes.status().message().find("not_found"), std::string::npos);
}

}  // namespace
}  // namespace misc::loadgen

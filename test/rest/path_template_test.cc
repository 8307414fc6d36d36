#include "src/rest/path_template.h"

#include <gtest/gtest.h>

namespace misc::rest {
namespace {

TEST(PathTemplateTest, MatchesLiteralsAndBindsVariables) {
  absl::StatusOr<PathTemplate> path =
      PathTemplate::Parse("/v1/restaurants/{restaurant_id}/reviews");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(path->variables(), std::vector<std::string>{"restaurant_id"});
  auto bindings = path->Match("/v1/restaurants/42/reviews");
  ASSERT_TRUE(bindings.has_value());
  ASSERT_EQ(bindings->size(), 1u);
  EXPECT_EQ((*bindings)[0].field, "restaurant_id");
  EXPECT_EQ((*bindings)[0].value, "42");
  EXPECT_FALSE(path->Match("/v1/restaurants/42").has_value());
  EXPECT_FALSE(path->Match("/v1/restaurants/42/reviews/1").has_value());
  EXPECT_FALSE(path->Match("/v1/restaurant/42/reviews").has_value());
  EXPECT_FALSE(path->Match("v1/restaurants/42/reviews").has_value());
  EXPECT_FALSE(path->Match("/v1/restaurants//reviews").has_value()) << "empty variable";
}

TEST(PathTemplateTest, DecodesVariablesAndRefusesBadEncoding) {
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse("/v1/areas/{area_id}");
  ASSERT_TRUE(path.ok());
  auto bindings = path->Match("/v1/areas/%E6%B8%8B%E8%B0%B7");
  ASSERT_TRUE(bindings.has_value());
  EXPECT_EQ((*bindings)[0].value, "渋谷");
  EXPECT_FALSE(path->Match("/v1/areas/%G1").has_value());
  EXPECT_FALSE(path->Match("/v1/areas/%4").has_value());
  EXPECT_EQ((*path->Match("/v1/areas/a+b"))[0].value, "a+b") << "'+' is a space in queries only";
}

TEST(PathTemplateTest, CustomVerbIsPartOfTheLastSegment) {
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse("/v1/restaurants:batchGet");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_TRUE(path->Match("/v1/restaurants:batchGet").has_value());
  EXPECT_FALSE(path->Match("/v1/restaurants").has_value());
  EXPECT_FALSE(path->Match("/v1/restaurants:batchget").has_value());
  absl::StatusOr<PathTemplate> plain = PathTemplate::Parse("/v1/restaurants");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->Match("/v1/restaurants:batchGet").has_value());
}

TEST(PathTemplateTest, RefusesWhatItDoesNotSupport) {
  for (const char* text : {"v1/x", "/v1//x", "/v1/*", "/v1/**", "/v1/{name=shelves/*}", "/v1/x{id}",
                           "/v1/{id", "/v1/{1id}", "/v1/x:"}) {
    EXPECT_FALSE(PathTemplate::Parse(text).ok()) << text;
  }
}

TEST(PercentDecodeTest, DecodesQueryStrings) {
  EXPECT_EQ(PercentDecode("a%20b+c", /*plus_is_space=*/true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", /*plus_is_space=*/false), "a b+c");
  EXPECT_EQ(PercentDecode("%e5%af%bf%E5%8F%B8", true), "寿司");
  EXPECT_EQ(PercentDecode("%", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%2", true), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz", true), std::nullopt);
}

}  // namespace
}  // namespace misc::rest

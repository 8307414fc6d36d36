#include "src/auth/strict_json.h"

#include <gtest/gtest.h>

#include <string>

namespace misc::auth {
namespace {

TEST(StrictJsonTest, ParsesLikeNlohmann) {
  absl::StatusOr<nlohmann::json> json =
      ParseStrictJson(R"({"a": [1, {"b": null}], "c": "d", "e": {"a": 2}})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, nlohmann::json::parse(R"({"a": [1, {"b": null}], "c": "d", "e": {"a": 2}})"));
  EXPECT_EQ(ParseStrictJson("[]").value(), nlohmann::json::array());
  EXPECT_EQ(ParseStrictJson("\"x\"").value(), "x");
}

TEST(StrictJsonTest, RejectsDuplicateMemberNamesAtAnyLevel) {
  for (const char* duplicate :
       {R"({"a": 1, "a": 1})", R"({"a": 1, "b": 2, "a": 3})", R"({"x": {"a": 1, "a": 2}})",
        R"([{"a": 1, "a": 2}])", R"({"a": 1, "\u0061": 2})"}) {
    absl::StatusOr<nlohmann::json> json = ParseStrictJson(duplicate);
    EXPECT_EQ(json.status().message(), "duplicate member name") << duplicate;
  }
  // The same name in different objects is fine.
  EXPECT_TRUE(ParseStrictJson(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})").ok());
}

TEST(StrictJsonTest, RejectsInvalidJsonWithoutQuotingIt) {
  for (const char* bad : {"", "{", "{\"a\":}", "{'a': 1}", "{\"a\": 1} {}", "{\"a\": 1,}",
                          "// c\n{}", "\xEF\xBB\xBF{}", "{\"a\": \"\xff\"}", "NaN"}) {
    absl::StatusOr<nlohmann::json> json = ParseStrictJson(bad);
    ASSERT_FALSE(json.ok()) << bad;
    EXPECT_EQ(json.status().message(), "invalid JSON") << bad;
  }
}

TEST(StrictJsonTest, RejectsDeepNesting) {
  const int depth = kMaxJsonDepth;
  EXPECT_TRUE(ParseStrictJson(std::string(depth, '[') + std::string(depth, ']')).ok());
  EXPECT_EQ(
      ParseStrictJson(std::string(depth + 1, '[') + std::string(depth + 1, ']')).status().message(),
      "JSON nested too deeply");
  EXPECT_FALSE(ParseStrictJson(std::string(100000, '[')).ok());
}

}  // namespace
}  // namespace misc::auth

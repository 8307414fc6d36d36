#include "src/text/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace misc::text {
namespace {

TEST(PrefixOfCodePointsTest, KeepsShortTextWhole) {
  EXPECT_EQ(PrefixOfCodePoints("", 3), "");
  EXPECT_EQ(PrefixOfCodePoints("abc", 3), "abc");
  EXPECT_EQ(PrefixOfCodePoints("寿司", 2), "寿司");
}

TEST(PrefixOfCodePointsTest, CutsJapaneseOnCharacterBoundaries) {
  EXPECT_EQ(PrefixOfCodePoints("美味しい寿司", 3), "美味し");
  EXPECT_EQ(PrefixOfCodePoints("aé寿🍣b", 4), "aé寿🍣");
  EXPECT_EQ(PrefixOfCodePoints("aé寿🍣b", 3), "aé寿");
  EXPECT_EQ(PrefixOfCodePoints("🍣🍣", 1), "🍣");
  EXPECT_EQ(PrefixOfCodePoints("寿司", 0), "");
}

TEST(PrefixOfCodePointsTest, CountsCodePointsNotBytes) {
  std::string text;
  for (int i = 0; i < 150; ++i) text += "あ";
  const absl::string_view prefix = PrefixOfCodePoints(text, 100);
  EXPECT_EQ(prefix.size(), 300u);  // 100 three-byte characters.
}

}  // namespace
}  // namespace misc::text

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

TEST(IsValidUtf8Test, AcceptsJapaneseAndEveryPlane) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("abc"));
  EXPECT_TRUE(IsValidUtf8("渋谷の寿司 ラーメン"));
  EXPECT_TRUE(IsValidUtf8("aé寿🍣"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point.
}

TEST(IsValidUtf8Test, RefusesMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));      // A stray continuation byte.
  EXPECT_FALSE(IsValidUtf8("\xE5\xAF"));  // 寿 cut short.
  EXPECT_FALSE(IsValidUtf8(std::string("\xE5\xAF\x00", 3)));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // A surrogate, U+D800.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Above U+10FFFF.
}

}  // namespace
}  // namespace misc::text

#include "src/auth/base64url.h"

#include <gtest/gtest.h>

namespace misc::auth {
namespace {

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    const std::string encoded = Base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    EXPECT_EQ(Base64UrlDecode(encoded), bytes) << encoded;
    bytes.push_back(static_cast<char>(0xf0 + i));
  }
}

TEST(Base64UrlTest, DecodesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlDecode("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(Base64UrlDecode(""), "");
}

TEST(Base64UrlTest, RejectsPaddingStandardAlphabetWhitespaceAndBadLengths) {
  for (const char* bad :
       {"YQ==", "YQ=", "YWI=", "+/8", "YW J", "YWJj\n", " YWJj", "Y", "YWJjZ", "YW\0J", "YWJj."}) {
    EXPECT_EQ(Base64UrlDecode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(Base64UrlDecode(absl::string_view("YW\0J", 4)), std::nullopt);
}

TEST(Base64UrlTest, RejectsNonZeroUnusedBits) {
  EXPECT_EQ(Base64UrlDecode("YQ"), "a");
  EXPECT_EQ(Base64UrlDecode("YR"), std::nullopt);  // Same byte, a low bit set.
  EXPECT_EQ(Base64UrlDecode("YWI"), "ab");
  EXPECT_EQ(Base64UrlDecode("YWJ"), std::nullopt);
}

}  // namespace
}  // namespace misc::auth

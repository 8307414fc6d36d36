#ifndef MISC_BENCH_MICRO_JAPANESE_TEXT_H_
#define MISC_BENCH_MICRO_JAPANESE_TEXT_H_

// Realistic inputs for the micro-benchmarks: production text is UTF-8 Japanese, mostly 3-byte
// code points with some ASCII digits and 4-byte emoji, in the style of cmd/migrate/seed.sql.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace misc::bench {

inline constexpr std::string_view kRestaurantName = "らーめん 一期一会 新宿東口店";
inline constexpr std::string_view kRestaurantNameKana =
    "らーめんいちごいちえしんじゅくひがしぐちてん";
inline constexpr std::string_view kRestaurantAddress = "東京都新宿区新宿3丁目12-5 第二松本ビル 4F";
inline constexpr std::string_view kAuthorName = "食べ歩き女子42";
inline constexpr std::string_view kReviewTitle = "記念日に利用しました🎂";

// Sentences of review bodies, taken from the seed data.
inline constexpr std::array<std::string_view, 8> kReviewSentences = {
    "平日の昼に訪問しました。",
    "開店前から行列ができていて、30分ほど並んで入店しました。",
    "スープは濃厚なのに後味がすっきりしていて、最後の一滴まで飲み干してしまいました🍜",
    "店内はカウンターのみで、大将との距離が近いのが魅力です。",
    "ランチセットはサラダとドリンク付きで1,200円とかなりお得です。",
    "デザートの抹茶プリンが絶品で、これだけでも来る価値あり🍵",
    "焼き鳥はどれも焼き加減が絶妙で、特につくねが印象に残りました。",
    "𠮷野家の牛丼も好きですが、ここの丼はまた別格です。",
};

// Returns a review body of exactly `code_points` code points: seed sentences, repeated.
inline std::string JapaneseReviewBody(size_t code_points) {
  std::string body;
  size_t count = 0;
  for (size_t i = 0; count < code_points; ++i) {
    const std::string_view sentence = kReviewSentences[i % kReviewSentences.size()];
    for (size_t b = 0; b < sentence.size() && count < code_points;) {
      // The length of the UTF-8 sequence from its lead byte.
      const auto lead = static_cast<unsigned char>(sentence[b]);
      const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      body.append(sentence.substr(b, length));
      b += length;
      ++count;
    }
  }
  return body;
}

}  // namespace misc::bench

#endif  // MISC_BENCH_MICRO_JAPANESE_TEXT_H_

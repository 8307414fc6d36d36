#include "src/text/utf8.h"

namespace misc::text {
namespace {

bool IsContinuationByte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

}  // namespace

absl::string_view PrefixOfCodePoints(absl::string_view text, size_t max_code_points) {
  size_t code_points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsContinuationByte(text[i])) continue;
    if (code_points == max_code_points) return text.substr(0, i);
    ++code_points;
  }
  return text;
}

}  // namespace misc::text

#include "src/auth/base64url.h"

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace misc::auth {
namespace {

constexpr uint8_t kInvalid = 0xff;

// The value of each base64url character, kInvalid for every other byte.
constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (uint8_t& value : table) value = kInvalid;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::optional<std::string> Base64UrlDecode(absl::string_view encoded) {
  // A lone trailing character carries only 6 bits: no byte string encodes to that length.
  if (encoded.size() % 4 == 1) return std::nullopt;
  std::string out(encoded.size() * 6 / 8, '\0');
  char* next = out.data();
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : encoded) {
    const uint8_t value = kDecode[static_cast<unsigned char>(c)];
    if (value == kInvalid) return std::nullopt;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *next++ = static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // The 2 or 4 leftover bits are padding of the last character and must be zero.
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string Base64UrlEncode(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

}  // namespace misc::auth

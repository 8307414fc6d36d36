#include "src/pagination/page_token.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "src/status/errors.h"

namespace misc::pagination {
namespace {

constexpr unsigned char kFormatVersion = 1;
constexpr size_t kMacSize = 12;
constexpr size_t kMaxCursorSize = 8;
// The development key: in the source, so it stops no one minting tokens (PageTokenCodec::
// Development). Shorter than kMinKeyBytes, and the same bytes as before keys were
// configurable, so tokens issued then still decode.
constexpr absl::string_view kDevelopmentKey = "misc.page-token.v1";

std::array<unsigned char, EVP_MAX_MD_SIZE> Mac(absl::string_view key, absl::string_view filter,
                                               absl::string_view payload) {
  std::string message;
  message.reserve(filter.size() + 1 + payload.size());
  message.append(filter.data(), filter.size()).push_back('\0');
  message.append(payload.data(), payload.size());
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
       &length);
  return digest;
}

}  // namespace

absl::StatusOr<PageTokenCodec> PageTokenCodec::Create(std::vector<std::string> keys) {
  if (keys.empty()) return absl::InvalidArgumentError("no page token key");
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].size() < kMinKeyBytes) {
      return absl::InvalidArgumentError(absl::StrCat("page token key ", i + 1, " has ",
                                                     keys[i].size(), " bytes; at least ",
                                                     kMinKeyBytes, " are needed"));
    }
  }
  return PageTokenCodec(std::move(keys));
}

PageTokenCodec PageTokenCodec::Development() {
  return PageTokenCodec({std::string(kDevelopmentKey)});
}

std::string PageTokenCodec::Encode(absl::string_view filter,
                                   absl::Span<const int64_t> cursor) const {
  std::string payload;
  payload.push_back(static_cast<char>(kFormatVersion));
  payload.push_back(static_cast<char>(cursor.size()));
  for (int64_t value : cursor) {
    const auto bits = static_cast<uint64_t>(value);
    for (int shift = 56; shift >= 0; shift -= 8) {
      payload.push_back(static_cast<char>((bits >> shift) & 0xff));
    }
  }
  const auto mac = Mac(keys_.front(), filter, payload);
  payload.append(reinterpret_cast<const char*>(mac.data()), kMacSize);
  return absl::WebSafeBase64Escape(payload);
}

absl::StatusOr<Cursor> PageTokenCodec::Decode(absl::string_view token, absl::string_view filter,
                                              absl::Span<const ValueRange> ranges,
                                              absl::string_view field) const {
  const absl::Status invalid = status::InvalidField(
      field, "is not a page token issued for this request; start again without one");
  const size_t cursor_size = ranges.size();
  if (cursor_size > kMaxCursorSize) return invalid;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return invalid;
  const size_t payload_size = 2 + 8 * cursor_size;
  if (raw.size() != payload_size + kMacSize) return invalid;
  const absl::string_view payload(raw.data(), payload_size);
  // Every key is tried (a handful at most), so the time taken does not tell which one signed.
  bool signed_by_a_key = false;
  for (const std::string& key : keys_) {
    const auto mac = Mac(key, filter, payload);
    signed_by_a_key |= CRYPTO_memcmp(mac.data(), raw.data() + payload_size, kMacSize) == 0;
  }
  if (!signed_by_a_key) return invalid;
  if (static_cast<unsigned char>(raw[0]) != kFormatVersion ||
      static_cast<unsigned char>(raw[1]) != cursor_size) {
    return invalid;
  }
  Cursor cursor;
  cursor.reserve(cursor_size);
  for (size_t i = 0; i < cursor_size; ++i) {
    uint64_t bits = 0;
    for (size_t b = 0; b < 8; ++b) {
      bits = (bits << 8) | static_cast<unsigned char>(raw[2 + 8 * i + b]);
    }
    const auto value = static_cast<int64_t>(bits);
    if (value < ranges[i].min || value > ranges[i].max) return invalid;
    cursor.push_back(value);
  }
  return cursor;
}

}  // namespace misc::pagination

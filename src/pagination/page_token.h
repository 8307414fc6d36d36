#ifndef MISC_SRC_PAGINATION_PAGE_TOKEN_H_
#define MISC_SRC_PAGINATION_PAGE_TOKEN_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace misc::pagination {

// A keyset cursor: the sort key values of the last row of a page, e.g. {review_count, id}.
using Cursor = std::vector<int64_t>;

// The values one cursor position may hold, both ends included; by default any int64. A
// decoded cursor outside its ranges is refused even with a valid MAC, so that a token minted
// with a leaked key still only holds values the SQL behind it can take.
struct ValueRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

// Makes and reads opaque, URL-safe page tokens, MACed (HMAC-SHA256) with secret keys so that
// only this deployment can issue them: the first key signs, every key verifies, so a key can
// be rotated without breaking the pages of a walk in progress (docs/security.md). Immutable
// and thread-safe.
class PageTokenCodec {
 public:
  // The least key length, in bytes (HMAC-SHA256's block of security).
  static constexpr size_t kMinKeyBytes = 32;

  // A codec with `keys` (each at least kMinKeyBytes; the first signs). Returns
  // INVALID_ARGUMENT for no key or a short one; the message never holds a key.
  static absl::StatusOr<PageTokenCodec> Create(std::vector<std::string> keys);

  // A codec with the built-in development key, which is in the source: anyone can mint a
  // token that verifies. For development and tests only; servers warn when they use it.
  static PageTokenCodec Development();

  // Encodes `cursor` (at most 8 values) as a page token bound to `filter`, a canonical string
  // of everything that selects the rows (method and filter values, e.g.
  // "restaurants:area=3"). A token only decodes with the same filter, so it cannot be reused
  // with another one.
  std::string Encode(absl::string_view filter, absl::Span<const int64_t> cursor) const;

  // Decodes a token made by Encode, with any of the keys, for the same `filter` and a cursor
  // of one value per entry of `ranges`, each within its range. Returns INVALID_ARGUMENT
  // naming `field`, with the same message whatever the cause, when the token is malformed,
  // was changed, was signed with a key this codec does not have, was issued for another
  // filter or holds a value out of its range.
  absl::StatusOr<Cursor> Decode(absl::string_view token, absl::string_view filter,
                                absl::Span<const ValueRange> ranges,
                                absl::string_view field = "page_token") const;

 private:
  explicit PageTokenCodec(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  std::vector<std::string> keys_;  // Never empty; keys_[0] signs.
};

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_TOKEN_H_

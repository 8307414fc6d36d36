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

// Encodes `cursor` as an opaque, URL-safe page token bound to `filter`, a canonical string
// of everything that selects the rows (method and filter values, e.g. "restaurants:area=3").
// A token only decodes with the same filter, so it cannot be reused with another one.
std::string EncodePageToken(absl::string_view filter, absl::Span<const int64_t> cursor);

// The values one cursor position may hold, both ends included; by default any int64. The MAC
// key is in the source, so anyone can mint a token that verifies: the ranges, not the MAC, keep
// a minted cursor to values the SQL behind it can take (no overflow, no timestamp out of range).
struct ValueRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

// Decodes a token made by EncodePageToken for the same `filter` and a cursor of one value per
// entry of `ranges`, each within its range. Returns INVALID_ARGUMENT naming `field`, with the
// same message whatever the cause, when the token is malformed, was changed, was issued for
// another filter or holds a value out of its range.
absl::StatusOr<Cursor> DecodePageToken(absl::string_view token, absl::string_view filter,
                                       absl::Span<const ValueRange> ranges,
                                       absl::string_view field = "page_token");

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_TOKEN_H_

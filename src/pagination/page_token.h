#ifndef MISC_SRC_PAGINATION_PAGE_TOKEN_H_
#define MISC_SRC_PAGINATION_PAGE_TOKEN_H_

#include <cstdint>
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

// Decodes a token made by EncodePageToken for the same `filter` and a cursor of
// `cursor_size` values. Returns INVALID_ARGUMENT naming `field` when the token is malformed,
// was changed, or was issued for another filter.
absl::StatusOr<Cursor> DecodePageToken(absl::string_view token, absl::string_view filter,
                                       size_t cursor_size, absl::string_view field = "page_token");

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_TOKEN_H_

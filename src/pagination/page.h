#ifndef MISC_SRC_PAGINATION_PAGE_H_
#define MISC_SRC_PAGINATION_PAGE_H_

#include <cstdint>

#include "google/protobuf/repeated_field.h"

namespace misc::pagination {

// Keyset lists read one row more than the page (`page_size` + 1) to learn whether another
// page follows. Trims `rows` to `page_size` (at least 1) and returns the page's last row, the
// cursor of the next page, when there is one; nullptr on the last page.
template <typename Row>
const Row* TrimToPage(google::protobuf::RepeatedPtrField<Row>& rows, int32_t page_size) {
  if (rows.size() <= page_size) return nullptr;
  rows.DeleteSubrange(page_size, rows.size() - page_size);
  return &rows.Get(page_size - 1);
}

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_H_

#ifndef MISC_SRC_PAGINATION_PAGE_SIZE_H_
#define MISC_SRC_PAGINATION_PAGE_SIZE_H_

#include <cstdint>

namespace misc::pagination {

inline constexpr int32_t kDefaultPageSize = 20;
inline constexpr int32_t kMaxPageSize = 100;

// Returns the page size to serve for a requested `page_size` that is not negative: 0 means
// kDefaultPageSize and anything above kMaxPageSize is capped (API.md, Lists). Callers reject
// negative sizes first, as a field error.
constexpr int32_t EffectivePageSize(int32_t page_size) {
  if (page_size == 0) return kDefaultPageSize;
  return page_size > kMaxPageSize ? kMaxPageSize : page_size;
}

}  // namespace misc::pagination

#endif  // MISC_SRC_PAGINATION_PAGE_SIZE_H_

#ifndef MISC_SRC_CACHE_CHANGE_PAYLOAD_H_
#define MISC_SRC_CACHE_CHANGE_PAYLOAD_H_

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "src/cache/keyed_cache.h"

namespace misc::cache {

// Applies one change notification to `cache`. The payload is what the migrations' change
// triggers send: the changed keys, comma-separated, or "*" when a table was truncated or more
// rows changed than a payload can name. "*", and anything that does not parse (not ours to
// guess), clear the whole cache rather than risk keeping a stale entry.
template <typename V>
void ApplyChangePayload(KeyedCache<V>& cache, absl::string_view payload) {
  if (payload == "*") {
    cache.Clear();
    return;
  }
  for (absl::string_view text : absl::StrSplit(payload, ',', absl::SkipEmpty())) {
    int64_t key = 0;
    if (!absl::SimpleAtoi(text, &key)) {
      cache.Clear();
      return;
    }
    cache.Invalidate(key);
  }
}

}  // namespace misc::cache

#endif  // MISC_SRC_CACHE_CHANGE_PAYLOAD_H_

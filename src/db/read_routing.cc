#include "src/db/read_routing.h"

#include "absl/container/inlined_vector.h"

namespace misc::db {

int PickReplica(absl::Span<const int> in_flight, uint64_t turn) {
  absl::InlinedVector<int, 8> usable;
  for (int i = 0; i < static_cast<int>(in_flight.size()); ++i) {
    if (in_flight[i] != kNotUsable) usable.push_back(i);
  }
  if (usable.empty()) return -1;
  // Turns count over the usable replicas only, so that the one after a replica taken out
  // does not get its share too.
  const size_t first = turn % usable.size();
  int best = usable[first];
  for (size_t step = 1; step < usable.size(); ++step) {
    const int i = usable[(first + step) % usable.size()];
    if (in_flight[i] < in_flight[best]) best = i;
  }
  return best;
}

}  // namespace misc::db

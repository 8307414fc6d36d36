#ifndef MISC_SRC_DB_READ_ROUTING_H_
#define MISC_SRC_DB_READ_ROUTING_H_

#include <cstdint>

#include "absl/types/span.h"

namespace misc::db {

// Marks a replica that may not take reads in PickReplica's `in_flight`.
inline constexpr int kNotUsable = -1;

// Returns the index of the replica a read goes to: the usable one with the fewest reads in
// flight (`in_flight[i]`, or kNotUsable), ties going to the first in round-robin order from
// `turn` counted over the usable ones, so that idle replicas share the reads evenly. Returns -1
// when no replica is usable: the read goes to the primary.
int PickReplica(absl::Span<const int> in_flight, uint64_t turn);

}  // namespace misc::db

#endif  // MISC_SRC_DB_READ_ROUTING_H_

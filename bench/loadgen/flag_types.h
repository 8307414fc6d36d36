#ifndef MISC_BENCH_LOADGEN_FLAG_TYPES_H_
#define MISC_BENCH_LOADGEN_FLAG_TYPES_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace misc::loadgen {

// An inclusive range of positive ids, written "first:last" on the command line
// (--restaurant_ids=1:100000). Ids are drawn uniformly from it.
struct IdRange {
  int64_t first = 1;
  int64_t last = 1;
};

// Abseil flag hooks: "first:last" with 0 < first <= last. A bare "N" means "N:N".
bool AbslParseFlag(absl::string_view text, IdRange* range, std::string* error);
std::string AbslUnparseFlag(const IdRange& range);

// One workload of a mix and its relative weight (a positive integer).
struct MixEntry {
  std::string workload;
  int weight = 1;
};

// A weighted choice of workloads, written "name:weight,name:weight" (--mix=get_restaurant:6,
// list_reviews:3). Each operation runs one of them, picked with probability weight / total.
// Empty means no mix. Names are checked later, against the workloads that exist.
struct Mix {
  std::vector<MixEntry> entries;
};

// Abseil flag hooks for Mix. Rejects a missing or non-positive weight, an empty or repeated
// name and empty items.
bool AbslParseFlag(absl::string_view text, Mix* mix, std::string* error);
std::string AbslUnparseFlag(const Mix& mix);

// Parses a comma-separated list of status code names ("OK,NOT_FOUND"). Returns
// INVALID_ARGUMENT naming the first unknown name.
absl::StatusOr<std::set<grpc::StatusCode>> ParseStatusCodes(absl::string_view text);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_FLAG_TYPES_H_

#ifndef MISC_BENCH_LOADGEN_TOKENS_H_
#define MISC_BENCH_LOADGEN_TOKENS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace misc::loadgen {

// Reads user tokens, one a line (surrounding whitespace and blank lines ignored), and
// returns them as "Bearer <token>" authorization values. Returns NOT_FOUND when the file
// cannot be read and INVALID_ARGUMENT when it holds no token.
absl::StatusOr<std::vector<std::string>> ReadAuthorizations(const std::string& path);

}  // namespace misc::loadgen

#endif  // MISC_BENCH_LOADGEN_TOKENS_H_

#include "test/support/page_token_fuzz.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "test/support/grpc_assertions.h"

namespace misc::testing {

int64_t RandomCursorValue(std::mt19937_64& random, absl::Span<const int64_t> edges) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (random() % 2 == 0) return static_cast<int64_t>(random());
  const int64_t edge =
      random() % 3 == 0 ? (random() % 2 == 0 ? kMin : kMax) : edges[random() % edges.size()];
  const int64_t step = static_cast<int64_t>(random() % 3) - 1;
  if ((step > 0 && edge == kMax) || (step < 0 && edge == kMin)) return edge;
  return edge + step;
}

::testing::AssertionResult IsPageOrInvalidPageToken(const grpc::Status& status, bool in_range) {
  if (in_range) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "in range, yet " << status.error_code() << ": " << status.error_message();
  }
  const std::vector<std::string> fields = FieldViolations(status);
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
      fields == std::vector<std::string>{"page_token"}) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "out of range, yet " << status.error_code() << ": " << status.error_message()
         << " (fields " << absl::StrJoin(fields, ",") << ")";
}

}  // namespace misc::testing

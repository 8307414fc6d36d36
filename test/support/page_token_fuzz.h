#ifndef MISC_TEST_SUPPORT_PAGE_TOKEN_FUZZ_H_
#define MISC_TEST_SUPPORT_PAGE_TOKEN_FUZZ_H_

// Helpers for list tests that mint page tokens with random cursors (the MAC key is public
// until the security issue lands, so anyone can).

#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "absl/types/span.h"

namespace misc::testing {

// Returns a random cursor value: half the time any int64, otherwise one of `edges` (the
// limits of what the SQL takes, and int64's own), or its neighbour one below or above.
int64_t RandomCursorValue(std::mt19937_64& random, absl::Span<const int64_t> edges);

// Succeeds when a list call with a minted cursor answered a page (`in_range`), or, for a
// cursor out of range, INVALID_ARGUMENT whose only field violation is page_token.
::testing::AssertionResult IsPageOrInvalidPageToken(const grpc::Status& status, bool in_range);

}  // namespace misc::testing

#endif  // MISC_TEST_SUPPORT_PAGE_TOKEN_FUZZ_H_

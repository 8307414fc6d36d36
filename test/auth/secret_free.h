#ifndef MISC_TEST_AUTH_SECRET_FREE_H_
#define MISC_TEST_AUTH_SECRET_FREE_H_

// Checks that what a caller learns of a rejected token (a status message, error details)
// is short and gives nothing away: neither the token nor key material.

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace misc::auth::testing {

// The longest rejection message we call short.
inline constexpr size_t kMaxRejectionMessageBytes = 64;

// Returns the public material of every test key (RsaKey, EcKey, EdKey, OtherEcKey): the
// base64url parameters of its JWK (n, x, y) and the base64 lines of its PEM.
const std::vector<std::string>& KeyMaterial();

// Succeeds when `text` holds no piece of the `authorization` values (split at spaces and
// dots) of 8 bytes or more, no KeyMaterial, and nothing that looks like base64url JSON
// ("eyJ", the encoding of `{"`).
::testing::AssertionResult FreeOfSecrets(absl::string_view text,
                                         const std::vector<std::string>& authorization);

// Succeeds when `message`, the message of a rejection of `authorization`, has 1 to
// kMaxRejectionMessageBytes bytes, equals `expected` when that is not empty, and is
// FreeOfSecrets.
::testing::AssertionResult IsSafeRejectionMessage(absl::string_view message,
                                                  const std::vector<std::string>& authorization,
                                                  absl::string_view expected);

}  // namespace misc::auth::testing

#endif  // MISC_TEST_AUTH_SECRET_FREE_H_

#ifndef MISC_TEST_AUTH_JWT_FUZZ_ENTRY_H_
#define MISC_TEST_AUTH_JWT_FUZZ_ENTRY_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/jwt_verifier.h"

namespace misc::auth::fuzzing {

// Feeds untrusted `input` to every parser of misc_auth: the full JwtVerifier (as a token),
// ParseJwt and CheckClaims, ParseJwks, ParseStrictJson and Base64UrlDecode, and aborts when
// an invariant breaks (a decoded base64url string that does not re-encode to itself, or a
// token accepted for a non-positive user). Used by the libFuzzer target and the corpus
// replay test.
void FuzzOneInput(absl::string_view input);

// The verifier FuzzOneInput uses: three fixed public keys (kids fuzz-rsa, fuzz-ec, fuzz-ed)
// whose tokens in fuzz_corpus/ are valid at FuzzNow().
const JwtVerifier& FuzzVerifier();

// The clock of FuzzOneInput's verifications.
absl::Time FuzzNow();

}  // namespace misc::auth::fuzzing

#endif  // MISC_TEST_AUTH_JWT_FUZZ_ENTRY_H_

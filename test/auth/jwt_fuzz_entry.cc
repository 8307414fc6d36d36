#include "test/auth/jwt_fuzz_entry.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "src/auth/base64url.h"
#include "src/auth/claims_check.h"
#include "src/auth/jwks.h"
#include "src/auth/jwt_parser.h"
#include "src/auth/strict_json.h"

namespace misc::auth::fuzzing {
namespace {

// Public keys only; their private halves were thrown away after signing the seed tokens.
constexpr char kFuzzJwks[] =
    R"json({"keys":[{"alg":"RS256","e":"AQAB","kid":"fuzz-rsa","kty":"RSA","n":"5LygTms8GDe1KERzBfAkoquhbiXP5x3H5me0hRxIIdXPnWPMiSRC5M3bKOealTVsYKDcODN6_6FEHUIyYdtC2Eg29bsFav7U8uhtPAVSHhTK4VNA98J4DWrlXDkzGpzRho6pkyd8MNrI5rP8mAZDjvB_iXUDVBg1TiGUL2vinovyHwmMtgi4gL5D5B1p4eQkCJr5SXUdeH07bXaGvvO7IFOMDsZjttYbLMbs3PHrDAJ_oWOtyp6JRZRBr78ZGZ3bcfasyEzD3_dBU0kGPoIgSIKUelkJQs0YTaJIYbqzglMJAEGC62r5K143GPh6M3Xi8EqGsJ2m8m2UhDZRbvZu9w","use":"sig"},{"alg":"ES256","crv":"P-256","kid":"fuzz-ec","kty":"EC","use":"sig","x":"ARmeSUbHoa7S4Lsg7gNwiiGMesEbiwOZQBSuGD42DCk","y":"uV3eIcs9Cnu_-sfP2963EPw1t47wj7uUijOlH6Es1Xk"},{"alg":"EdDSA","crv":"Ed25519","kid":"fuzz-ed","kty":"OKP","use":"sig","x":"BalGbq1bHOQwksL7trBcq5fg-fmJQcREbFxSE-NWDuk"}]})json";

const absl::Time kFuzzNow = absl::FromUnixSeconds(1'795'500'000);

// Stops the fuzzer with a crash it reports, when an invariant does not hold.
void Require(bool condition) {
  if (!condition) std::abort();
}

// The JWKS file of the fuzz verifier, removed when the process exits. It stays until then
// for unknown-kid rereads (at most one: the fuzz clock stands still).
char jwks_path[] = "/tmp/misc-jwt-fuzz-jwks-XXXXXX";

std::unique_ptr<JwtVerifier> MakeVerifier() {
  const int fd = mkstemp(jwks_path);
  Require(fd >= 0);
  close(fd);
  std::atexit([] { std::remove(jwks_path); });
  {
    std::ofstream out(jwks_path);
    out << kFuzzJwks;
  }
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      JwtVerifier::Create({.jwks_file = jwks_path,
                           .issuer = "https://bff.misc.test",
                           .audience = "misc-api",
                           .clock_skew = absl::Seconds(60)});
  Require(verifier.ok());
  return *std::move(verifier);
}

}  // namespace

const JwtVerifier& FuzzVerifier() {
  static const JwtVerifier* const verifier = MakeVerifier().release();
  return *verifier;
}

absl::Time FuzzNow() { return kFuzzNow; }

void FuzzOneInput(absl::string_view input) {
  absl::StatusOr<Viewer> viewer = FuzzVerifier().Verify(input, kFuzzNow);
  if (viewer.ok()) Require(viewer->user_id().value_or(0) > 0);

  ParsedJwt jwt;
  if (ParseJwt(input, &jwt) == VerifyReason::kOk) {
    Require(jwt.signing_input.size() < input.size());
    int64_t user_id = 0;
    if (CheckClaims(jwt.claims, {.issuer = "https://bff.misc.test", .audience = "misc-api"},
                    kFuzzNow, &user_id) == VerifyReason::kOk) {
      Require(user_id > 0);
    }
  }

  if (const std::optional<std::string> decoded = Base64UrlDecode(input); decoded.has_value()) {
    Require(Base64UrlEncode(*decoded) == input);  // Exactly one accepted spelling.
  }
  ParseStrictJson(input).IgnoreError();
  ParseJwks(input).IgnoreError();
}

}  // namespace misc::auth::fuzzing

#ifndef MISC_TEST_AUTH_AUTH_TEST_UTIL_H_
#define MISC_TEST_AUTH_AUTH_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/jwt_signer.h"
#include "src/auth/jwt_verifier.h"
#include "src/auth/signing_key.h"

namespace misc::auth::testing {

// The issuer, audience and clock of the tests' tokens and verifiers.
inline constexpr char kIssuer[] = "https://bff.misc.test";
inline constexpr char kAudience[] = "misc-api";
inline const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Keys generated once per test process (RSA 2048 takes a while), each with its own kid.
const SigningKey& RsaKey();      // kid "rsa-1", RS256
const SigningKey& EcKey();       // kid "ec-1", ES256
const SigningKey& EdKey();       // kid "ed-1", EdDSA
const SigningKey& OtherEcKey();  // kid "ec-2", ES256, for rotation

// A JWKS file in the test's temporary directory, removed by the destructor.
class JwksFile {
 public:
  // Writes the public JWKs of `keys`.
  explicit JwksFile(const std::vector<SigningKey>& keys);
  ~JwksFile();
  JwksFile(const JwksFile&) = delete;
  JwksFile& operator=(const JwksFile&) = delete;

  // Replaces the file's content with the public JWKs of `keys`, or with `text`.
  void Write(const std::vector<SigningKey>& keys);
  void WriteText(absl::string_view text);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Returns options for a verifier of `jwks_file` with kIssuer, kAudience and a 60 s skew.
JwtVerifierOptions TestOptions(const std::string& jwks_file);

// Returns a verifier of `jwks_file` with TestOptions; fails the test if it cannot be built.
std::unique_ptr<JwtVerifier> MakeVerifier(const std::string& jwks_file);

// Returns the header {"alg": <key's alg>, "typ": "JWT", "kid": <key's kid>}.
nlohmann::json HeaderFor(const SigningKey& key);

// Returns valid claims at kNow: iss, aud, sub "42", iat kNow, exp kNow + 1h.
nlohmann::json ValidClaims();

// Returns valid claims at `now` (iss, aud, sub "42", iat `now`, exp `now` + 1h): for a real
// server, which checks tokens against the real clock, pass absl::Now().
nlohmann::json ValidClaimsAt(absl::Time now);

// Signs `header` and `claims` (dumped compactly) with `key`; fails the test on error.
std::string Sign(const SigningKey& key, const nlohmann::json& header, const nlohmann::json& claims,
                 EcdsaEncoding encoding = EcdsaEncoding::kRaw);

// Signs the JSON texts exactly as given (for duplicate members and other invalid JSON).
std::string SignText(const SigningKey& key, absl::string_view header_json,
                     absl::string_view claims_json);

// Returns a valid token of `key` with ValidClaims().
std::string ValidToken(const SigningKey& key);

// The three base64url parts of a compact JWS, for building tampered tokens.
struct JwsParts {
  std::string header;
  std::string payload;
  std::string signature;

  // Returns "header.payload.signature".
  std::string Join() const;
};

// Splits compact JWS `token` at its dots; fails the test unless there are exactly three parts.
JwsParts SplitJws(absl::string_view token);

// Returns the unpadded base64url of `json` dumped compactly.
std::string EncodeJson(const nlohmann::json& json);

// Returns `token` with its header replaced by `header`, its signature kept (no longer valid).
std::string WithHeader(absl::string_view token, const nlohmann::json& header);

// Returns `token` with its payload replaced by `claims`, its signature kept (no longer valid).
std::string WithClaims(absl::string_view token, const nlohmann::json& claims);

// Returns `token` with one bit of its decoded signature flipped, re-encoded canonically.
std::string WithFlippedSignatureBit(absl::string_view token);

// Returns an unsigned token: header {"alg": `alg`, "typ": "JWT"}, `claims`, empty signature.
std::string UnsignedToken(absl::string_view alg, const nlohmann::json& claims);

// Returns the key-confusion forgery: header {"alg": `hmac_alg` (HS256, HS384 or HS512), "typ":
// "JWT", "kid": key's kid} and `claims`, MACed with `key`'s public key PEM as the HMAC secret,
// as a verifier that takes alg from the token would check it.
std::string HmacWithPublicKeyPemToken(const SigningKey& key, absl::string_view hmac_alg,
                                      const nlohmann::json& claims);

// Returns a token signed with `key` (HeaderFor(key)) whose claims are `claims` plus a "pad"
// string claim just long enough that the token has at least `min_bytes` bytes (at most 3
// more).
std::string PaddedToken(const SigningKey& key, const nlohmann::json& claims, size_t min_bytes);

// Succeeds when `result` (JwtVerifier::Check) refused the token for `reason`.
::testing::AssertionResult RejectedFor(const Verification& result, VerifyReason reason);

// Succeeds when `result` is UNAUTHENTICATED with the one message every bad token gets.
::testing::AssertionResult IsInvalidToken(const absl::StatusOr<Viewer>& result);

// Succeeds when `result` is the viewer of user `user_id`.
::testing::AssertionResult AcceptedAs(const absl::StatusOr<Viewer>& result, int64_t user_id);

// Succeeds when `result` (JwtVerifier::Check) accepted the token as user `user_id`.
::testing::AssertionResult AcceptedAs(const Verification& result, int64_t user_id);

}  // namespace misc::auth::testing

#endif  // MISC_TEST_AUTH_AUTH_TEST_UTIL_H_

#ifndef MISC_SRC_AUTH_JWT_VERIFIER_H_
#define MISC_SRC_AUTH_JWT_VERIFIER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/auth/claims_check.h"
#include "src/auth/jwks_file_source.h"
#include "src/auth/verified_token_cache.h"
#include "src/auth/verify_reason.h"
#include "src/auth/viewer.h"
#include "src/refresh/refresher.h"

namespace misc::auth {

// How a JwtVerifier is set up; JwtVerifier::FromFlags fills it from the command line.
struct JwtVerifierOptions {
  // The JWKS file of the keys tokens may be signed with. Empty: no keys, so every token is
  // rejected (anonymous calls still work).
  std::string jwks_file;
  // iss must equal this and aud must contain `audience`; both required with a jwks_file.
  std::string issuer;
  std::string audience;
  // Tolerated clock difference for exp, nbf and iat.
  absl::Duration clock_skew = absl::Seconds(60);
  // A token naming an unknown kid rereads the JWKS file at most this often.
  absl::Duration unknown_kid_reload_interval = absl::Seconds(5);
  // How many verified tokens to remember so that their signature is checked once, not on
  // every call (VerifiedTokenCache); 0 checks every call's signature.
  size_t cache_size = 4096;
};

// What one verification found: why the token was accepted or refused and, when accepted, the
// user it names.
struct Verification {
  VerifyReason reason = VerifyReason::kMalformed;
  int64_t user_id = 0;  // Set when reason is kOk.
};

// Verifies the JWTs the BFF forwards for logged-in users, locally, with public keys from a
// JWKS file. Accepts RS256, ES256 and EdDSA, each only with a key of its own type; the key
// (by kid) decides the algorithm, never the token. A token without a kid is accepted only
// when the JWKS holds exactly one key. The checks run in a deliberate order (see Check):
// structure first, then the signature, then the claims, so no claim of an unsigned token is
// ever acted on. Thread-safe; Verify never blocks on a reload except the one call that
// triggers a reload for an unknown kid, which rereads the file synchronously (at most once
// per unknown_kid_reload_interval). A token seen before with the same keys skips parsing and
// the signature (VerifiedTokenCache); its claims are checked on every call.
class JwtVerifier {
 public:
  // Builds a verifier from `options` and loads its JWKS file once. Returns INVALID_ARGUMENT
  // when a jwks_file is given without issuer or audience, or the skew is negative, and the
  // reload's error when the file cannot be read or parsed.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(JwtVerifierOptions options);

  // Create, then registers the JWKS reload on `refresher` as "jwks", every `reload_interval`
  // (positive). Returns a verifier without keys (and logs a warning) when
  // `options.jwks_file` is empty, and Create's errors otherwise.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> CreateReloaded(JwtVerifierOptions options,
                                                                     absl::Duration reload_interval,
                                                                     refresh::Refresher& refresher);

  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // Verifies compact JWS `token` at time `now` and returns the user it names. Returns
  // UNAUTHENTICATED with kInvalidTokenMessage for every invalid token, whatever the reason:
  // the reason goes only to VerificationCounts (the outcome metric) and a debug log line.
  absl::StatusOr<Viewer> Verify(absl::string_view token, absl::Time now) const;

  // Verifies `token` like Verify and returns the detailed outcome, without counting or logging
  // it. The checks, in order, and why in that order:
  //  1. size, then whether any key is configured: free, and bound the work of what follows;
  //  2. the verified-token cache: a token whose signature was checked before with the same
  //     keys only has its claims checked (below);
  //  3. structure (ParseJwt: base64url, strict JSON, alg allow-list, header): cheap and with
  //     no cryptography, so floods of garbage cost little;
  //  4. the key named by kid, and that its algorithm is the token's; an unknown kid rereads
  //     the JWKS, the only work an unsigned token can cause, at most once per
  //     unknown_kid_reload_interval however many such tokens arrive;
  //  5. the signature, the only expensive step;
  //  6. the claims (exp, nbf, iat, iss, aud, sub), only once the signature holds, so nothing
  //     an unsigned token claims is ever acted on, and an attacker probing with forged tokens
  //     cannot tell a wrong iss or aud from a wrong signature even in the outcome metric.
  Verification Check(absl::string_view token, absl::Time now) const;

  // Rereads the JWKS file now (the refresher calls this in the background). On error the
  // last good keys stay and the error is returned. OK without doing anything when no
  // jwks_file is set.
  absl::Status ReloadKeys();

  // Returns how many Verify calls ended with each outcome since construction, by
  // VerifyReasonLabel ("ok", "expired", "bad_signature", ...); every label is present.
  std::map<std::string, int64_t> VerificationCounts() const;

  // Returns how many verifications were answered from the verified-token cache (their claims
  // checked, their signature not) since construction.
  int64_t CachedVerifications() const { return cache_hits_.load(std::memory_order_relaxed); }

 private:
  JwtVerifier(JwtVerifierOptions options, std::shared_ptr<JwksFileSource> keys);

  const ClaimPolicy policy_;
  const absl::Duration unknown_kid_reload_interval_;
  // Shared with the refresher's reload, which may outlive the verifier. nullptr: no JWKS.
  const std::shared_ptr<JwksFileSource> keys_;
  mutable std::array<std::atomic<int64_t>, kVerifyReasonCount> counts_{};
  mutable VerifiedTokenCache cache_;
  mutable std::atomic<int64_t> cache_hits_{0};
};

}  // namespace misc::auth

#endif  // MISC_SRC_AUTH_JWT_VERIFIER_H_
